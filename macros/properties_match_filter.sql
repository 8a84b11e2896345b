{#- True when the JSON object `properties_expression` satisfies the funnel step filter `filter_expression`:
    `key=value` pairs joined by `&`, every pair must hold, comparing the property's value as text (JSON text
    of a number as written, e.g. price=108.0) with the value after the first `=`; spaces around keys and values
    are ignored; a missing property never matches. A null or empty filter matches everything. -#}
{% macro properties_match_filter(properties_expression, filter_expression) -%}
    {{ return(adapter.dispatch('properties_match_filter')(properties_expression, filter_expression)) }}
{%- endmacro %}

{% macro default__properties_match_filter(properties_expression, filter_expression) -%}
    (
        coalesce(trim({{ filter_expression }}), '') = ''
        or forall(
            split({{ filter_expression }}, '&'),
            filter_pair -> coalesce(
                {{ json_text_at(properties_expression, "trim(substring_index(filter_pair, '=', 1))") }}
                = trim(substr(filter_pair, instr(filter_pair, '=') + 1)),
                false
            )
        )
    )
{%- endmacro %}

{% macro duckdb__properties_match_filter(properties_expression, filter_expression) -%}
    (
        coalesce(trim({{ filter_expression }}), '') = ''
        or list_bool_and(list_transform(
            string_split({{ filter_expression }}, '&'),
            lambda filter_pair: coalesce(
                {{ json_text_at(properties_expression, "trim(split_part(filter_pair, '=', 1))") }}
                = trim(substr(filter_pair, strpos(filter_pair, '=') + 1)),
                false
            )
        ))
    )
{%- endmacro %}
