{#- The run's point-in-time moment as a timestamp literal. -#}
{% macro as_of() -%}
    {{ dbt.safe_cast("'" ~ var('as_of') ~ "'", api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{#- Cast a landing column, giving null (never an error) where the value does not parse. -#}
{% macro try_cast(column, type_name) -%}
    {{ dbt.safe_cast(column, api.Column.translate_type(type_name)) }}
{%- endmacro %}

{#-
  A landing number as a finite double; null (so staging quarantines the row as invalid_<column>)
  where it does not parse or is NaN or +/-infinity, which no amount, cost or revenue can be and
  which would otherwise reach the models. Portable: NaN compares greater than every number on
  DuckDB, PostgreSQL and Spark, so one bound excludes NaN and both infinities.
-#}
{% macro try_cast_number(column) -%}
    case
        when abs({{ try_cast(column, 'double') }}) <= 1.7976931348623157e308
            then {{ try_cast(column, 'double') }}
    end
{%- endmacro %}

{#- Trimmed text, empty strings as null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ dbt.safe_cast(column, api.Column.translate_type('string')) }}), '')
{%- endmacro %}

{#- Trimmed, lower-cased code value (channel, status, event type). -#}
{% macro clean_code(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}

{#- SQL list literal of a var's values: ('a', 'b'). -#}
{% macro in_list(var_name) -%}
    ({%- for v in var(var_name) %}'{{ v }}'{{ ", " if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- Phone number with common separators removed, so one number hashes one way. -#}
{% macro normalize_phone(expression) -%}
    {%- set ns = namespace(sql=expression) -%}
    {%- for ch in [' ', '-', '(', ')', '.'] -%}
        {%- set ns.sql = dbt.replace(ns.sql, "'" ~ ch ~ "'", "''") -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}

{#-
  A landing timestamp as a UTC timestamp without time zone; null when it does not parse.
  Values with an offset (text '…+02:00' or a time-zone-aware Parquet column) are converted to
  UTC, values without one are taken as UTC (the session time zone is UTC in the profile).
-#}
{% macro try_cast_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('try_cast_utc_timestamp', 'bullseye')(column)) }}
{%- endmacro %}

{% macro default__try_cast_utc_timestamp(column) -%}
    {{ dbt.safe_cast(dbt.safe_cast(column, 'timestamp with time zone'), api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{#-
  Spark: a text or timestamp value read in the session time zone (UTC in the profile), an
  offset in the text converted to it; try_cast gives null for a value that does not parse.
-#}
{% macro spark__try_cast_utc_timestamp(column) -%}
    try_cast({{ column }} as timestamp)
{%- endmacro %}

{#-
  dbt-duckdb does not override dbt's safe_cast, whose default is a plain cast that fails the
  whole model on one bad value; DuckDB's try_cast gives null instead, which staging
  quarantines. Found by the dispatch search order in dbt_project.yml.
-#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- Nor does dbt-spark; Spark's try_cast likewise gives null. -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#-
  Whether a timestamp is before 1900: no customer, order, event, consent or contact is that old,
  so such a value is a placeholder (0001-01-01, 1800-01-01) or a parsing slip. Staging
  quarantines the row as implausible_timestamp rather than let it stretch recency and tenure.
-#}
{% macro is_implausibly_old(column) -%}
    {{ column }} < {{ dbt.safe_cast("'1900-01-01 00:00:00'", api.Column.translate_type('timestamp')) }}
{%- endmacro %}
