with

source as (
    select * from {{ landed('consents') }}
),

customers as (
    select customer_id from {{ ref('stg_landing__customers') }}
),

deduplicated as (
    select distinct {{ data_columns(landed('consents')) }} from source
),

typed as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_code('channel') }} as channel,
        {{ try_cast('is_opted_in', 'boolean') }} as is_opted_in,
        {{ try_cast_utc_timestamp('updated_at') }} as updated_at,
        {{ clean_text('is_opted_in') }} as is_opted_in__raw,
        {{ clean_text('updated_at') }} as updated_at__raw
    from deduplicated
),

ranked as (
    select
        typed.*,
        customers.customer_id is not null as has_customer,
        row_number() over (
            partition by typed.customer_id, typed.channel, typed.updated_at
            order by typed.is_opted_in
        ) as key_rank
    from typed
    left join customers on typed.customer_id = customers.customer_id
),

final as (
    select
        customer_id,
        channel,
        is_opted_in,
        updated_at,
        is_opted_in__raw,
        updated_at__raw,
        case
            when is_opted_in__raw is not null and is_opted_in is null then 'invalid_is_opted_in'
            when updated_at__raw is not null and updated_at is null then 'invalid_updated_at'
            when customer_id is null then 'missing_customer_id'
            when channel is null then 'missing_channel'
            when is_opted_in is null then 'missing_is_opted_in'
            when updated_at is null then 'missing_updated_at'
            when channel not in {{ in_list('consent_channels') }} then 'unknown_channel'
            when updated_at > {{ as_of() }} then 'future_timestamp'
            when {{ is_implausibly_old('updated_at') }} then 'implausible_timestamp'
            when not has_customer then 'unknown_customer'
            when key_rank > 1 then 'duplicate_key'
        end as reject_reason
    from ranked
)

select * from final
