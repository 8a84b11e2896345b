{#- UTC timestamp -> the hour of the day (0-23, bigint) it falls in, in var('reporting_time_zone'). -#}
{% macro to_reporting_hour(timestamp_utc) -%}
    {{ return(adapter.dispatch('to_reporting_hour')(timestamp_utc)) }}
{%- endmacro %}

{% macro duckdb__to_reporting_hour(timestamp_utc) -%}
    cast(extract(hour from timezone('{{ var("reporting_time_zone") }}', timezone('UTC', {{ timestamp_utc }}))) as bigint)
{%- endmacro %}

{% macro default__to_reporting_hour(timestamp_utc) -%}
    cast(hour(from_utc_timestamp({{ timestamp_utc }}, '{{ var("reporting_time_zone") }}')) as bigint)
{%- endmacro %}
