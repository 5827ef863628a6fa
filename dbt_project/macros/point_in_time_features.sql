{#-
  Customer features as of a moment, for every row of a spine.

  spine: a relation or CTE name with the key columns, `customer_id`, `as_of_at` and, when
  campaign_category is true, `campaign_category`. Only rows dated strictly before each row's
  `as_of_at` are used; the `source_max_*_at` audit columns record the newest row that went in,
  and the singular tests `assert_*_training_point_in_time` check them.

  One macro serves customer_features, every training mart and every scoring mart, so a
  feature is computed the same way for training and for scoring.

  Features of a landing table that holds no row (orders, events: optional in the contract)
  are left out (landing_has), so a customer file without order history gives marts without
  order features rather than columns of zeros and nulls.
-#}
{% macro point_in_time_features(spine, key_columns, campaign_category=false) -%}
{%- set keys = key_columns | join(', ') -%}
{%- set categories = order_categories() -%}
{%- set has_orders = landing_has('orders') -%}
{%- set has_events = landing_has('events') -%}
with
{% if has_orders %}
order_history as (
    select
        {% for k in key_columns %}s.{{ k }}, {% endfor %}
        s.as_of_at,
        {% if campaign_category %}s.campaign_category,{% endif %}
        o.ordered_at,
        o.amount,
        o.category,
        o.channel,
        o.status
    from {{ spine }} as s
    inner join {{ ref('stg_landing__orders') }} as o
        on o.customer_id = s.customer_id
        and o.ordered_at < s.as_of_at
),

order_features as (
    select
        {{ keys }},
        sum(case when status = 'completed' then 1 else 0 end) as orders_total,
        round(sum(case when status = 'completed' then amount else 0 end), 2) as spend_total,
        sum(case when status = 'completed' and ordered_at >= {{ days_before(30) }} then 1 else 0 end) as orders_30d,
        sum(case when status = 'completed' and ordered_at >= {{ days_before(90) }} then 1 else 0 end) as orders_90d,
        sum(case when status = 'completed' and ordered_at >= {{ days_before(365) }} then 1 else 0 end) as orders_365d,
        round(sum(case when status = 'completed' and ordered_at >= {{ days_before(90) }} then amount else 0 end), 2) as spend_90d,
        round(sum(case when status = 'completed' and ordered_at >= {{ days_before(365) }} then amount else 0 end), 2) as spend_365d,
        sum(case when status = 'returned' and ordered_at >= {{ days_before(365) }} then 1 else 0 end) as returns_365d,
        sum(case when status = 'completed' and channel = 'app' and ordered_at >= {{ days_before(365) }} then 1 else 0 end) as app_orders_365d,
        count(distinct case when status = 'completed' and ordered_at >= {{ days_before(365) }} then category end) as categories_365d,
        {% for cat in categories %}
        round(sum(case when status = 'completed' and category in ({% for v in cat['values'] %}{{ sql_string(v) }}{{ ", " if not loop.last }}{% endfor %}) and ordered_at >= {{ days_before(365) }} then amount else 0 end), 2) as spend_365d_{{ cat['column'] }},
        {% endfor %}
        {% if campaign_category %}
        round(sum(case when status = 'completed' and category = campaign_category and ordered_at >= {{ days_before(365) }} then amount else 0 end), 2) as campaign_category_spend_365d,
        {% endif %}
        max(case when status = 'completed' then ordered_at end) as last_ordered_at,
        min(case when status = 'completed' then ordered_at end) as first_ordered_at,
        max(ordered_at) as source_max_ordered_at
    from order_history
    group by {{ keys }}
),
{% endif %}
{%- if has_events %}
event_history as (
    select
        {% for k in key_columns %}s.{{ k }}, {% endfor %}
        s.as_of_at,
        {% if campaign_category %}s.campaign_category,{% endif %}
        e.occurred_at,
        e.event_type,
        e.category
    from {{ spine }} as s
    inner join {{ ref('stg_landing__events') }} as e
        on e.customer_id = s.customer_id
        and e.occurred_at < s.as_of_at
        and e.occurred_at >= {{ days_before(90, 's.as_of_at') }}
),

event_features as (
    select
        {{ keys }},
        sum(case when occurred_at >= {{ days_before(7) }} then 1 else 0 end) as events_7d,
        sum(case when occurred_at >= {{ days_before(30) }} then 1 else 0 end) as events_30d,
        count(*) as events_90d,
        sum(case when event_type = 'session_start' and occurred_at >= {{ days_before(30) }} then 1 else 0 end) as sessions_30d,
        sum(case when event_type = 'product_view' and occurred_at >= {{ days_before(30) }} then 1 else 0 end) as product_views_30d,
        sum(case when event_type = 'add_to_cart' and occurred_at >= {{ days_before(30) }} then 1 else 0 end) as add_to_carts_30d,
        sum(case when event_type = 'search' and occurred_at >= {{ days_before(30) }} then 1 else 0 end) as searches_30d,
        sum(case when event_type = 'email_open' then 1 else 0 end) as email_opens_90d,
        sum(case when event_type = 'email_click' then 1 else 0 end) as email_clicks_90d,
        {% if campaign_category %}
        sum(case when category = campaign_category then 1 else 0 end) as campaign_category_views_90d,
        {% endif %}
        max(occurred_at) as source_max_occurred_at
    from event_history
    group by {{ keys }}
),
{% endif %}

contact_features as (
    select
        {% for k in key_columns %}s.{{ k }}, {% endfor %}
        count(*) as past_contacts,
        max(c.contacted_at) as last_contacted_at
    from {{ spine }} as s
    inner join {{ ref('stg_landing__contacts') }} as c
        on c.customer_id = s.customer_id
        and c.contacted_at < s.as_of_at
        and not c.is_control
    group by {% for k in key_columns %}s.{{ k }}{{ ", " if not loop.last }}{% endfor %}
),

response_features as (
    select
        {% for k in key_columns %}s.{{ k }}, {% endfor %}
        count(*) as past_responses,
        max(r.responded_at) as source_max_responded_at
    from {{ spine }} as s
    inner join {{ ref('stg_landing__responses') }} as r
        on r.customer_id = s.customer_id
        and r.responded_at < s.as_of_at
    group by {% for k in key_columns %}s.{{ k }}{{ ", " if not loop.last }}{% endfor %}
),

customers as (
    select
        customer_id, customer_key, signup_at, region, birth_year, gender
        {{- attr_list(source('landing', 'customers')) }}
    from {{ ref('stg_landing__customers') }}
),

final as (
    select
        {% for k in key_columns %}s.{{ k }}, {% endfor %}
        {% if 'customer_id' not in key_columns %}s.customer_id,{% endif %}
        customers.customer_key,
        s.as_of_at,
        customers.region,
        coalesce(customers.gender, 'unknown') as gender,
        {{ days_between('customers.signup_at', 's.as_of_at') }} as tenure_days
        {{- attr_list(source('landing', 'customers'), 'customers.') }},
        extract(year from s.as_of_at) - customers.birth_year as age,
        {%- if has_orders %}
        {{ days_between('o.last_ordered_at', 's.as_of_at') }} as recency_days,
        {{ days_between('o.first_ordered_at', 's.as_of_at') }} as days_since_first_order,
        coalesce(o.orders_total, 0) as orders_total,
        coalesce(o.orders_30d, 0) as orders_30d,
        coalesce(o.orders_90d, 0) as orders_90d,
        coalesce(o.orders_365d, 0) as orders_365d,
        coalesce(o.spend_total, 0) as spend_total,
        coalesce(o.spend_90d, 0) as spend_90d,
        coalesce(o.spend_365d, 0) as spend_365d,
        {{ ratio('o.spend_total', 'o.orders_total') }} as avg_order_value,
        coalesce(o.returns_365d, 0) as returns_365d,
        {{ ratio('o.app_orders_365d', 'o.orders_365d') }} as app_order_share_365d,
        coalesce(o.categories_365d, 0) as categories_365d,
        {% for cat in categories %}
        coalesce(o.spend_365d_{{ cat['column'] }}, 0) as spend_365d_{{ cat['column'] }},
        {% endfor %}
        {% if campaign_category %}
        case
            when o.spend_365d > 0 then coalesce(o.campaign_category_spend_365d, 0) / o.spend_365d
            else 0
        end as campaign_category_spend_share_365d,
        {% endif %}
        {%- endif %}
        {%- if has_events %}
        {% if campaign_category %}
        coalesce(e.campaign_category_views_90d, 0) as campaign_category_views_90d,
        {% endif %}
        coalesce(e.events_7d, 0) as events_7d,
        coalesce(e.events_30d, 0) as events_30d,
        coalesce(e.events_90d, 0) as events_90d,
        coalesce(e.sessions_30d, 0) as sessions_30d,
        coalesce(e.product_views_30d, 0) as product_views_30d,
        coalesce(e.add_to_carts_30d, 0) as add_to_carts_30d,
        coalesce(e.searches_30d, 0) as searches_30d,
        coalesce(e.email_opens_90d, 0) as email_opens_90d,
        coalesce(e.email_clicks_90d, 0) as email_clicks_90d,
        {%- endif %}
        coalesce(c.past_contacts, 0) as past_contacts,
        coalesce(r.past_responses, 0) as past_responses,
        {{ ratio('coalesce(r.past_responses, 0)', 'c.past_contacts') }} as past_response_rate,
        {{ days_between('c.last_contacted_at', 's.as_of_at') }} as days_since_last_contact,
        {%- if has_orders %}
        o.source_max_ordered_at,
        {%- endif %}
        {%- if has_events %}
        e.source_max_occurred_at,
        {%- endif %}
        c.last_contacted_at as source_max_contacted_at,
        r.source_max_responded_at
    from {{ spine }} as s
    inner join customers on s.customer_id = customers.customer_id
    {%- if has_orders %}
    left join order_features as o on {% for k in key_columns %}s.{{ k }} = o.{{ k }}{{ " and " if not loop.last }}{% endfor %}
    {%- endif %}
    {%- if has_events %}
    left join event_features as e on {% for k in key_columns %}s.{{ k }} = e.{{ k }}{{ " and " if not loop.last }}{% endfor %}
    {%- endif %}
    left join contact_features as c on {% for k in key_columns %}s.{{ k }} = c.{{ k }}{{ " and " if not loop.last }}{% endfor %}
    left join response_features as r on {% for k in key_columns %}s.{{ k }} = r.{{ k }}{{ " and " if not loop.last }}{% endfor %}
)

select * from final
{%- endmacro %}


{#-
  The order categories in the data, for per-category spend columns: one entry per column,
  {'column': suffix, 'values': the category values it sums, 'label': the first of them}.
  Values that make the same column name ('toys' and 'Toys 🧸') share the column; a value
  with no letter or digit gets 'other'. Read from the built staging table itself (not
  through ref(), which a unit test replaces by its fixture rows); every caller refs
  stg_landing__orders, so the build order is unchanged.
-#}
{% macro order_categories() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set orders = adapter.get_relation(
        database=target.database, schema=generate_schema_name('staging', none),
        identifier='stg_landing__orders') -%}
    {%- if orders is none -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select distinct category from {{ orders }} where category is not null order by category
    {%- endset -%}
    {%- set groups = {} -%}
    {%- for value in run_query(query).columns[0].values() -%}
        {%- set column = identifier_safe(value) | string or 'other' -%}
        {%- do groups.setdefault(column, []).append(value) -%}
    {%- endfor -%}
    {%- set categories = [] -%}
    {%- for column in groups | sort -%}
        {%- do categories.append(
            {'column': column, 'values': groups[column], 'label': groups[column][0]}) -%}
    {%- endfor -%}
    {{ return(categories) }}
{%- endmacro %}


{#- A category value turned into a column-name suffix: lower case, letters, digits and _. -#}
{% macro identifier_safe(value) -%}
    {{- modules.re.sub('[^a-z0-9]+', '_', value | lower) | trim('_') -}}
{%- endmacro %}


{#- The moment `days` days before a timestamp column (as_of_at by default). -#}
{% macro days_before(days, column='as_of_at') -%}
    {{ dbt.dateadd('day', -days, column) }}
{%- endmacro %}
