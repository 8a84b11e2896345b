{#- The domain of a normalized email ('qq.com'): not personal on its own, kept beside the hash so identity
    rules can block test and throwaway domains without the address. -#}
{% macro email_domain(normalized_email_expression) -%}
    case
        when {{ normalized_email_expression }} is not null
            then {{ dbt.split_part(normalized_email_expression, "'@'", 2) }}
    end
{%- endmacro %}
