{#- One tag condition of a segment rule, {tag: <tag_code>, <operator>: <operand>}, as a SQL boolean over the
    columns of dim_person_profiles that is never null. Operators (and the value types of the tags they take):
    - equals, not_equals (a value), in, not_in (a non-empty list): enum and number tags;
    - gt, gte, lt, lte (a number), between ([low, high], both included): number tags;
    - is_true, is_false (operand true): boolean tags;
    - contains (a value), contains_any, contains_all (a non-empty list): multi_value tags, whole values only
      (contains shoes does not match sports_shoes);
    - is_null, is_not_null (operand true): any tag.
    Null semantics: a person without a value of the tag matches no condition except is_null - not_equals and
    not_in included (they mean "has a value and it is not ...") - because every condition is wrapped in
    coalesce(..., false). Rules are therefore two-valued, and `not` (segment_rule_sql) matches every person the
    condition does not: not {tag: city, equals: 上海} keeps the persons without a city.
    Validated at compile time, the error naming the segment: the tag must be snake_case and, when
    tag_types (tag_code -> value_type of the tag catalog) has entries, in the catalog and of a value type the
    operator takes; exactly one known operator; operands of the right shape (text for enum and multi_value
    tags, numbers for number tags, lists where lists are due, between low <= high). Text is quoted with
    dbt.escape_single_quotes. -#}
{% macro segment_condition_sql(condition, segment_key, tag_types) -%}
    {%- set where = "segment '" ~ segment_key ~ "': " -%}
    {%- set all_types = ['enum', 'number', 'boolean', 'multi_value'] -%}
    {%- set operator_types = {
        'equals': ['enum', 'number'], 'not_equals': ['enum', 'number'], 'in': ['enum', 'number'],
        'not_in': ['enum', 'number'], 'gt': ['number'], 'gte': ['number'], 'lt': ['number'], 'lte': ['number'],
        'between': ['number'], 'is_true': ['boolean'], 'is_false': ['boolean'], 'contains': ['multi_value'],
        'contains_any': ['multi_value'], 'contains_all': ['multi_value'], 'is_null': all_types,
        'is_not_null': all_types,
    } -%}
    {%- set comparisons = {
        'equals': '=', 'not_equals': '<>', 'gt': '>', 'gte': '>=', 'lt': '<', 'lte': '<=',
    } -%}
    {%- set tag = condition.get('tag') -%}
    {%- if tag is not string or not modules.re.match('^[a-z][a-z0-9_]*$', tag) -%}
        {{ exceptions.raise_compiler_error(where ~ "a condition needs a tag (a snake_case tag_code): " ~ condition) }}
    {%- endif -%}
    {%- set operators = condition.keys() | reject('equalto', 'tag') | list -%}
    {%- for operator in operators if operator not in operator_types -%}
        {{ exceptions.raise_compiler_error(where ~ "unknown operator '" ~ operator ~ "' on tag '" ~ tag
            ~ "' (expected one of " ~ operator_types.keys() | join(', ') ~ ")") }}
    {%- endfor -%}
    {%- if operators | length != 1 -%}
        {{ exceptions.raise_compiler_error(where ~ "a condition on tag '" ~ tag ~ "' needs exactly one operator, has "
            ~ (operators | join(', ') if operators else 'none')) }}
    {%- endif -%}
    {%- set operator = operators[0] -%}
    {%- set operand = condition[operator] -%}
    {%- set value_type = none -%}
    {%- if tag_types -%}
        {%- if tag not in tag_types -%}
            {{ exceptions.raise_compiler_error(where ~ "unknown tag '" ~ tag
                ~ "' (not in the tag catalog, macros/tag_catalog.sql)") }}
        {%- endif -%}
        {%- set value_type = tag_types[tag] -%}
        {%- if value_type not in operator_types[operator] -%}
            {{ exceptions.raise_compiler_error(where ~ "operator '" ~ operator ~ "' does not apply to tag '" ~ tag
                ~ "' of value_type " ~ value_type ~ " (it takes " ~ operator_types[operator] | join(', ') ~ " tags)") }}
        {%- endif -%}
    {%- endif -%}
    {%- set what = "operator '" ~ operator ~ "' on tag '" ~ tag ~ "'" -%}
    {%- if operator in ['is_true', 'is_false', 'is_null', 'is_not_null'] -%}
        {%- if operand is not sameas true -%}
            {{ exceptions.raise_compiler_error(where ~ what ~ " takes the operand true (negate with not:), got "
                ~ operand) }}
        {%- endif -%}
        {%- set sql = {
            'is_true': 'coalesce(' ~ tag ~ ', false)',
            'is_false': 'coalesce(not ' ~ tag ~ ', false)',
            'is_null': tag ~ ' is null',
            'is_not_null': tag ~ ' is not null',
        }[operator] -%}
    {%- else -%}
        {%- set is_list_operator = operator in ['in', 'not_in', 'between', 'contains_any', 'contains_all'] -%}
        {%- set operands = operand if is_list_operator else [operand] -%}
        {%- if is_list_operator and (operand is string or operand is mapping or operand is not sequence
            or operand | length == 0) -%}
            {{ exceptions.raise_compiler_error(where ~ what ~ " takes a non-empty list, got " ~ operand) }}
        {%- endif -%}
        {%- set literals = [] -%}
        {%- for value in operands -%}
            {%- set is_number = value is number and value is not boolean -%}
            {%- if value is not string and not is_number -%}
                {{ exceptions.raise_compiler_error(where ~ what ~ ": operand " ~ value
                    ~ " is not a text or a number") }}
            {%- elif value_type == 'number' and not is_number -%}
                {{ exceptions.raise_compiler_error(where ~ what ~ ": tag '" ~ tag ~ "' is a number tag, operand '"
                    ~ value ~ "' is not a number") }}
            {%- elif value_type in ['enum', 'multi_value'] and value is not string -%}
                {{ exceptions.raise_compiler_error(where ~ what ~ ": tag '" ~ tag ~ "' holds text, operand " ~ value
                    ~ " is not text (quote it in the YAML)") }}
            {%- elif operator == 'between' and not is_number -%}
                {{ exceptions.raise_compiler_error(where ~ what ~ " takes [low, high] numbers, got " ~ operand) }}
            {%- elif operator.startswith('contains') and ',' in value | string -%}
                {{ exceptions.raise_compiler_error(where ~ what ~ ": operand '" ~ value
                    ~ "' holds a comma, which separates the values") }}
            {%- endif -%}
            {%- do literals.append(value | string if is_number else "'" ~ dbt.escape_single_quotes(value) ~ "'") -%}
        {%- endfor -%}
        {%- if operator == 'between' and (literals | length != 2 or operands[0] > operands[1]) -%}
            {{ exceptions.raise_compiler_error(where ~ what ~ " takes [low, high] numbers with low <= high, got "
                ~ operand) }}
        {%- endif -%}
        {%- if operator in comparisons -%}
            {%- set sql = 'coalesce(' ~ tag ~ ' ' ~ comparisons[operator] ~ ' ' ~ literals[0] ~ ', false)' -%}
        {%- elif operator in ['in', 'not_in'] -%}
            {%- set negation = ' not' if operator == 'not_in' else '' -%}
            {%- set sql = 'coalesce(' ~ tag ~ negation ~ ' in (' ~ literals | join(', ') ~ '), false)' -%}
        {%- elif operator == 'between' -%}
            {%- set sql = 'coalesce(' ~ tag ~ ' between ' ~ literals[0] ~ ' and ' ~ literals[1] ~ ', false)' -%}
        {%- else -%}
            {#- one test per line: callers indent multi-line conditions with the `indent` filter -#}
            {%- set tests = [] -%}
            {%- for value in operands -%}
                {%- do tests.append(joined_values_contain(tag, value | string)) -%}
            {%- endfor -%}
            {%- set sql = tests[0] if tests | length == 1 else
                '(\n    ' ~ tests | join('\n    ' ~ ('and ' if operator == 'contains_all' else 'or ')) ~ '\n)' -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(sql) }}
{%- endmacro %}
