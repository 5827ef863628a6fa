-- A view, as stg_landing__orders: the checked rows without a reject reason.
{{ config(materialized='view') }}

with checked as (
    select * from {{ ref('int_order_items_checked') }}
),

final as (
    select
        order_id,
        product_id,
        quantity,
        unit_price
    from checked
    where reject_reason is null
)

select * from final
