-- One example per contact, sent (treatment = 1) or held out as control (treatment = 0), whose
-- response window has closed. Features as of contacted_at; label = response inside the window.
-- period_id/period_at (the campaign and its start) order examples in time for the split.
-- The uplift model learns from both arms; training_campaign_response keeps the sent ones.
with

contacts as (
    select * from {{ ref('int_contacts_labelled') }}
),

spine as (
    select
        campaign_id,
        customer_id,
        contacted_at as as_of_at,
        campaign_category
    from contacts
),

features as (
    {{ point_in_time_features('spine', ['campaign_id', 'customer_id'], campaign_category=true) }}
),

final as (
    select
        features.*,
        contacts.contacted_at,
        contacts.campaign_starts_at,
        contacts.campaign_channel,
        contacts.campaign_category
        {{- campaign_attr_features('contacts') }},
        contacts.campaign_id as period_id,
        contacts.campaign_starts_at as period_at,
        case when contacts.is_control then 0 else 1 end as treatment,
        contacts.has_responded as label
        {#- Contact attributes (attr_* of contacts) are not features: they do not exist before a
            contact, so a model leaning on them would score every customer alike. They stay in
            int_contacts_labelled and campaign_contact_outcomes for measurement. #}
    from features
    inner join contacts
        on features.campaign_id = contacts.campaign_id
        and features.customer_id = contacts.customer_id
)

select * from final
