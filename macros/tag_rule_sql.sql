{#- The SQL of one tag catalog entry, after validating it (a compiler error names the tag):
    - `expression`: the expression itself, over the columns of int_person_features;
    - `tiers`: a CASE trying each tier's `when` in order (first match wins), then `else` when given - no
      else and no match (a null in a condition never matches) gives null;
    - `list` (multi_value tags): the condition that picks the tag's rows of int_person_feature_lists
      (list_name and value_rank up to max_values).
    Checked: known category and value_type, exactly one rule, tiers with a `when` and a text `value` each, tiers
    only for enum tags, a list (with a positive max_values) exactly for multi_value tags. -#}
{% macro tag_rule_sql(tag) -%}
    {%- set categories = ['demographic', 'behavior', 'interest', 'value', 'lifecycle'] -%}
    {%- set value_types = ['enum', 'number', 'boolean', 'multi_value'] -%}
    {%- set code = tag.get('tag_code') -%}
    {%- set where = "tag catalog entry '" ~ code ~ "': " -%}
    {%- if not code -%}
        {{ exceptions.raise_compiler_error("tag catalog entry without tag_code: " ~ tag) }}
    {%- endif -%}
    {%- if tag.get('category') not in categories -%}
        {{ exceptions.raise_compiler_error(where ~ "unknown category '" ~ tag.get('category') ~ "' (expected one of "
            ~ categories | join(', ') ~ ")") }}
    {%- endif -%}
    {%- if tag.get('value_type') not in value_types -%}
        {{ exceptions.raise_compiler_error(where ~ "unknown value_type '" ~ tag.get('value_type') ~ "' (expected one of "
            ~ value_types | join(', ') ~ ")") }}
    {%- endif -%}
    {%- set rules = ['expression', 'tiers', 'list'] | select('in', tag) | list -%}
    {%- if rules | length != 1 -%}
        {{ exceptions.raise_compiler_error(where ~ "needs exactly one rule of expression, tiers or list, has "
            ~ (rules | join(', ') if rules else 'none')) }}
    {%- endif -%}
    {%- if (tag.value_type == 'multi_value') != (rules[0] == 'list') -%}
        {{ exceptions.raise_compiler_error(where ~ "multi_value tags need a list rule and list rules a multi_value tag") }}
    {%- endif -%}
    {%- if rules[0] == 'expression' -%}
        ({{ tag.expression }})
    {%- elif rules[0] == 'tiers' -%}
        {%- if tag.value_type != 'enum' -%}
            {{ exceptions.raise_compiler_error(where ~ "tiers give enum values: value_type must be enum") }}
        {%- endif -%}
        {%- if not tag.tiers -%}
            {{ exceptions.raise_compiler_error(where ~ "tiers is empty") }}
        {%- endif -%}
        {#- one line each, unindented: callers indent the CASE with the `indent` filter -#}
        {%- set lines = ['case'] -%}
        {%- for tier in tag.tiers -%}
            {%- if not tier.get('when') or tier.get('value') is none -%}
                {{ exceptions.raise_compiler_error(where ~ "tier " ~ loop.index ~ " needs a value and a when condition") }}
            {%- endif -%}
            {%- if tier.value is not string -%}
                {{ exceptions.raise_compiler_error(where ~ "tier " ~ loop.index ~ " value " ~ tier.value
                    ~ " is not text: quote it in the YAML (18_24 unquoted reads as the number 1824)") }}
            {%- endif -%}
            {%- do lines.append("    when " ~ tier.when ~ " then '" ~ dbt.escape_single_quotes(tier.value) ~ "'") -%}
        {%- endfor -%}
        {%- if tag.get('else') is not none -%}
            {%- if tag.get('else') is not string -%}
                {{ exceptions.raise_compiler_error(where ~ "else value " ~ tag.get('else') ~ " is not text: quote it in the YAML") }}
            {%- endif -%}
            {%- do lines.append("    else '" ~ dbt.escape_single_quotes(tag.get('else')) ~ "'") -%}
        {%- endif -%}
        {%- do lines.append('end') -%}
        {{ lines | join('\n') }}
    {%- else -%}
        {%- if not tag.list or not ((tag.get('max_values') or 0) | int > 0) -%}
            {{ exceptions.raise_compiler_error(where ~ "a list rule needs a list name and a positive max_values") }}
        {%- endif -%}
        (list_name = '{{ dbt.escape_single_quotes(tag.list) }}' and value_rank <= {{ tag.max_values | int }})
    {%- endif -%}
{%- endmacro %}
