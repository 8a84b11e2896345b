{#- True when a text of values joined with ',' (a multi-value column of dim_person_profiles) holds `value` as one
    whole value - 'shoes' is not in 'sports_shoes,bags' - false when it does not or the text is null. `value` is
    the plain value (no SQL; quoted here) and must not hold a comma. instr(text, part) is the same function on
    DuckDB and Spark (1-based position, 0 when absent). -#}
{% macro joined_values_contain(column, value) -%}
    coalesce(instr({{ dbt.concat(["','", column, "','"]) }}, '{{ "," ~ dbt.escape_single_quotes(value) ~ "," }}') > 0, false)
{%- endmacro %}
