{#- Seeds on Spark. dbt-spark's session method formats the seed rows into the INSERT without quoting them
    (`sql % parameters`), so a text with a quote (an apostrophe in a description) breaks the statement.
    On the local `spark` output of profiles.yml (method: session: Spark runs here and sees the project's
    files; dbt's `target` does not expose the method) the seed file is read by Spark's CSV reader (the same
    values as DuckDB's reader); other outputs (a Thrift server, Databricks: the file is not on the cluster)
    get every value as an escaped literal. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) %}
    {%- if target.name == 'spark' %}
        {#- Spark in this process sees the project's files: read the seed with Spark's CSV reader, which (like
            DuckDB's) keeps a text 'null' as text where agate reads it as a missing value. -#}
        {%- set csv_view = this.identifier ~ '__seed_csv' %}
        {%- call statement('seed_csv_view') %}
            create or replace temporary view {{ csv_view }}
            using csv options (path '{{ model.root_path }}/{{ model.original_file_path }}', header 'true',
                multiLine 'true', escape '"')
        {%- endcall %}
        {%- set sql %}
            insert into {{ this.render() }}
            select
                {%- for col_name in agate_table.column_names %}
                cast(`{{ col_name }}` as {{ column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) }})
                {%- if not loop.last %},{% endif %}
                {%- endfor %}
            from {{ csv_view }}
        {%- endset %}
        {%- do adapter.add_query(sql, abridge_sql_log=True) %}
        {{ return(sql) }}
    {%- endif %}
    {%- set statements = [] %}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) %}
        {%- set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- elif value is number and value is not boolean -%}
                        cast({{ value }} as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset %}
        {%- do adapter.add_query(sql, abridge_sql_log=True) %}
        {%- if loop.index0 == 0 %}
            {%- do statements.append(sql) %}
        {%- endif %}
    {%- endfor %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
