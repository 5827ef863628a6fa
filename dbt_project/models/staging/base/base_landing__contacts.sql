-- Every landed contacts row, loaded once per landing file: a refresh reads only files it has not
-- loaded before, so loading the same files again changes nothing. `dbt build --full-refresh`
-- reloads everything.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns') }}

with

source as (
    select * from {{ source('landing', 'contacts') }}
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
