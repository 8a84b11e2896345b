{#- ISO-8601 text -> UTC timestamp (without time zone). Text with an offset (Z, +08:00, +0800, +08) is
    converted from that offset; text without one is read in var('source_time_zone'). Unparseable -> null. -#}
{% macro parse_timestamp_utc(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc')(expression)) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp_utc(expression) -%}
    case
        when {{ matches_pattern('trim(' ~ expression ~ ')', '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?[ ]?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$') }}
            then timezone('UTC', try_cast(trim({{ expression }}) as timestamptz))
        else timezone('UTC', timezone('{{ var("source_time_zone") }}', try_cast(trim({{ expression }}) as timestamp)))
    end
{%- endmacro %}

{% macro default__parse_timestamp_utc(expression) -%}
    case
        when {{ matches_pattern('trim(' ~ expression ~ ')', '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?[ ]?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$') }}
            then to_utc_timestamp(try_cast(trim({{ expression }}) as timestamp), 'UTC')
        else to_utc_timestamp(try_cast(trim({{ expression }}) as timestamp_ntz), '{{ var("source_time_zone") }}')
    end
{%- endmacro %}
