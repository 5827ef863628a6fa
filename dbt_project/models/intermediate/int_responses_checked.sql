with

source as (
    select * from {{ landed('responses') }}
),

contacts as (
    select campaign_id, customer_id, contacted_at from {{ ref('stg_landing__contacts') }}
),

-- Exact duplicates collapse to one row, remembering the newest load that carried it.
deduplicated as (
    {{ collapse_exact_duplicates(landed('responses')) }}
),

typed as (
    select
        _loaded_at,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ try_cast_utc_timestamp('responded_at') }} as responded_at,
        {{ try_cast_number('revenue') }} as revenue,
        {{ clean_text('responded_at') }} as responded_at__raw,
        {{ clean_text('revenue') }} as revenue__raw
    from deduplicated
),

ranked as (
    select
        typed.*,
        contacts.contacted_at,
        {{ rank_key_versions(['campaign_id', 'customer_id'], 'typed.responded_at', ['revenue__raw', 'responded_at__raw']) }}
    from typed
    left join contacts
        on typed.campaign_id = contacts.campaign_id
        and typed.customer_id = contacts.customer_id
),

final as (
    select
        campaign_id,
        customer_id,
        responded_at,
        revenue,
        responded_at__raw,
        revenue__raw,
        case
            when responded_at__raw is not null and responded_at is null then 'invalid_responded_at'
            when revenue__raw is not null and revenue is null then 'invalid_revenue'
            when campaign_id is null then 'missing_campaign_id'
            when customer_id is null then 'missing_customer_id'
            when responded_at is null then 'missing_responded_at'
            when revenue < 0 then 'negative_amount'
            when responded_at > {{ as_of() }} then 'future_timestamp'
            when {{ is_implausibly_old('responded_at') }} then 'implausible_timestamp'
            when contacted_at is null then 'unknown_contact'
            when responded_at < contacted_at then 'response_before_contact'
            {{ key_version_reject_reasons() }}
        end as reject_reason
    from ranked
)

select * from final
