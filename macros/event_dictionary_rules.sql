{#- The event dictionary seed with 'name:type;name:type' split into fixed slots
    required_property_<i>_name / required_property_<i>_type for i = 1..event_dictionary_property_slots().
    A SELECT body to use in a CTE; the seed's tests guarantee no event needs more slots. -#}
{% macro event_dictionary_rules(dictionary_relation) -%}
    select
        event_name as dictionary_event_name,
        event_category,
        {%- for slot in range(1, event_dictionary_property_slots() + 1) %}
        {%- set item = dbt.split_part("coalesce(required_properties, '')", "';'", slot) %}
        nullif(trim({{ dbt.split_part(item, "':'", 1) }}), '') as required_property_{{ slot }}_name,
        lower(nullif(trim({{ dbt.split_part(item, "':'", 2) }}), '')) as required_property_{{ slot }}_type
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ dictionary_relation }}
{%- endmacro %}
