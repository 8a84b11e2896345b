{#- Reason code of the first failing check, or null when every check passes.
    `checks` is an ordered list of (condition that means "bad", reason_code) pairs: order is precedence,
    so each rejected row gets exactly one reason. -#}
{% macro first_failing_reason(checks) -%}
    case
    {%- for condition, reason_code in checks %}
        when {{ condition }} then '{{ reason_code }}'
    {%- endfor %}
    end
{%- endmacro %}
