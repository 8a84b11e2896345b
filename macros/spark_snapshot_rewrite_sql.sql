{#- The snapshot update of dbt-spark's MERGE (spark__snapshot_merge_sql) for a table format without MERGE:
    the rows of the updated snapshot are computed into a work table - stored rows, the open version closed
    where the staging rows say 'update' or 'delete', plus the staging rows to 'insert' - which then overwrites
    the snapshot (Spark cannot overwrite a table from a query reading it). Used by the Spark snapshot
    materialization (macros/snapshot_spark_materialization.sql). -#}
{% macro spark_snapshot_rewrite_sql(target, staging, insert_cols) -%}
    {%- set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}
    {%- set target_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | list %}
    {%- set work_relation = api.Relation.create(
        schema=target.schema, identifier=target.identifier ~ '__dbt_rewrite', type='table') %}
    {%- do adapter.drop_relation(work_relation) %}
    {%- set closing_valid_to = "case when changes." ~ columns.dbt_scd_id ~ " is not null then changes."
        ~ columns.dbt_valid_to ~ " else stored." ~ columns.dbt_valid_to ~ " end" %}
    {%- set is_open -%}
        {%- if config.get("dbt_valid_to_current") -%}
            (stored.{{ columns.dbt_valid_to }} = {{ config.get('dbt_valid_to_current') }} or stored.{{ columns.dbt_valid_to }} is null)
        {%- else -%}
            stored.{{ columns.dbt_valid_to }} is null
        {%- endif -%}
    {%- endset %}
    {%- call statement('build_snapshot_rewrite') %}
        create table {{ work_relation }} using {{ config.get('file_format') or 'parquet' }} as
        select
            {%- for name in target_columns %}
            {% if name == columns.dbt_valid_to %}{{ closing_valid_to }}{% else %}stored.`{{ name }}`{% endif %} as `{{ name }}`
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ target }} as stored
        left join (
            select * from {{ staging }} where dbt_change_type in ('update', 'delete')
        ) as changes
            on changes.{{ columns.dbt_scd_id }} = stored.{{ columns.dbt_scd_id }} and {{ is_open }}
        union all
        select
            {%- for name in target_columns %}
            inserts.`{{ name }}`{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ staging }} as inserts
        where inserts.dbt_change_type = 'insert'
    {%- endcall %}
    {%- set rewrite_sql -%}
        insert overwrite table {{ target }} select * from {{ work_relation }}
    {%- endset %}
    {{ return(rewrite_sql) }}
{%- endmacro %}
