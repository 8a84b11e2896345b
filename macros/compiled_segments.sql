{#- The segment definitions (segment_definitions) validated and compiled, in file order; each a dict of the
    definition's fields plus `condition_sql` (segment_rule_sql; none for per_value segments) and `definition`
    (readable text). Checked, the error naming the segment: key snake_case without '__' (so the
    <key>__<value> keys of per_value segments never clash with a defined key) and unique; name_zh, name_en,
    owner and description present; kind rule, value or cluster; is_exportable true or false; exactly one of
    rule and per_value; per_value only for kind value or cluster and on an enum tag of the catalog. A per_value
    segment with skip_if_tag_missing: true whose tag is not in the catalog is left out, without error (the
    clustering segment before the cluster tag exists). -#}
{% macro compiled_segments() -%}
    {%- set tag_types = {} -%}
    {%- for tag in tag_catalog() -%}
        {%- do tag_types.update({tag.tag_code: tag.value_type}) -%}
    {%- endfor -%}
    {%- set keys = [] -%}
    {%- set segments = [] -%}
    {%- for definition in segment_definitions() -%}
        {%- set key = definition.get('key') -%}
        {%- set where = "segment '" ~ key ~ "': " -%}
        {%- if key is not string or not modules.re.match('^[a-z][a-z0-9]*(_[a-z0-9]+)*$', key) -%}
            {{ exceptions.raise_compiler_error("segment definition " ~ loop.index ~ ": key " ~ key
                ~ " is not snake_case (lower-case letters, digits, single underscores)") }}
        {%- endif -%}
        {%- if key in keys -%}
            {{ exceptions.raise_compiler_error(where ~ "key used twice") }}
        {%- endif -%}
        {%- do keys.append(key) -%}
        {%- for field in ['name_zh', 'name_en', 'owner', 'description'] if not definition.get(field) -%}
            {{ exceptions.raise_compiler_error(where ~ "missing " ~ field) }}
        {%- endfor -%}
        {%- if definition.get('kind') not in ['rule', 'value', 'cluster'] -%}
            {{ exceptions.raise_compiler_error(where ~ "unknown kind '" ~ definition.get('kind')
                ~ "' (expected one of rule, value, cluster)") }}
        {%- endif -%}
        {%- if definition.get('is_exportable') is not boolean -%}
            {{ exceptions.raise_compiler_error(where ~ "is_exportable must be true or false") }}
        {%- endif -%}
        {%- if ('rule' in definition) == ('per_value' in definition) -%}
            {{ exceptions.raise_compiler_error(where ~ "needs exactly one of rule and per_value") }}
        {%- endif -%}
        {%- set segment = dict(definition) -%}
        {%- if 'rule' in definition -%}
            {%- if definition.get('skip_if_tag_missing') -%}
                {{ exceptions.raise_compiler_error(where ~ "skip_if_tag_missing applies to per_value segments only") }}
            {%- endif -%}
            {%- do segment.update({
                'per_value': none,
                'condition_sql': segment_rule_sql(definition.rule, key, tag_types),
                'definition': segment_rule_text(definition.rule),
            }) -%}
            {%- do segments.append(segment) -%}
        {%- else -%}
            {%- set tag = definition.per_value -%}
            {%- if definition.kind not in ['value', 'cluster'] -%}
                {{ exceptions.raise_compiler_error(where ~ "per_value segments are of kind value or cluster") }}
            {%- endif -%}
            {%- if tag is not string or not modules.re.match('^[a-z][a-z0-9_]*$', tag) -%}
                {{ exceptions.raise_compiler_error(where ~ "per_value needs a snake_case tag_code, got " ~ tag) }}
            {%- endif -%}
            {%- set is_missing = tag_types and tag not in tag_types -%}
            {%- if is_missing and not definition.get('skip_if_tag_missing') -%}
                {{ exceptions.raise_compiler_error(where ~ "unknown tag '" ~ tag
                    ~ "' (not in the tag catalog, macros/tag_catalog.sql)") }}
            {%- endif -%}
            {%- if not is_missing and tag_types and tag_types[tag] != 'enum' -%}
                {{ exceptions.raise_compiler_error(where ~ "per_value needs an enum tag, '" ~ tag ~ "' is "
                    ~ tag_types[tag]) }}
            {%- endif -%}
            {%- if not is_missing -%}
                {%- do segment.update({'condition_sql': none, 'definition': tag ~ ' = <each value>'}) -%}
                {%- do segments.append(segment) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(segments) }}
{%- endmacro %}
