-- Every customer against every campaign due this run (int_campaigns_due), as of the run, with
-- each rule that decides whether they may be contacted: signed up, opted in for the
-- campaign's channel (latest consent record wins), and under the frequency cap (fewer than
-- `frequency_cap_contacts` contacts in the last `frequency_cap_days` days). One row per
-- campaign and customer. Suppression lists and the global holdout are applied after scoring,
-- on pseudonymous keys (ml/audience.py).
with

campaigns as (
    select campaign_id, channel as campaign_channel
    from {{ ref('int_campaigns_due') }}
),

opted_in as (
    select
        campaigns.campaign_id,
        consents.customer_id
    from {{ ref('int_consents_latest') }} as consents
    inner join campaigns on consents.channel = campaigns.campaign_channel
    where consents.is_opted_in
),

recent_contacts as (
    select customer_id, count(*) as contacts_in_window
    from {{ ref('stg_landing__contacts') }}
    where contacted_at >= {{ dbt.dateadd('day', -var('frequency_cap_days'), as_of()) }}
        and contacted_at <= {{ as_of() }}
        and not is_control
    group by customer_id
),

final as (
    select
        campaigns.campaign_id,
        customers.customer_id,
        customers.customer_key,
        customers.signup_at <= {{ as_of() }} as is_signed_up,
        opted_in.customer_id is not null as is_opted_in,
        coalesce(recent_contacts.contacts_in_window, 0) as contacts_in_window,
        coalesce(recent_contacts.contacts_in_window, 0)
            >= {{ var('frequency_cap_contacts') }} as is_frequency_capped
    from {{ ref('stg_landing__customers') }} as customers
    cross join campaigns
    left join opted_in
        on campaigns.campaign_id = opted_in.campaign_id
        and customers.customer_id = opted_in.customer_id
    left join recent_contacts on customers.customer_id = recent_contacts.customer_id
)

select
    *,
    is_signed_up and is_opted_in and not is_frequency_capped as is_eligible
from final
