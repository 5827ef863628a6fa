with

source as (
    select * from {{ landed('orders') }}
),

customers as (
    select customer_id from {{ ref('stg_landing__customers') }}
),

-- Exact duplicates collapse to one row, remembering the newest load that carried it.
deduplicated as (
    {{ collapse_exact_duplicates(landed('orders')) }}
),

typed as (
    select
        _loaded_at,
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ try_cast_utc_timestamp('ordered_at') }} as ordered_at,
        {{ try_cast_number('amount') }} as amount,
        {{ clean_code('category') }} as category,
        {{ clean_code('channel') }} as channel,
        {{ clean_code('status') }} as status,
        {{ clean_text('ordered_at') }} as ordered_at__raw,
        {{ clean_text('amount') }} as amount__raw
    from deduplicated
),

ranked as (
    select
        typed.*,
        customers.customer_id is not null as has_customer,
        {{ rank_key_versions(['order_id'], 'typed.ordered_at desc', ['customer_id', 'amount__raw', 'category', 'channel', 'status']) }}
    from typed
    left join customers on typed.customer_id = customers.customer_id
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        amount,
        category,
        channel,
        status,
        ordered_at__raw,
        amount__raw,
        case
            when ordered_at__raw is not null and ordered_at is null then 'invalid_ordered_at'
            when amount__raw is not null and amount is null then 'invalid_amount'
            when order_id is null then 'missing_order_id'
            when customer_id is null then 'missing_customer_id'
            when ordered_at is null then 'missing_ordered_at'
            when amount is null then 'missing_amount'
            when category is null then 'missing_category'
            when status is null then 'missing_status'
            when amount < 0 then 'negative_amount'
            when status not in {{ in_list('order_statuses') }} then 'unknown_status'
            when channel not in {{ in_list('order_channels') }} then 'unknown_channel'
            when ordered_at > {{ as_of() }} then 'future_timestamp'
            when {{ is_implausibly_old('ordered_at') }} then 'implausible_timestamp'
            when not has_customer then 'unknown_customer'
            {{ key_version_reject_reasons() }}
        end as reject_reason
    from ranked
)

select * from final
