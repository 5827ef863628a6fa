{#-
  Salted one-way hash for ids and PII: SHA-256 of salt || value, as 64 lower-case hex digits,
  on every engine. Python computes customer keys the same way (bullseye.core.hashing
  pseudonymise, used for suppression lists), so the two must never differ: an engine without
  a sha256_hex below fails to compile instead of falling back to another hash. The salt comes
  from the pii_salt var (BULLSEYE_PII_SALT).
-#}
{% macro pseudonymize(expression) -%}
    case when {{ expression }} is null then null
    else {{ sha256_hex(dbt.concat([sql_string(var('pii_salt')), expression])) }} end
{%- endmacro %}

{#- SHA-256 of a text expression (its UTF-8 bytes) as lower-case hex. One per adapter. -#}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'bullseye')(expression)) }}
{%- endmacro %}

{% macro default__sha256_hex(expression) -%}
    {{ exceptions.raise_compiler_error(
        "pseudonymize: no SHA-256 for adapter '" ~ adapter.type() ~ "'. Add a macro "
        ~ adapter.type() ~ "__sha256_hex(expression) to dbt_project/macros/pseudonymize.sql "
        ~ "returning the lower-case hex SHA-256 of the expression's UTF-8 bytes; customer keys "
        ~ "must match Python's sha256 (bullseye.core.hashing), so no other hash is used."
    ) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro databricks__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro postgres__sha256_hex(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro redshift__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro snowflake__sha256_hex(expression) -%}
    lower(sha2({{ expression }}, 256))
{%- endmacro %}

{% macro bigquery__sha256_hex(expression) -%}
    to_hex(sha256({{ expression }}))
{%- endmacro %}

{#-
  A value (such as the salt) as a SQL string literal, escaped so that no value can end the
  literal early: single quotes doubled; where the engine also reads backslash escapes in
  literals, backslashes escaped too.
-#}
{% macro sql_string(value) -%}
    {{ return(adapter.dispatch('sql_string', 'bullseye')(value | string)) }}
{%- endmacro %}

{% macro default__sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro snowflake__sql_string(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "''") }}'
{%- endmacro %}

{% macro redshift__sql_string(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "''") }}'
{%- endmacro %}

{% macro bigquery__sql_string(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro spark__sql_string(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro databricks__sql_string(value) -%}
    {{ return(spark__sql_string(value)) }}
{%- endmacro %}
