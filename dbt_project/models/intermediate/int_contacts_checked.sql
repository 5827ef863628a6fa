with

source as (
    select * from {{ landed('contacts') }}
),

customers as (
    select customer_id from {{ ref('stg_landing__customers') }}
),

campaigns as (
    select campaign_id from {{ ref('stg_landing__campaigns') }}
),

-- Exact duplicates collapse to one row, remembering the newest load that carried it.
deduplicated as (
    {{ collapse_exact_duplicates(landed('contacts')) }}
),

typed as (
    select
        _loaded_at,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ try_cast_utc_timestamp('contacted_at') }} as contacted_at,
        {{ try_cast('is_control', 'boolean') }} as is_control,
        {{ clean_text('contacted_at') }} as contacted_at__raw,
        {{ clean_text('is_control') }} as is_control__raw
        {{- attr_list(source('landing', 'contacts')) }}
    from deduplicated
),

ranked as (
    select
        typed.*,
        customers.customer_id is not null as has_customer,
        campaigns.campaign_id is not null as has_campaign,
        {{ rank_key_versions(['campaign_id', 'customer_id'], 'typed.contacted_at', ['is_control__raw', 'contacted_at__raw']) }}
    from typed
    left join customers on typed.customer_id = customers.customer_id
    left join campaigns on typed.campaign_id = campaigns.campaign_id
),

final as (
    select
        campaign_id,
        customer_id,
        contacted_at,
        is_control,
        contacted_at__raw,
        is_control__raw,
        {%- for column in attr_columns(source('landing', 'contacts')) %}
        {{ column.name }},
        {%- endfor %}
        case
            when contacted_at__raw is not null and contacted_at is null then 'invalid_contacted_at'
            when is_control__raw is not null and is_control is null then 'invalid_is_control'
            when campaign_id is null then 'missing_campaign_id'
            when customer_id is null then 'missing_customer_id'
            when contacted_at is null then 'missing_contacted_at'
            when is_control is null then 'missing_is_control'
            when contacted_at > {{ as_of() }} then 'future_timestamp'
            when {{ is_implausibly_old('contacted_at') }} then 'implausible_timestamp'
            when not has_campaign then 'unknown_campaign'
            when not has_customer then 'unknown_customer'
            {{ key_version_reject_reasons() }}
        end as reject_reason
    from ranked
)

select * from final
