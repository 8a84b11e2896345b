{#- The hint between `<name> as` and `(` that makes the engine compute a CTE once even when it is read
    several times: `materialized ` on DuckDB, nothing elsewhere (Spark reuses the shared plan itself).
    Use it as `<name> as {{ materialized_cte() }}(`. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized{{ ' ' }}
{%- endmacro %}
