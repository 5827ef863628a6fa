with checked as (
    select * from {{ ref('int_orders_checked') }}
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        amount,
        category,
        channel,
        status
    from checked
    where reject_reason is null
)

select * from final
