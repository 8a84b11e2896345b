{#- For a track event: 'unplanned_event' when its name is not in the event dictionary, 'missing_required'
    when a required property is absent or null, 'type_mismatch' when one has the wrong type, else null.
    With part='detail' it returns the human-readable detail instead of the code.
    Checks are generated from the seed at run time: one CASE branch per dictionary event, no join. -#}
{% macro event_dictionary_violation(event_name, properties, part='code') -%}
    {%- set dictionary = load_event_dictionary() -%}
    case
    {%- for entry in dictionary %}
        when {{ event_name }} = '{{ entry.event_name | replace("'", "''") }}' then
        {%- if entry.required_properties | length == 0 %} null
        {%- else %}
            case
            {%- for name, declared_type in entry.required_properties %}
                when {{ json_text(properties, name) }} is null
                    then {% if part == 'code' %}'missing_required'{% else %}'missing property {{ name }}'{% endif %}
            {%- endfor %}
            {%- for name, declared_type in entry.required_properties %}
                when not {{ json_value_matches_type(json_text(properties, name), declared_type) }}
                    then {% if part == 'code' %}'type_mismatch'{% else %}'property {{ name }} is not {{ declared_type }}'{% endif %}
            {%- endfor %}
            end
        {%- endif %}
    {%- endfor %}
        else {% if part == 'code' %}'unplanned_event'{% else %}'event name not in the event dictionary'{% endif %}
    end
{%- endmacro %}
