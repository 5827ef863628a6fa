-- Consent history: one row per customer, channel and change. Latest wins (int_consents_latest).
with checked as (
    select * from {{ ref('int_consents_checked') }}
),

final as (
    select
        customer_id,
        channel,
        is_opted_in,
        updated_at
    from checked
    where reject_reason is null
)

select * from final
