-- Eligible customers (campaign_eligibility) for the campaign named by the
-- `scoring_campaign_id` var, with the same features as training, as of the run.
with

campaign as (
    select
        campaign_id,
        channel as campaign_channel,
        coalesce(category, 'none') as campaign_category,
        starts_at as campaign_starts_at
    from {{ ref('stg_landing__campaigns') }}
    where campaign_id = '{{ var("scoring_campaign_id") }}'
),

eligible as (
    select campaign_id, customer_id
    from {{ ref('campaign_eligibility') }}
    where is_eligible
),

spine as (
    select
        campaign.campaign_id,
        eligible.customer_id,
        {{ as_of() }} as as_of_at,
        campaign.campaign_category
    from eligible
    inner join campaign on eligible.campaign_id = campaign.campaign_id
),

features as (
    {{ point_in_time_features('spine', ['campaign_id', 'customer_id'], campaign_category=true) }}
),

final as (
    select
        features.*,
        campaign.campaign_starts_at,
        campaign.campaign_channel,
        campaign.campaign_category
        {#- Contact attributes do not exist before the contact: null, as the model allows. #}
        {{- attr_nulls(source('landing', 'contacts')) }}
    from features
    inner join campaign on features.campaign_id = campaign.campaign_id
)

select * from final
