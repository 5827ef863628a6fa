-- Every contact whose response window has closed by the run's as-of moment, with its label:
-- a response dated inside [contacted_at, contacted_at + response_window_days).
with

contacts as (
    select * from {{ ref('stg_landing__contacts') }}
),

campaigns as (
    select * from {{ ref('stg_landing__campaigns') }}
),

responses as (
    select * from {{ ref('stg_landing__responses') }}
),

windowed as (
    select
        contacts.campaign_id,
        contacts.customer_id,
        contacts.contacted_at,
        contacts.is_control
        {{- attr_list(source('landing', 'contacts'), 'contacts.') }},
        campaigns.channel as campaign_channel,
        coalesce(campaigns.category, 'none') as campaign_category,
        campaigns.starts_at as campaign_starts_at,
        {{ dbt.dateadd('day', 'campaigns.response_window_days', 'contacts.contacted_at') }} as window_closes_at
        {{- campaign_attr_select('campaigns') }}
    from contacts
    inner join campaigns on contacts.campaign_id = campaigns.campaign_id
),

final as (
    select
        windowed.*,
        case
            when responses.responded_at >= windowed.contacted_at
                and responses.responded_at < windowed.window_closes_at then 1
            else 0
        end as has_responded,
        case
            when responses.responded_at >= windowed.contacted_at
                and responses.responded_at < windowed.window_closes_at then responses.revenue
            else 0
        end as response_revenue
    from windowed
    left join responses
        on windowed.campaign_id = responses.campaign_id
        and windowed.customer_id = responses.customer_id
    where windowed.window_closes_at <= {{ as_of() }}
)

select * from final
