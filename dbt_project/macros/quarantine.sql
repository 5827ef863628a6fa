{#- Rows of a checked model that broke a rule, with the reason. One model per landing table. -#}
{% macro quarantine_rows(checked_model) -%}
with checked as (
    select * from {{ ref(checked_model) }}
),

final as (
    select * from checked where reject_reason is not null
)

select * from final
{%- endmacro %}
