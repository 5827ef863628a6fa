-- The products a recommendation may name: the staged catalogue, plus any product sold in a
-- completed order line but missing from it (its most frequent order category, no price).
-- attr_<name> columns of the catalogue pass through for content-based recommendations.

with

catalogue as (
    select * from {{ ref('stg_landing__products') }}
),

sold as (
    select
        product_id,
        category,
        count(*) as line_count
    from {{ ref('order_lines') }}
    group by product_id, category
),

uncatalogued as (
    select
        sold.product_id,
        sold.category,
        row_number() over (
            partition by sold.product_id order by sold.line_count desc, sold.category
        ) as category_rank
    from sold
    left join catalogue on sold.product_id = catalogue.product_id
    where catalogue.product_id is null
),

final as (
    select
        product_id,
        product_name,
        category,
        price
        {{- attr_list(source('landing', 'products')) }}
    from catalogue
    union all
    select
        product_id,
        cast(null as {{ dbt.type_string() }}) as product_name,
        category,
        cast(null as {{ api.Column.translate_type('double') }}) as price
        {%- for column in attr_columns(source('landing', 'products')) %},
        cast(null as {{ column.data_type }}) as {{ column.name }}
        {%- endfor %}
    from uncatalogued
    where category_rank = 1
)

select * from final
