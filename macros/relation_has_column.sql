{#- True when the table `relation` has a column named `column_name` (any case): an incremental model asks it
    of its stored table, which an earlier version of the model may have written without a bookkeeping
    column it now reads. Inside a dbt unit test (`this` is the given rows) and at parse time: true. -#}
{% macro relation_has_column(relation, column_name) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set column_names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {{ return(column_name | lower in column_names) }}
{%- endmacro %}
