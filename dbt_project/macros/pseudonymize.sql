{#-
  Salted one-way hash for ids and PII. SHA-256 where the engine has it, dbt's portable
  hash (md5) elsewhere; the salt comes from the pii_salt var (BULLSEYE_PII_SALT).
-#}
{% macro pseudonymize(expression) -%}
    {{ return(adapter.dispatch('pseudonymize', 'bullseye')(expression)) }}
{%- endmacro %}

{% macro default__pseudonymize(expression) -%}
    case when {{ expression }} is null then null
    else {{ dbt.hash(dbt.concat(["'" ~ var('pii_salt') ~ "'", expression])) }} end
{%- endmacro %}

{% macro duckdb__pseudonymize(expression) -%}
    case when {{ expression }} is null then null
    else sha256({{ dbt.concat(["'" ~ var('pii_salt') ~ "'", expression]) }}) end
{%- endmacro %}
