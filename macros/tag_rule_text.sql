{#- A tag catalog entry's rule as readable text for dim_tag_catalog.rule_definition: the expression itself;
    tiers as "value: condition; ...; else: value" in evaluation order; a list rule as
    "top <max_values> of list <list>". -#}
{% macro tag_rule_text(tag) -%}
    {%- if 'expression' in tag -%}
        {{ tag.expression | trim }}
    {%- elif 'tiers' in tag -%}
        {%- set parts = [] -%}
        {%- for tier in tag.tiers -%}
            {%- do parts.append(tier.value ~ ': ' ~ tier.when) -%}
        {%- endfor -%}
        {%- if tag.get('else') is not none -%}
            {%- do parts.append('else: ' ~ tag.get('else')) -%}
        {%- endif -%}
        {{ parts | join('; ') }}
    {%- else -%}
        top {{ tag.max_values }} of list {{ tag.list }}
    {%- endif -%}
{%- endmacro %}
