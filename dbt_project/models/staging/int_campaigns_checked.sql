with

source as (
    select * from {{ source('landing', 'campaigns') }}
),

deduplicated as (
    select distinct * from source
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('name') }} as campaign_name,
        {{ clean_code('channel') }} as channel,
        {{ clean_code('category') }} as category,
        {{ try_cast_utc_timestamp('starts_at') }} as starts_at,
        {{ try_cast('response_window_days', 'integer') }} as response_window_days,
        {{ try_cast('cost_per_contact', 'double') }} as cost_per_contact,
        {{ try_cast('value_per_response', 'double') }} as value_per_response
    from deduplicated
),

ranked as (
    select
        *,
        row_number() over (partition by campaign_id order by starts_at desc) as key_rank
    from typed
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        category,
        starts_at,
        response_window_days,
        cost_per_contact,
        value_per_response,
        case
            when campaign_id is null then 'missing_campaign_id'
            when channel is null then 'missing_channel'
            when starts_at is null then 'missing_starts_at'
            when response_window_days is null or response_window_days <= 0
                then 'invalid_response_window_days'
            when cost_per_contact < 0 or value_per_response < 0 then 'negative_amount'
            when channel not in {{ in_list('consent_channels') }} then 'unknown_channel'
            when key_rank > 1 then 'duplicate_key'
        end as reject_reason
    from ranked
)

select * from final
