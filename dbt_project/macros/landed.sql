{#-
  Where a landing table's rows are read from: the incremental base model for the large,
  append-only tables (orders, events, contacts, responses: each landing file is loaded once),
  the landing source itself for the small ones (customers, consents, campaigns).
-#}
{% macro landed(table) -%}
    {%- if table in ['orders', 'events', 'contacts', 'responses'] -%}
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
