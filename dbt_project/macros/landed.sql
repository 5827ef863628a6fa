{#-
  Where a landing table's rows are read from: the incremental base model for the large,
  append-only tables (orders, order_items, events, contacts, responses: each landing file is loaded once),
  the landing source itself for the small ones (customers, consents, campaigns).
-#}
{% macro landed(table) -%}
    {%- if table in ['orders', 'events', 'contacts', 'responses', 'order_items'] -%}
        {{ return(ref('base_landing__' ~ table)) }}
    {%- else -%}
        {{ return(source('landing', table)) }}
    {%- endif -%}
{%- endmacro %}

{#-
  The landed columns of a relation without the load metadata (_landing_file, _loaded_at), for
  telling exact duplicates apart whichever file they came in.
-#}
{% macro data_columns(relation) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name not in ['_landing_file', '_loaded_at'] -%}
            {%- do names.append(adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names | join(', ')) }}
{%- endmacro %}

{#-
  The rows of landing files this incremental model has not loaded yet (all of them on a first
  or --full-refresh build), stamped with the load time.
-#}
{% macro load_new_landing_files(table) -%}
with

source as (
    select * from {{ source('landing', table) }}
),

final as (
    select
        source.*,
        {{ dbt.current_timestamp() }} as _loaded_at
    from source
    {% if is_incremental() %}
    where _landing_file not in (select distinct _landing_file from {{ this }})
    {% endif %}
)

select * from final
{%- endmacro %}

{#-
  Whether the landing holds any row of `table`. An optional table missing from the landing
  folder is registered as an empty relation with the contract's columns
  (bullseye/core/warehouse.py), so dbt knows when it compiles a model that, say, the landing
  has no orders: the marts then leave that table's features out instead of carrying columns
  that are zero or null for everyone. True while dbt parses, so every ref stays in the graph;
  unit tests override it (their expectations must not depend on the landing the build reads).
  The relation is found through the source's definition, not source(), which would make every
  caller depend on every optional landing table.
-#}
{% macro landing_has(table) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.landing.' ~ table] -%}
    {%- set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.identifier) -%}
    {%- if relation is none -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query('select 1 as found from ' ~ relation ~ ' limit 1') -%}
    {{ return(found.rows | length > 0) }}
{%- endmacro %}

{#-
  A table Bullseye writes from Python into `schema` (such as publish.customer_value), or none
  while it does not exist yet (a first build) or while dbt parses.
-#}
{% macro python_table(schema, identifier) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {{ return(adapter.get_relation(database=target.database, schema=schema, identifier=identifier)) }}
{%- endmacro %}
