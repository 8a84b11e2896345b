{#- Text -> bigint, or null when the trimmed text is not a whole number (^-?[0-9]+$) or does not fit. -#}
{% macro parse_integer(expression) -%}
    case
        when {{ matches_pattern('trim(' ~ expression ~ ')', '^-?[0-9]+$') }}
            then {{ try_cast_as('trim(' ~ expression ~ ')', 'bigint') }}
    end
{%- endmacro %}
