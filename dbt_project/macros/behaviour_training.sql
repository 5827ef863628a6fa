{#-
  Training examples for the declared behavioural targets of one kind (var behaviour_targets):
  one row per target, snapshot and customer, features as of the snapshot, label from the
  horizon_days after it. The latest snapshot is horizon_days before the run's as-of moment, so
  every label is complete.

  kind 'purchase_within': every customer signed up before the snapshot; label = a completed
  order in [snapshot, snapshot + horizon).
  kind 'churn': customers with a completed order in the 365 days before the snapshot;
  label = no completed order in [snapshot, snapshot + horizon).
  A landing without orders has no label for either kind: no examples (training says so).
-#}
{% macro behaviour_training(kind) -%}
{%- set targets = var('behaviour_targets') | selectattr('kind', 'equalto', kind) | list
    if landing_has('orders') else [] -%}
with

customers as (
    select customer_id, signup_at from {{ ref('stg_landing__customers') }}
),

completed_orders as (
    select customer_id, ordered_at
    from {{ ref('stg_landing__orders') }}
    where status = 'completed'
),

snapshots as (
    {%- for t in targets %}
    {%- set outer_loop = loop %}
    {%- for k in range(t['snapshots']) %}
    select
        '{{ t["name"] }}' as target_name,
        {{ t['horizon_days'] }} as horizon_days,
        {{ dbt.dateadd('day', -(t['horizon_days'] + k * t['every_days']), as_of()) }} as snapshot_at
    {{ "union all" if not (loop.last and outer_loop.last) }}
    {%- endfor %}
    {%- endfor %}
    {%- if not targets %}
    select
        cast(null as {{ dbt.type_string() }}) as target_name,
        0 as horizon_days,
        {{ as_of() }} as snapshot_at
    where 1 = 0
    {%- endif %}
),

population as (
    select
        snapshots.target_name,
        snapshots.horizon_days,
        snapshots.snapshot_at,
        customers.customer_id
    from snapshots
    inner join customers on customers.signup_at < snapshots.snapshot_at
    {%- if kind == 'churn' %}
    where exists (
        select 1 from completed_orders
        where completed_orders.customer_id = customers.customer_id
            and completed_orders.ordered_at < snapshots.snapshot_at
            and completed_orders.ordered_at >= {{ dbt.dateadd('day', -365, 'snapshots.snapshot_at') }}
    )
    {%- endif %}
),

labelled as (
    select
        population.*,
        case when exists (
            select 1 from completed_orders
            where completed_orders.customer_id = population.customer_id
                and completed_orders.ordered_at >= population.snapshot_at
                and completed_orders.ordered_at < {{ dbt.dateadd('day', 'population.horizon_days', 'population.snapshot_at') }}
        ) then {{ 0 if kind == 'churn' else 1 }} else {{ 1 if kind == 'churn' else 0 }} end as label
    from population
),

spine as (
    select target_name, snapshot_at, customer_id, snapshot_at as as_of_at
    from labelled
),

features as (
    {{ point_in_time_features('spine', ['target_name', 'snapshot_at', 'customer_id']) }}
),

final as (
    select
        features.*,
        {{ dbt.safe_cast('features.snapshot_at', api.Column.translate_type('string')) }} as period_id,
        features.snapshot_at as period_at,
        labelled.label
    from features
    inner join labelled
        on features.target_name = labelled.target_name
        and features.snapshot_at = labelled.snapshot_at
        and features.customer_id = labelled.customer_id
)

select * from final
{%- endmacro %}
