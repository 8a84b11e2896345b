{#- Email text -> trimmed lower-case address, or null when missing or not shaped like local@domain.tld. -#}
{% macro normalize_email(expression) -%}
    case
        when {{ matches_pattern('lower(trim(' ~ expression ~ '))', '^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$') }}
            then lower(trim({{ expression }}))
    end
{%- endmacro %}
