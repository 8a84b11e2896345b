{#- ISO date text ('YYYY-MM-DD', trimmed) -> date, or null when missing, in another shape or not a real day
    ('1990-02-30'). The shape is checked first so every engine gives the same answer. -#}
{% macro parse_date(expression) -%}
    case
        when {{ matches_pattern('trim(' ~ expression ~ ')', '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }}
            then {{ try_cast_as('trim(' ~ expression ~ ')', 'date') }}
    end
{%- endmacro %}
