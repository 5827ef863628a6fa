-- Eligible customers (campaign_eligibility) of every campaign due this run, with the same
-- features as training, as of the run. One row per campaign and eligible customer.
with

campaigns as (
    select
        campaign_id,
        channel as campaign_channel,
        coalesce(category, 'none') as campaign_category,
        starts_at as campaign_starts_at
        {{- campaign_attr_features() }}
    from {{ ref('int_campaigns_due') }}
),

eligible as (
    select campaign_id, customer_id
    from {{ ref('campaign_eligibility') }}
    where is_eligible
),

spine as (
    select
        campaigns.campaign_id,
        eligible.customer_id,
        {{ as_of() }} as as_of_at,
        campaigns.campaign_category
    from eligible
    inner join campaigns on eligible.campaign_id = campaigns.campaign_id
),

features as (
    {{ point_in_time_features('spine', ['campaign_id', 'customer_id'], campaign_category=true) }}
),

final as (
    select
        features.*,
        campaigns.campaign_starts_at,
        campaigns.campaign_channel,
        campaigns.campaign_category
        {#- The campaign's own attributes, stated in advance on its campaigns row. #}
        {{- campaign_attr_features('campaigns') }}
    from features
    inner join campaigns on features.campaign_id = campaigns.campaign_id
)

select * from final
