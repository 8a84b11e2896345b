{#- Trimmed text, with empty strings and the usual placeholders for "nothing" ('null', 'none', 'undefined',
    'nan', 'n/a') read as null. Used for identifiers and codes, never for free text. -#}
{% macro clean_text(expression) -%}
    case
        when lower(trim({{ expression }})) in ('', 'null', 'none', 'undefined', 'nan', 'n/a') then null
        else trim({{ expression }})
    end
{%- endmacro %}
