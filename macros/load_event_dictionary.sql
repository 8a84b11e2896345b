{#- The event dictionary seed as a list of dicts: event_name, event_category, and required_properties
    parsed from 'name:type;name:type' into a list of (name, type). Read at run time so the generated
    checks follow the seed; returns [] while parsing or when the seed is not built yet (lint). -#}
{% macro load_event_dictionary() -%}
    {%- set entries = [] -%}
    {%- if execute -%}
        {%- set seed = ref('event_dictionary') -%}
        {%- if adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.identifier) is not none -%}
            {%- set rows = run_query('select event_name, event_category, required_properties from ' ~ seed ~ ' order by event_name') -%}
            {%- for row in rows -%}
                {%- set properties = [] -%}
                {%- for item in (row[2] or '').split(';') if item.strip() -%}
                    {%- set parts = item.split(':') -%}
                    {%- if parts | length != 2 -%}
                        {{ exceptions.raise_compiler_error("event_dictionary: '" ~ item ~ "' of event '" ~ row[0] ~ "' is not name:type") }}
                    {%- endif -%}
                    {%- do properties.append((parts[0].strip(), parts[1].strip())) -%}
                {%- endfor -%}
                {%- do entries.append({'event_name': row[0], 'event_category': row[1], 'required_properties': properties}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{- return(entries) -}}
{%- endmacro %}
