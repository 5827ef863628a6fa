with checked as (
    select * from {{ ref('int_customers_checked') }}
),

final as (
    select
        customer_key,
        customer_id,
        signup_at,
        region,
        birth_year,
        gender,
        email_hash,
        phone_hash
        {{- attr_list(source('landing', 'customers')) }}
    from checked
    where reject_reason is null
)

select * from final
