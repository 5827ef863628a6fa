{#-
  One way to pick the current version of a key in the append-only landing tables (orders,
  events, contacts, responses), whose rows come from landing files loaded at different times
  (_loaded_at):

  - collapse_exact_duplicates: identical rows of `relation`, read from the CTE `cte`
    (whichever files carried them), become one, remembering the newest load that carried it;
  - rank_key_versions: per key, the newest load first (then `order_by`, the table's own
    rule, then the `tie_break` columns: two versions of a key in one load otherwise tie, and
    each engine, or each run, would pick its own), with the newest load of the key beside
    every row;
  - key_version_reject_reasons: the rows that lose, as the last rules of a checked model's
    reject_reason case: 'superseded' when a later landing file carried a newer version of the
    key, 'duplicate_key' when the same load carried several versions.
-#}
{% macro collapse_exact_duplicates(relation, cte='source') -%}
    select
        {{ data_columns(relation) }},
        max(_loaded_at) as _loaded_at
    from {{ cte }}
    group by {{ data_columns(relation) }}
{%- endmacro %}

{% macro rank_key_versions(key_columns, order_by, tie_break, alias='typed') -%}
    {%- set partition = alias ~ '.' ~ (key_columns | join(', ' ~ alias ~ '.')) -%}
    max({{ alias }}._loaded_at) over (partition by {{ partition }}) as key_loaded_at,
        row_number() over (partition by {{ partition }} order by {{ alias }}._loaded_at desc, {{ order_by }}
            {%- for column in tie_break %}, {{ alias }}.{{ column }} nulls last{% endfor %}) as key_rank
{%- endmacro %}

{% macro key_version_reject_reasons() -%}
    when key_rank > 1 and _loaded_at < key_loaded_at then 'superseded'
            when key_rank > 1 then 'duplicate_key'
{%- endmacro %}
