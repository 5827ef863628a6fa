-- Completed orders before the as-of moment by customer_key: the purchase history the
-- customer-lifetime-value model (ml/value) learns from at past cut-offs.

with

orders as (
    select * from {{ ref('stg_landing__orders') }}
),

customers as (
    select customer_id, customer_key from {{ ref('stg_landing__customers') }}
),

final as (
    select
        orders.order_id,
        customers.customer_key,
        orders.ordered_at,
        orders.amount,
        orders.category
    from orders
    inner join customers on orders.customer_id = customers.customer_id
    where
        orders.status = 'completed'
        and orders.ordered_at < {{ as_of() }}
)

select * from final
