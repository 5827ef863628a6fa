-- One row per landing table: where its rows went, how complete its keys are, how fresh it is.
-- The quality gate (bullseye/quality.py) reads this before training or publishing.
{%- set tables = {
    'customers': {'keys': ['customer_id'], 'time': 'signup_at'},
    'consents': {'keys': ['customer_id', 'channel'], 'time': 'updated_at'},
    'orders': {'keys': ['order_id', 'customer_id'], 'time': 'ordered_at'},
    'events': {'keys': ['event_id', 'customer_id'], 'time': 'occurred_at'},
    'campaigns': {'keys': ['campaign_id'], 'time': none},
    'contacts': {'keys': ['campaign_id', 'customer_id'], 'time': 'contacted_at'},
    'responses': {'keys': ['campaign_id', 'customer_id'], 'time': 'responded_at'},
    'products': {'keys': ['product_id'], 'time': none},
    'order_items': {'keys': ['order_id', 'product_id'], 'time': none},
} %}

with

outcomes as (
    select * from {{ ref('dq_row_reconciliation') }}
),

{% for t, spec in tables.items() %}
{{ t }}_profile as (
    select
        '{{ t }}' as table_name,
        {% if spec['keys'] | length > 0 -%}
        {#- greatest() of one argument is an error on Spark -#}
        {%- if spec['keys'] | length > 1 %}greatest({% endif %}
            {%- for k in spec['keys'] %}
            avg(case when {{ k }} is null then 1 else 0 end){{ "," if not loop.last }}
            {%- endfor %}
        {% if spec['keys'] | length > 1 %}){% endif %} as key_null_rate,
        {%- endif %}
        {% if spec['time'] -%}
        (select max({{ spec['time'] }}) from {{ ref('stg_landing__' ~ t) }}) as newest_at
        {%- else -%}
        cast(null as {{ dbt.type_timestamp() }}) as newest_at
        {%- endif %}
    from {{ landed(t) }}
),
{% endfor %}

profiles as (
    {% for t in tables %}
    select * from {{ t }}_profile
    {{ "union all" if not loop.last }}
    {% endfor %}
),

counts as (
    select
        table_name,
        max(rows_in) as rows_in,
        {%- for name, group in [('rows_staged', 'staged'), ('rows_quarantined', 'quarantined'), ('exact_duplicates', 'exact_duplicate'), ('rows_superseded', 'superseded')] %}
        cast(sum(case when outcome_group = '{{ group }}' then row_count else 0 end) as {{ dbt.type_bigint() }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from outcomes
    group by table_name
),

reasons as (
    select
        table_name,
        {{ dbt.listagg(dbt.concat(['outcome', "': '", dbt.safe_cast('row_count', api.Column.translate_type('string'))]), "'; '", 'order by outcome') }} as quarantine_reasons
    from outcomes
    where outcome_group = 'quarantined' and row_count > 0
    group by table_name
),

final as (
    select
        counts.table_name,
        counts.rows_in,
        counts.rows_staged,
        counts.rows_quarantined,
        counts.exact_duplicates,
        counts.rows_superseded,
        coalesce({{ ratio('counts.rows_quarantined', 'counts.rows_in') }}, 0)
            as quarantined_share,
        reasons.quarantine_reasons,
        coalesce(profiles.key_null_rate, 0) as key_null_rate,
        profiles.newest_at,
        {{ days_between('profiles.newest_at', as_of()) }} as data_age_days
    from counts
    left join reasons on counts.table_name = reasons.table_name
    left join profiles on counts.table_name = profiles.table_name
)

select * from final
