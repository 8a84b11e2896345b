{#- For a track call joined to event_dictionary_rules(): 'unplanned_event' when no dictionary row matched,
    'missing_required' when a required property is absent or null, 'type_mismatch' when one cannot be read
    as its declared type, else null. With part set to detail it gives the human-readable detail instead of the code. -#}
{% macro event_dictionary_violation(properties, part='code') -%}
    case
        when dictionary_event_name is null
            then {{ "'unplanned_event'" if part == 'code' else "'event name not in the event dictionary'" }}
    {%- for slot in range(1, event_dictionary_property_slots() + 1) %}
        {%- set property_name = 'required_property_' ~ slot ~ '_name' %}
        when {{ property_name }} is not null and {{ json_text_at(properties, property_name) }} is null
            then {{ "'missing_required'" if part == 'code' else "'missing property ' || " ~ property_name }}
    {%- endfor %}
    {%- for slot in range(1, event_dictionary_property_slots() + 1) %}
        {%- set property_name = 'required_property_' ~ slot ~ '_name' %}
        {%- set declared_type = 'required_property_' ~ slot ~ '_type' %}
        when {{ property_name }} is not null
            and not {{ json_value_matches_type(properties, property_name, declared_type) }}
            then {{ "'type_mismatch'" if part == 'code' else "'property ' || " ~ property_name ~ " || ' is not ' || " ~ declared_type }}
    {%- endfor %}
    end
{%- endmacro %}
