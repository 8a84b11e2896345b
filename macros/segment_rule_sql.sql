{#- A segment rule as a SQL boolean over the columns of dim_person_profiles that is never null, after validating
    it (a compiler error names the segment). A rule is a mapping, one of:
    - all: [rules] (and), any: [rules] (or) - non-empty lists - or not: rule; nested to any depth;
    - a tag condition {tag: <tag_code>, <operator>: <operand>} (segment_condition_sql: operators, operands and
      null semantics).
    Every condition is true or false, never null, so `not` matches exactly the persons the rule inside does not
    (including those without a value of its tags). tag_types maps tag_code -> value_type (the tag catalog; empty:
    no tag checks). Multi-line results are indented by the caller with the `indent` filter. -#}
{% macro segment_rule_sql(rule, segment_key, tag_types) -%}
    {%- set where = "segment '" ~ segment_key ~ "': " -%}
    {%- if rule is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ "a rule must be a mapping (all, any, not or a tag condition), got "
            ~ rule) }}
    {%- endif -%}
    {%- set combinators = ['all', 'any', 'not'] | select('in', rule) | list -%}
    {%- if not combinators -%}
        {{ return(segment_condition_sql(rule, segment_key, tag_types)) }}
    {%- endif -%}
    {%- if rule | length != 1 -%}
        {{ exceptions.raise_compiler_error(where ~ "a rule with " ~ combinators[0] ~ " holds nothing else, got "
            ~ rule.keys() | join(', ')) }}
    {%- endif -%}
    {%- set combinator = combinators[0] -%}
    {%- if combinator == 'not' -%}
        {{ return('not ' ~ segment_rule_sql(rule['not'], segment_key, tag_types)) }}
    {%- endif -%}
    {%- set parts = rule[combinator] -%}
    {%- if parts is string or parts is mapping or parts is not sequence or parts | length == 0 -%}
        {{ exceptions.raise_compiler_error(where ~ combinator ~ " needs a non-empty list of rules, got " ~ parts) }}
    {%- endif -%}
    {%- set sqls = [] -%}
    {%- for part in parts -%}
        {%- do sqls.append(segment_rule_sql(part, segment_key, tag_types) | indent(4)) -%}
    {%- endfor -%}
    {%- set operator = 'and ' if combinator == 'all' else 'or ' -%}
    {{ return('(\n    ' ~ sqls | join('\n    ' ~ operator) ~ '\n)') }}
{%- endmacro %}
