-- The product catalogue (optional): one row per product_id; its attr_<name> columns describe
-- products for content-based recommendations.
with

source as (
    select * from {{ landed('products') }}
),

deduplicated as (
    select distinct {{ data_columns(landed('products')) }} from source
),

typed as (
    select
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('name') }} as product_name,
        {{ clean_code('category') }} as category,
        {{ try_cast_number('price') }} as price,
        {{ clean_text('price') }} as price__raw
        {{- attr_list(source('landing', 'products')) }}
    from deduplicated
),

ranked as (
    select
        *,
        row_number() over (
            partition by product_id order by category, price__raw nulls last, product_name nulls last
        ) as key_rank
    from typed
),

final as (
    select
        product_id,
        product_name,
        category,
        price,
        price__raw,
        {%- for column in attr_columns(source('landing', 'products')) %}
        {{ column.name }},
        {%- endfor %}
        case
            when price__raw is not null and price is null then 'invalid_price'
            when product_id is null then 'missing_product_id'
            when category is null then 'missing_category'
            when price < 0 then 'negative_amount'
            when key_rank > 1 then 'duplicate_key'
        end as reject_reason
    from ranked
)

select * from final
