-- The lines of each order (optional). A line must belong to a staged order and, when the
-- landing has a product catalogue, to a staged product. Returns are orders with status
-- 'returned', not negative quantities: a quantity must be positive.
{%- set has_products = landing_has('products') %}

with

source as (
    select * from {{ landed('order_items') }}
),

orders as (
    select order_id from {{ ref('stg_landing__orders') }}
),

{%- if has_products %}
products as (
    select product_id from {{ ref('stg_landing__products') }}
),
{%- endif %}

-- Exact duplicates collapse to one row, remembering the newest load that carried it.
deduplicated as (
    {{ collapse_exact_duplicates(landed('order_items')) }}
),

typed as (
    select
        _loaded_at,
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('product_id') }} as product_id,
        {{ try_cast('quantity', 'integer') }} as quantity,
        {{ try_cast_number('unit_price') }} as unit_price,
        {{ clean_text('quantity') }} as quantity__raw,
        {{ clean_text('unit_price') }} as unit_price__raw
    from deduplicated
),

ranked as (
    select
        typed.*,
        orders.order_id is not null as has_order,
        {% if has_products -%}
        products.product_id is not null as has_product,
        {%- else -%}
        true as has_product,
        {%- endif %}
        {{ rank_key_versions(['order_id', 'product_id'], 'typed.quantity desc', ['quantity__raw', 'unit_price__raw']) }}
    from typed
    left join orders on typed.order_id = orders.order_id
    {%- if has_products %}
    left join products on typed.product_id = products.product_id
    {%- endif %}
),

final as (
    select
        order_id,
        product_id,
        quantity,
        unit_price,
        quantity__raw,
        unit_price__raw,
        case
            when quantity__raw is not null and quantity is null then 'invalid_quantity'
            when unit_price__raw is not null and unit_price is null then 'invalid_unit_price'
            when order_id is null then 'missing_order_id'
            when product_id is null then 'missing_product_id'
            when quantity is null then 'missing_quantity'
            when unit_price is null then 'missing_unit_price'
            when quantity <= 0 then 'non_positive_quantity'
            when unit_price < 0 then 'negative_amount'
            when not has_order then 'unknown_order'
            when not has_product then 'unknown_product'
            {{ key_version_reject_reasons() }}
        end as reject_reason
    from ranked
)

select * from final
