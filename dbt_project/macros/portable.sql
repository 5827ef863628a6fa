{#-
  Arithmetic whose result type differs by engine unless said. The marts' numeric columns must
  come out the same on every engine (the Spark build is checked value for value against
  DuckDB's): `1.0 * a / b` is a double on DuckDB but a decimal(38,16) on Spark, and a day
  difference a bigint on DuckDB but an int on Spark.
-#}

{#- numerator / denominator as a double (null when the denominator is 0 or null). -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ api.Column.translate_type('double') }}) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#- Whole calendar days from start to end, as a bigint. -#}
{% macro days_between(start, end) -%}
    cast({{ dbt.datediff(start, end, 'day') }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#-
  dbt-spark's listagg ignores the order (with a warning), so the same rows give the text in
  another order than on DuckDB; Spark 4 orders it itself. Found through the dispatch search
  order in dbt_project.yml.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg: limit_num is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
