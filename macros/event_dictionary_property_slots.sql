{#- How many required properties one event of the event dictionary may declare. -#}
{% macro event_dictionary_property_slots() -%}
    {{ return(8) }}
{%- endmacro %}
