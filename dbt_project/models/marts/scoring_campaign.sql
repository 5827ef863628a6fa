-- Eligible customers for the campaign named by the `scoring_campaign_id` var, with the same
-- features as training, as of the run: opted in for the campaign's channel (latest consent
-- wins) and not contacted within `contact_cooldown_days`.
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

opted_in as (
    select consents.customer_id
    from {{ ref('int_consents_latest') }} as consents
    inner join campaign on consents.channel = campaign.campaign_channel
    where consents.is_opted_in
),

recently_contacted as (
    select distinct customer_id
    from {{ ref('stg_landing__contacts') }}
    where contacted_at >= {{ dbt.dateadd('day', -var('contact_cooldown_days'), as_of()) }}
        and contacted_at <= {{ as_of() }}
),

spine as (
    select
        campaign.campaign_id,
        customers.customer_id,
        {{ as_of() }} as as_of_at,
        campaign.campaign_category
    from {{ ref('stg_landing__customers') }} as customers
    cross join campaign
    inner join opted_in on customers.customer_id = opted_in.customer_id
    left join recently_contacted on customers.customer_id = recently_contacted.customer_id
    where recently_contacted.customer_id is null
        and customers.signup_at <= {{ as_of() }}
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
