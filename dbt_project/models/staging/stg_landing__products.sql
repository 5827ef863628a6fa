with checked as (
    select * from {{ ref('int_products_checked') }}
),

final as (
    select
        product_id,
        product_name,
        category,
        price
        {{- attr_list(source('landing', 'products')) }}
    from checked
    where reject_reason is null
)

select * from final
