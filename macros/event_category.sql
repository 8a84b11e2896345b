{#- Category of a call: the dictionary category for track events, otherwise the call type
    (page_view, screen_view, identify, alias). -#}
{% macro event_category(event_type, event_name) -%}
    {%- set dictionary = load_event_dictionary() -%}
    case
        when {{ event_type }} = 'page' then 'page_view'
        when {{ event_type }} = 'screen' then 'screen_view'
        when {{ event_type }} in ('identify', 'alias') then {{ event_type }}
    {%- for entry in dictionary %}
        when {{ event_name }} = '{{ entry.event_name | replace("'", "''") }}' then '{{ entry.event_category }}'
    {%- endfor %}
    end
{%- endmacro %}
