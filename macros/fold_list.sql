{#- Left fold of a list: starts from `initial`, then for each element in order evaluates `body`, an expression
    in which `accumulator` is the value so far and `element` the current element (both names are lambda
    parameters). The body's type must equal the initial value's type (cast every field).
    DuckDB list_reduce(list, lambda acc, x: body, initial); Spark aggregate(array, initial, (acc, x) -> body). -#}
{% macro fold_list(list_expression, initial, body, accumulator='acc', element='x') -%}
    {{ return(adapter.dispatch('fold_list')(list_expression, initial, body, accumulator, element)) }}
{%- endmacro %}

{% macro default__fold_list(list_expression, initial, body, accumulator, element) -%}
    aggregate({{ list_expression }}, {{ initial }}, ({{ accumulator }}, {{ element }}) -> {{ body }})
{%- endmacro %}

{% macro duckdb__fold_list(list_expression, initial, body, accumulator, element) -%}
    list_reduce({{ list_expression }}, lambda {{ accumulator }}, {{ element }}: {{ body }}, {{ initial }})
{%- endmacro %}
