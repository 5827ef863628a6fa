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

{#-
  A campaign's own attributes as model features: `attr_<name>` of landing.campaigns becomes
  `campaign_attr_<name>` (lower case) in the marts keyed by campaign, so it cannot collide with
  a customer's attr_<name>. Campaign context (season, offer, cost, market indicators) is known
  before the campaign is sent, so the upcoming campaign's row supplies it at scoring; training
  rows carry their own campaign's values.
-#}

{#- The attr_* column names of landing.campaigns (a unit test overrides this macro). -#}
{% macro campaign_attributes() -%}
    {{ return(attr_columns(source('landing', 'campaigns')) | map(attribute='name') | list) }}
{%- endmacro %}

{% macro campaign_attr_name(column_name) -%}
    campaign_{{ column_name | lower }}
{%- endmacro %}

{#- ", <alias>.attr_a as campaign_attr_a, ...": read from a staged-campaigns relation. -#}
{% macro campaign_attr_select(table_alias) -%}
    {%- for name in campaign_attributes() %}, {{ table_alias }}.{{ name }} as {{ campaign_attr_name(name) }}{% endfor -%}
{%- endmacro %}

{#- ", [<alias>.]campaign_attr_a, ...": the same features further down, by their feature names. -#}
{% macro campaign_attr_features(table_alias=none) -%}
    {%- set prefix = table_alias ~ '.' if table_alias else '' -%}
    {%- for name in campaign_attributes() %}, {{ prefix }}{{ campaign_attr_name(name) }}{% endfor -%}
{%- endmacro %}
