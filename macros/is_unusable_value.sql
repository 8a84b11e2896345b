{#- True when a personal value was sent (non-blank) but its normalization rejected it: the row stays clean,
    the value is flagged (has_invalid_phone, has_invalid_email) instead of silently becoming null. -#}
{% macro is_unusable_value(raw_expression, normalized_expression) -%}
    coalesce(trim({{ raw_expression }}) <> '' and {{ normalized_expression }} is null, false)
{%- endmacro %}
