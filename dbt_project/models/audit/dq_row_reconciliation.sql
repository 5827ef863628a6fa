-- Every landing row accounted for: rows_in = rows_staged + rows_quarantined + exact_duplicates
-- + rows superseded by a newer version of the same key from a later landing file.
-- One row per table and outcome (staged, exact_duplicate, or the quarantine reason).
{%- set tables = ['customers', 'consents', 'orders', 'events', 'campaigns', 'contacts', 'responses', 'products', 'order_items'] %}

with

{% for t in tables %}
    {{ t }}_in as (
        select count(*) as row_count from {{ landed(t) }}
    ),

    {{ t }}_outcomes as (
        select
            coalesce(reject_reason, 'staged') as outcome,
            count(*) as row_count
        from {{ ref('int_' ~ t ~ '_checked') }}
        group by 1
    ),
{% endfor %}

unioned as (
    {% for t in tables %}
        select
            '{{ t }}' as table_name,
            outcomes.outcome,
            outcomes.row_count,
            landed.row_count as rows_in
        from {{ t }}_outcomes as outcomes
        cross join {{ t }}_in as landed
        union all
        select
            '{{ t }}' as table_name,
            'exact_duplicate' as outcome,
            landed.row_count - (select coalesce(sum(row_count), 0) from {{ t }}_outcomes) as row_count,
            landed.row_count as rows_in
        from {{ t }}_in as landed
                {{ "union all" if not loop.last }}
    {% endfor %}
),

final as (
    select
        table_name,
        outcome,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        cast(rows_in as {{ dbt.type_bigint() }}) as rows_in,
        case
            when outcome = 'staged' then 'staged'
            when outcome = 'exact_duplicate' then 'exact_duplicate'
            when outcome = 'superseded' then 'superseded'
            else 'quarantined'
        end as outcome_group
    from unioned
)

select * from final
