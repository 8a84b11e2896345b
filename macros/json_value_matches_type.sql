{#- True when a property of a JSON object has the JSON type the event dictionary declares, as a JSON
    Schema validator reads it: 'string' (a JSON string - 12345 or true are not strings), 'number' (any JSON
    number), 'integer' (a JSON number without fraction; 2.0 counts), 'boolean' (true/false). A number sent
    as text ("12.5") does not match 'number'. An unknown declared type never matches (the seed's own test
    rejects it). Both arguments after the object are SQL expressions. -#}
{% macro json_value_matches_type(expression, key_expression, declared_type) -%}
    {%- set value_type = json_value_type_at(expression, key_expression) -%}
    case {{ declared_type }}
        when 'string' then {{ value_type }} = 'string'
        when 'number' then {{ value_type }} in ('integer', 'number')
        when 'integer' then {{ value_type }} = 'integer'
            or ({{ value_type }} = 'number'
                and {{ try_cast_as(json_text_at(expression, key_expression), 'double') }}
                = floor({{ try_cast_as(json_text_at(expression, key_expression), 'double') }}))
        when 'boolean' then {{ value_type }} = 'boolean'
        else false
    end
{%- endmacro %}
