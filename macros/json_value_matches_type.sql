{#- True when the text value of a JSON property can be read as the declared type of the event dictionary:
    string (any scalar text), number (decimal), integer (whole number), boolean (true/false).
    The rule reads the text, not the JSON token type, so it gives the same answer on every engine. -#}
{% macro json_value_matches_type(value_text, declared_type) -%}
    {%- if declared_type == 'number' -%}
        ({{ try_cast_as(value_text, 'double') }} is not null)
    {%- elif declared_type == 'integer' -%}
        ({{ matches_pattern(value_text, '^-?[0-9]+$') }})
    {%- elif declared_type == 'boolean' -%}
        (lower({{ value_text }}) in ('true', 'false'))
    {%- elif declared_type == 'string' -%}
        (not {{ matches_pattern(value_text, '^[{\\[]') }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("event_dictionary: unknown property type '" ~ declared_type ~ "' (use string, number, integer or boolean)") }}
    {%- endif -%}
{%- endmacro %}
