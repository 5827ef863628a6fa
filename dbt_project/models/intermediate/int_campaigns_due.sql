-- The campaigns to score this run: every staged campaign without a contact yet (upcoming),
-- plus those a run asked for by id (landing.scoring_requests, written by Bullseye with bound
-- parameters). An id that is not a staged campaign matches nothing. One row per campaign.
with

campaigns as (
    select * from {{ ref('stg_landing__campaigns') }}
),

contacted as (
    select distinct campaign_id from {{ ref('stg_landing__contacts') }}
),

requested as (
    select distinct campaign_id from {{ source('landing', 'scoring_requests') }}
),

final as (
    select
        campaigns.campaign_id,
        campaigns.channel,
        campaigns.category,
        campaigns.starts_at,
        contacted.campaign_id is not null as has_contacts,
        requested.campaign_id is not null as is_requested
        {{- campaign_attr_select('campaigns') }}
    from campaigns
    left join contacted on campaigns.campaign_id = contacted.campaign_id
    left join requested on campaigns.campaign_id = requested.campaign_id
    where contacted.campaign_id is null or requested.campaign_id is not null
)

select * from final
