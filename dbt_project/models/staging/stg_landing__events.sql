with checked as (
    select * from {{ ref('int_events_checked') }}
),

final as (
    select
        event_id,
        customer_id,
        occurred_at,
        event_type,
        category
    from checked
    where reject_reason is null
)

select * from final
