with

source as (
    select * from {{ landed('campaigns') }}
),

deduplicated as (
    select distinct {{ data_columns(landed('campaigns')) }} from source
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('name') }} as campaign_name,
        {{ clean_code('channel') }} as channel,
        {{ clean_code('category') }} as category,
        {{ try_cast_utc_timestamp('starts_at') }} as starts_at,
        {{ try_cast('response_window_days', 'integer') }} as response_window_days,
        {{ try_cast_number('cost_per_contact') }} as cost_per_contact,
        {{ try_cast_number('value_per_response') }} as value_per_response,
        {{ clean_text('starts_at') }} as starts_at__raw,
        {{ clean_text('response_window_days') }} as response_window_days__raw,
        {{ clean_text('cost_per_contact') }} as cost_per_contact__raw,
        {{ clean_text('value_per_response') }} as value_per_response__raw
        {{- attr_list(source('landing', 'campaigns')) }}
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
        starts_at__raw,
        response_window_days__raw,
        cost_per_contact__raw,
        value_per_response__raw,
        {%- for column in attr_columns(source('landing', 'campaigns')) %}
        {{ column.name }},
        {%- endfor %}
        case
            when starts_at__raw is not null and starts_at is null then 'invalid_starts_at'
            when response_window_days__raw is not null and response_window_days is null then 'invalid_response_window_days'
            when cost_per_contact__raw is not null and cost_per_contact is null then 'invalid_cost_per_contact'
            when value_per_response__raw is not null and value_per_response is null then 'invalid_value_per_response'
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
