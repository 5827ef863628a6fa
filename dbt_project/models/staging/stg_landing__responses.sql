with checked as (
    select * from {{ ref('int_responses_checked') }}
),

final as (
    select
        campaign_id,
        customer_id,
        responded_at,
        coalesce(revenue, 0) as revenue
    from checked
    where reject_reason is null
)

select * from final
