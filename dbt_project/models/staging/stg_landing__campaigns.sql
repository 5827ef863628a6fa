with checked as (
    select * from {{ ref('int_campaigns_checked') }}
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        category,
        starts_at,
        response_window_days,
        coalesce(cost_per_contact, 0) as cost_per_contact,
        coalesce(value_per_response, 0) as value_per_response
        {{- attr_list(source('landing', 'campaigns')) }}
    from checked
    where reject_reason is null
)

select * from final
