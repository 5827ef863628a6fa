-- One row per staged campaign: what it is, what a contact costs and a response is worth,
-- how many contacts it has had, and whether it is due for scoring this run (int_campaigns_due).
with

campaigns as (
    select * from {{ ref('stg_landing__campaigns') }}
),

contact_counts as (
    select
        campaign_id,
        count(*) as contacts
    from {{ ref('stg_landing__contacts') }}
    group by campaign_id
),

due as (
    select campaign_id from {{ ref('int_campaigns_due') }}
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name as name,
        campaigns.channel,
        campaigns.category,
        campaigns.starts_at,
        campaigns.response_window_days,
        campaigns.cost_per_contact,
        campaigns.value_per_response,
        coalesce(contact_counts.contacts, 0) as contacts,
        contact_counts.campaign_id is not null as has_contacts,
        due.campaign_id is not null as is_due
    from campaigns
    left join contact_counts on campaigns.campaign_id = contact_counts.campaign_id
    left join due on campaigns.campaign_id = due.campaign_id
)

select * from final
