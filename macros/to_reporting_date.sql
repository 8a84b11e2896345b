{#- UTC timestamp -> the reporting day it falls on in var('reporting_time_zone'). -#}
{% macro to_reporting_date(timestamp_utc) -%}
    {{ return(adapter.dispatch('to_reporting_date')(timestamp_utc)) }}
{%- endmacro %}

{% macro duckdb__to_reporting_date(timestamp_utc) -%}
    cast(timezone('{{ var("reporting_time_zone") }}', timezone('UTC', {{ timestamp_utc }})) as date)
{%- endmacro %}

{% macro default__to_reporting_date(timestamp_utc) -%}
    cast(from_utc_timestamp({{ timestamp_utc }}, '{{ var("reporting_time_zone") }}') as date)
{%- endmacro %}
