-- One row per customer as of the run: RFM scores and segment, lifecycle stage, value tier,
-- preferred category and channel, engagement level and consent per channel. Readable by
-- marketers and usable as audience filters.
-- Without orders in the landing, nothing order-based can be computed: RFM scores, lifecycle,
-- value tier and preferred category/channel are null and rfm_segment is 'not_computed';
-- without events, engagement_level is null. The columns stay (this mart has a contract).
{%- set categories = order_categories() %}
{%- set has_orders = landing_has('orders') %}
{%- set has_events = landing_has('events') %}
{#- Written by Bullseye's lifetime-value step (ml/value), after a first build: absent before. -#}
{%- set customer_value = python_table('publish', 'customer_value') %}

with

features as (
    select * from {{ ref('customer_features') }}
),

consents as (
    select * from {{ ref('int_consents_latest') }}
),

{%- if has_orders %}
channel_orders as (
    select
        orders.customer_id,
        orders.channel,
        count(*) as order_count
    from {{ ref('stg_landing__orders') }} as orders
    where
        orders.status = 'completed'
        and orders.ordered_at < {{ as_of() }}
        and orders.ordered_at >= {{ dbt.dateadd('day', -365, as_of()) }}
    group by orders.customer_id, orders.channel
),

preferred_channel as (
    select
        customer_id,
        channel as preferred_channel,
        row_number() over (partition by customer_id order by order_count desc, channel) as channel_rank
    from channel_orders
),

-- Quintiles among customers who bought in the last year (5 = most recent, frequent, valuable);
-- everyone else scores 1. ntile is a bigint on DuckDB and an int on Spark: cast for the contract.
active_scores as (
    select
        customer_id,
        cast(
            ntile(5) over (order by recency_days desc, customer_id) as {{ dbt.type_bigint() }}
        ) as r_score,
        cast(
            ntile(5) over (order by orders_365d, customer_id) as {{ dbt.type_bigint() }}
        ) as f_score,
        cast(
            ntile(5) over (order by spend_365d, customer_id) as {{ dbt.type_bigint() }}
        ) as m_score,
        cast(
            ntile(4) over (order by spend_365d desc, customer_id) as {{ dbt.type_bigint() }}
        ) as value_quartile
    from features
    where orders_365d > 0
),
{%- else %}
preferred_channel as (
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as preferred_channel,
        1 as channel_rank
    where 1 = 0
),
{%- endif %}

scored as (
    select
        features.customer_id,
        features.customer_key,
        features.region,
        features.tenure_days,
        {%- if has_orders %}
        features.recency_days,
        features.orders_total,
        features.orders_365d,
        features.spend_365d,
        {%- else %}
        cast(null as {{ dbt.type_bigint() }}) as recency_days,
        cast(null as {{ dbt.type_bigint() }}) as orders_total,
        cast(null as {{ dbt.type_bigint() }}) as orders_365d,
        cast(null as double) as spend_365d,  -- the contract's type
        {%- endif %}
        {%- if has_events %}
        features.events_30d,
        {%- else %}
        cast(null as {{ dbt.type_bigint() }}) as events_30d,
        {%- endif %}
        {%- if has_orders %}
        coalesce(active_scores.r_score, 1) as r_score,
        coalesce(active_scores.f_score, 1) as f_score,
        coalesce(active_scores.m_score, 1) as m_score,
        active_scores.value_quartile
        {%- else %}
        cast(null as {{ dbt.type_bigint() }}) as r_score,
        cast(null as {{ dbt.type_bigint() }}) as f_score,
        cast(null as {{ dbt.type_bigint() }}) as m_score,
        cast(null as {{ dbt.type_bigint() }}) as value_quartile
        {%- endif %}
        {%- if categories %},
        case
            {%- for cat in categories %}
            when spend_365d_{{ cat['column'] }} > 0
                {%- if categories | length > 1 %}{# greatest() of one value is an error on Spark #}
                and spend_365d_{{ cat['column'] }} = greatest(
                    {%- for other in categories %}spend_365d_{{ other['column'] }}{{ ", " if not loop.last }}{% endfor -%}
                )
                {%- endif %} then {{ sql_string(cat['label']) }}
            {%- endfor %}
        end as preferred_category
        {%- else %},
        cast(null as {{ dbt.type_string() }}) as preferred_category
        {%- endif %}
    from features
    {%- if has_orders %}
    left join active_scores on features.customer_id = active_scores.customer_id
    {%- endif %}
),

final as (
    select
        scored.customer_id,
        scored.customer_key,
        scored.region,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {{ dbt.concat(['cast(scored.r_score as ' ~ dbt.type_string() ~ ')', 'cast(scored.f_score as ' ~ dbt.type_string() ~ ')', 'cast(scored.m_score as ' ~ dbt.type_string() ~ ')']) }} as rfm_code,
        {%- if not has_orders %}
        'not_computed' as rfm_segment,
        cast(null as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(null as {{ dbt.type_string() }}) as value_tier,
        {%- else %}
        case
            when scored.orders_total = 0 then 'no_purchase'
            when scored.orders_365d = 0 then 'lost'
            when scored.r_score >= 4 and scored.f_score >= 4 and scored.m_score >= 4 then 'champions'
            when scored.r_score >= 4 and scored.orders_total = 1 then 'new'
            when scored.r_score >= 3 and scored.f_score >= 4 then 'loyal'
            when scored.r_score >= 4 and scored.f_score <= 2 then 'promising'
            when scored.r_score <= 2 and scored.f_score >= 3 then 'at_risk'
            when scored.r_score <= 2 and scored.f_score <= 2 then 'hibernating'
            else 'needs_attention'
        end as rfm_segment,
        case
            when scored.orders_total = 0 then 'prospect'
            when scored.orders_total = 1 and scored.recency_days <= 90 then 'new'
            when scored.recency_days <= 90 then 'active'
            when scored.recency_days <= 365 then 'lapsing'
            else 'lapsed'
        end as lifecycle_stage,
        case scored.value_quartile
            when 1 then 'platinum'
            when 2 then 'gold'
            when 3 then 'silver'
            when 4 then 'bronze'
            else 'none'
        end as value_tier,
        {%- endif %}
        scored.preferred_category,
        preferred_channel.preferred_channel,
        {%- if has_events %}
        case
            when scored.events_30d >= 10 then 'high'
            when scored.events_30d >= 3 then 'medium'
            when scored.events_30d >= 1 then 'low'
            else 'none'
        end as engagement_level,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as engagement_level,
        {%- endif %}
        {%- for channel in var('consent_channels') %}
        coalesce(max(case when consents.channel = '{{ channel }}' then consents.is_opted_in end), false)
            as is_opted_in_{{ channel }},
        {%- endfor %}
        scored.tenure_days,
        scored.recency_days,
        cast(scored.orders_365d as {{ dbt.type_bigint() }}) as orders_365d,
        scored.spend_365d
    from scored
    left join preferred_channel
        on scored.customer_id = preferred_channel.customer_id and preferred_channel.channel_rank = 1
    left join consents on scored.customer_id = consents.customer_id
    group by
        scored.customer_id, scored.customer_key, scored.region, scored.r_score, scored.f_score,
        scored.m_score, scored.orders_total, scored.orders_365d, scored.recency_days,
        scored.value_quartile, scored.preferred_category, preferred_channel.preferred_channel,
        scored.events_30d, scored.tenure_days, scored.spend_365d
),

valued as (
    select
        final.*,
        {%- if customer_value is not none %}
        cast(customer_value.clv as {{ api.Column.translate_type('double') }}) as clv
    from final
    left join {{ customer_value }} as customer_value
        on final.customer_key = customer_value.customer_key
        {%- else %}
        cast(null as {{ api.Column.translate_type('double') }}) as clv
    from final
        {%- endif %}
)

select * from valued
