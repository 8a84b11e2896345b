{#- A segment rule (already validated by segment_rule_sql) as readable text for dim_segments.definition, e.g.
    "city = 上海 AND gender = female AND top_bought_categories CONTAINS sports_shoes"; nested all/any with
    two or more parts in parentheses, not as "NOT (...)"; operators as =, !=, IN (...), NOT IN (...), >, >=,
    <, <=, BETWEEN a AND b, IS TRUE, IS FALSE, CONTAINS, CONTAINS ANY (...), CONTAINS ALL (...), IS NULL,
    IS NOT NULL. -#}
{% macro segment_rule_text(rule, is_nested=false) -%}
    {%- if 'all' in rule or 'any' in rule -%}
        {%- set parts = [] -%}
        {%- set items = rule['all'] if 'all' in rule else rule['any'] -%}
        {%- for part in items -%}
            {%- do parts.append(segment_rule_text(part, true)) -%}
        {%- endfor -%}
        {%- set text = parts | join(' AND ' if 'all' in rule else ' OR ') -%}
        {{ return('(' ~ text ~ ')' if is_nested and parts | length > 1 else text) }}
    {%- elif 'not' in rule -%}
        {{ return('NOT (' ~ segment_rule_text(rule['not']) ~ ')') }}
    {%- endif -%}
    {%- set symbols = {
        'equals': '=', 'not_equals': '!=', 'in': 'IN', 'not_in': 'NOT IN', 'gt': '>', 'gte': '>=', 'lt': '<',
        'lte': '<=', 'contains': 'CONTAINS', 'contains_any': 'CONTAINS ANY', 'contains_all': 'CONTAINS ALL',
    } -%}
    {%- set operator = rule.keys() | reject('equalto', 'tag') | first -%}
    {%- set operand = rule[operator] -%}
    {%- if operator == 'between' -%}
        {{ return(rule.tag ~ ' BETWEEN ' ~ operand[0] ~ ' AND ' ~ operand[1]) }}
    {%- elif operator in ['is_true', 'is_false', 'is_null', 'is_not_null'] -%}
        {{ return(rule.tag ~ ' ' ~ operator | replace('_', ' ') | upper) }}
    {%- elif operator in ['in', 'not_in', 'contains_any', 'contains_all'] -%}
        {{ return(rule.tag ~ ' ' ~ symbols[operator] ~ ' (' ~ operand | join(', ') ~ ')') }}
    {%- endif -%}
    {{ return(rule.tag ~ ' ' ~ symbols[operator] ~ ' ' ~ operand) }}
{%- endmacro %}
