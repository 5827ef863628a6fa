-- Every distinct landing customer row, typed, pseudonymised, with the first rule it breaks.
-- Raw email and phone stop here: only their salted hashes go on.
with

source as (
    select * from {{ landed('customers') }}
),

deduplicated as (
    select distinct {{ data_columns(landed('customers')) }} from source
),

typed as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        {{ try_cast_utc_timestamp('signup_at') }} as signup_at,
        {{ clean_code('region') }} as region,
        {{ try_cast('birth_year', 'integer') }} as birth_year,
        {{ clean_code('gender') }} as gender,
        {{ pseudonymize(clean_code('email')) }} as email_hash,
        {{ pseudonymize(normalize_phone(clean_text('phone'))) }} as phone_hash,
        {{ clean_text('signup_at') }} as signup_at__raw,
        {{ clean_text('birth_year') }} as birth_year__raw
        {{- attr_list(source('landing', 'customers')) }}
    from deduplicated
),

ranked as (
    select
        *,
        row_number() over (partition by customer_id order by signup_at desc, region) as key_rank
    from typed
),

final as (
    select
        {{ pseudonymize('customer_id') }} as customer_key,
        customer_id,
        signup_at,
        region,
        birth_year,
        gender,
        email_hash,
        phone_hash,
        signup_at__raw,
        birth_year__raw,
        {%- for column in attr_columns(source('landing', 'customers')) %}
        {{ column.name }},
        {%- endfor %}
        case
            when signup_at__raw is not null and signup_at is null then 'invalid_signup_at'
            when birth_year__raw is not null and birth_year is null then 'invalid_birth_year'
            when customer_id is null then 'missing_customer_id'
            when signup_at is null then 'missing_signup_at'
            when region is null then 'missing_region'
            when signup_at > {{ as_of() }} then 'future_timestamp'
            when {{ is_implausibly_old('signup_at') }} then 'implausible_timestamp'
            when key_rank > 1 then 'duplicate_key'
        end as reject_reason
    from ranked
)

select * from final
