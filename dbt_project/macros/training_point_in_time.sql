{#-
  The point-in-time check of training marts: no feature may use data dated at or after the
  example's as-of moment (contacted_at for campaign response, the snapshot for behavioural
  targets). Two independent checks per mart:
   1. the newest source row that went into each feature family is older than as_of_at;
   2. lifetime order count recomputed here from staging, strictly before the as-of moment,
      equals the feature (it would be larger if later orders had leaked in).
  Families whose landing table holds no row have no features in the marts (landing_has).
  marts: (mart, as-of column, scope column) triples. One singular test per kind of mart, so a
  build that leaves the behavioural marts out still checks the campaign-response ones.
-#}
{% macro training_point_in_time_problems(marts) -%}
{%- set has_orders = landing_has('orders') %}
{%- set has_events = landing_has('events') %}


with

{% for mart, moment, scope in marts %}
{{ mart }}_late as (
    select
        '{{ mart }}' as mart,
        {{ scope }} as scope,
        period_id,
        customer_id,
        'source row at or after as_of_at' as problem
    from {{ ref(mart) }}
    where
        {%- if has_orders %}
        source_max_ordered_at >= as_of_at or
        {%- endif %}
        {%- if has_events %}
        source_max_occurred_at >= as_of_at or
        {%- endif %}
        source_max_contacted_at >= as_of_at
        or source_max_responded_at >= as_of_at
        or as_of_at <> {{ moment }}
),

{%- if has_orders %}
{{ mart }}_recounted as (
    select
        examples.{{ scope }} as scope,
        examples.period_id,
        examples.customer_id,
        examples.orders_total,
        count(orders.order_id) as expected
    from {{ ref(mart) }} as examples
    left join {{ ref('stg_landing__orders') }} as orders
        on
            examples.customer_id = orders.customer_id
            and orders.status = 'completed'
            and orders.ordered_at < examples.{{ moment }}
    group by examples.{{ scope }}, examples.period_id, examples.customer_id, examples.orders_total
),

{{ mart }}_miscounted as (
    select
        '{{ mart }}' as mart,
        scope,
        period_id,
        customer_id,
        'orders_total counts orders at or after the as-of moment' as problem
    from {{ mart }}_recounted
    where orders_total <> expected
),
{%- endif %}
{% endfor %}

final as (
    {% for mart, moment, scope in marts %}
    select * from {{ mart }}_late
    {%- if has_orders %}
    union all
    select * from {{ mart }}_miscounted
    {%- endif %}
    {{ "union all" if not loop.last }}
    {% endfor %}
)

select * from final
{%- endmacro %}
