-- Every landed order_items row, loaded once per landing file (see base_landing__orders).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns') }}

{{ load_new_landing_files('order_items') }}
