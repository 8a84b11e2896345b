{#- The materialization of a model that updates its table in place (merge, delete): 'incremental' where the
    table format can do that (DuckDB; Spark with a Delta, Iceberg or Hudi file_format), else 'table'. On a
    Spark warehouse of plain Parquet tables (SPARK_FILE_FORMAT=parquet, the local default) such a model is
    rebuilt from scratch on every run: the same rows as a first build, but history models restart. -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {%- set file_format = env_var('SPARK_FILE_FORMAT', 'parquet') | lower %}
    {{ return('incremental' if file_format in ['delta', 'iceberg', 'hudi'] else 'table') }}
{%- endmacro %}
