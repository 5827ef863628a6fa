{#-
  The user's own `attr_<name>` columns of a relation (DESIGN.md section 2): they flow through
  staging into features untouched, so a team's attributes become model inputs without code.
  Returns dbt Column objects (name and data type); empty while dbt parses.
-#}
{% macro attr_columns(relation) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set found = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name.lower().startswith('attr_') -%}{%- do found.append(column) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- ", attr_a, attr_b" (with a table alias prefix when given), or nothing. -#}
{% macro attr_list(relation, prefix='') -%}
    {%- for column in attr_columns(relation) %}, {{ prefix }}{{ column.name }}{% endfor -%}
{%- endmacro %}

{#- ", cast(null as <type>) as attr_a, ..." for rows that have no such attributes. -#}
{% macro attr_nulls(relation) -%}
    {%- for column in attr_columns(relation) %}, cast(null as {{ column.data_type }}) as {{ column.name }}{% endfor -%}
{%- endmacro %}
