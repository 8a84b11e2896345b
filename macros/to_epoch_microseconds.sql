{#- Microseconds since 1970-01-01 00:00:00 UTC of a timestamp, as a bigint (exact, unlike seconds as a double
    at scale). The inverse is timestamp_from_epoch_microseconds. -#}
{% macro to_epoch_microseconds(timestamp_expression) -%}
    {{ return(adapter.dispatch('to_epoch_microseconds')(timestamp_expression)) }}
{%- endmacro %}

{% macro default__to_epoch_microseconds(timestamp_expression) -%}
    unix_micros({{ timestamp_expression }})
{%- endmacro %}

{% macro duckdb__to_epoch_microseconds(timestamp_expression) -%}
    epoch_us({{ timestamp_expression }})
{%- endmacro %}
