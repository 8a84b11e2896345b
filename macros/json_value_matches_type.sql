{#- True when a JSON property's text can be read as a declared type of the event dictionary:
    'string' (any scalar), 'number' (decimal), 'integer' (whole number), 'boolean' (true/false).
    `declared_type` is a SQL expression (the dictionary column). The rule reads the text, not the JSON
    token type, so every engine gives the same answer; an unknown type never matches (and the seed's own
    tests reject it). -#}
{% macro json_value_matches_type(value_text, declared_type) -%}
    case {{ declared_type }}
        when 'string' then not {{ matches_pattern(value_text, '^[{\\[]') }}
        when 'number' then {{ parse_number(value_text) }} is not null
        when 'integer' then {{ matches_pattern(value_text, '^-?[0-9]+$') }}
        when 'boolean' then lower({{ value_text }}) in ('true', 'false')
        else false
    end
{%- endmacro %}
