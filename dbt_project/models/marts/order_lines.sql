-- One row per line of a completed order placed before the run's as-of moment (its order from
-- completed_orders): who bought
-- (the pseudonymous customer_key only), what, when, how many and for how much. The product
-- recommender (ml/recommend) trains and evaluates on these rows; orders without lines in the
-- landing contribute nothing. A product missing from the catalogue takes its order's category.

with

items as (
    select * from {{ ref('stg_landing__order_items') }}
),

orders as (
    select * from {{ ref('completed_orders') }}
),

products as (
    select product_id, category from {{ ref('stg_landing__products') }}
),

final as (
    select
        items.order_id,
        orders.customer_key,
        orders.ordered_at,
        items.product_id,
        coalesce(products.category, orders.category) as category,
        items.quantity,
        cast(items.quantity * items.unit_price as {{ api.Column.translate_type('double') }}) as revenue
    from items
    inner join orders on items.order_id = orders.order_id
    left join products on items.product_id = products.product_id
)

select * from final
