{#- Text -> double, or null when the trimmed text is not a plain decimal number ('12', '-5', '12.50', '1e3').
    Stricter than a bare cast: 'NaN', 'Infinity', '1,234' and full-width digits are not numbers. -#}
{% macro parse_number(expression) -%}
    case
        when {{ matches_pattern('trim(' ~ expression ~ ')', '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$') }}
            then {{ try_cast_as('trim(' ~ expression ~ ')', 'double') }}
    end
{%- endmacro %}
