-- Every landed responses row, loaded once per landing file: a refresh reads only files it has not
-- loaded before, so loading the same files again changes nothing. `dbt build --full-refresh`
-- reloads everything.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns') }}

{{ load_new_landing_files('responses') }}
