{#- The timestamp (UTC, without time zone) that is `microseconds_expression` microseconds after 1970-01-01
    00:00:00; the inverse of to_epoch_microseconds. -#}
{% macro timestamp_from_epoch_microseconds(microseconds_expression) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_microseconds')(microseconds_expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_microseconds(microseconds_expression) -%}
    timestamp_micros({{ microseconds_expression }})
{%- endmacro %}

{% macro duckdb__timestamp_from_epoch_microseconds(microseconds_expression) -%}
    make_timestamp({{ microseconds_expression }})
{%- endmacro %}
