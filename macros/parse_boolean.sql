{#- Flag text -> boolean: true/1/yes and false/0/no (any case, trimmed); null when missing or anything else,
    so "present but not a boolean" is `text is not null and parse_boolean(text) is null`. -#}
{% macro parse_boolean(expression) -%}
    case
        when lower(trim({{ expression }})) in ('true', '1', 'yes') then true
        when lower(trim({{ expression }})) in ('false', '0', 'no') then false
    end
{%- endmacro %}
