with

source as (
    select * from {{ landed('events') }}
),

customers as (
    select customer_id from {{ ref('stg_landing__customers') }}
),

-- Exact duplicates collapse to one row, remembering the newest load that carried it.
deduplicated as (
    {{ collapse_exact_duplicates(landed('events')) }}
),

typed as (
    select
        _loaded_at,
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ try_cast_utc_timestamp('occurred_at') }} as occurred_at,
        {{ clean_code('event_type') }} as event_type,
        {{ clean_code('category') }} as category,
        {{ clean_text('occurred_at') }} as occurred_at__raw
    from deduplicated
),

ranked as (
    select
        typed.*,
        customers.customer_id is not null as has_customer,
        {{ rank_key_versions(['event_id'], 'typed.occurred_at desc', ['customer_id', 'event_type', 'category', 'occurred_at__raw']) }}
    from typed
    left join customers on typed.customer_id = customers.customer_id
),

final as (
    select
        event_id,
        customer_id,
        occurred_at,
        event_type,
        category,
        occurred_at__raw,
        case
            when occurred_at__raw is not null and occurred_at is null then 'invalid_occurred_at'
            when event_id is null then 'missing_event_id'
            when customer_id is null then 'missing_customer_id'
            when occurred_at is null then 'missing_occurred_at'
            when event_type is null then 'missing_event_type'
            when event_type not in {{ in_list('event_types') }} then 'unknown_event_type'
            when occurred_at > {{ as_of() }} then 'future_timestamp'
            when {{ is_implausibly_old('occurred_at') }} then 'implausible_timestamp'
            when not has_customer then 'unknown_customer'
            {{ key_version_reject_reasons() }}
        end as reject_reason
    from ranked
)

select * from final
