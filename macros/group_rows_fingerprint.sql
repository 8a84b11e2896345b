{#- Aggregate: a hash of the group's rows (the values of column_names), whatever their order: equal whenever
    the group holds the same rows (null only equal to null). An incremental model stores it to tell whether
    a group's inputs changed since its previous build, in one pass and without sorting the group. The rows
    must be distinct (include a key): two equal rows cancel out. DuckDB and Spark combine the engine's 64-bit
    row hash (DuckDB hash, Spark row_fingerprint's xxhash64) with bit_xor: a changed group keeps its value
    with odds of one in 1.8e19. The default sorts the rows' row_fingerprint values into one text for md5. -#}
{% macro group_rows_fingerprint(column_names) -%}
    {{ return(adapter.dispatch('group_rows_fingerprint')(column_names)) }}
{%- endmacro %}

{% macro default__group_rows_fingerprint(column_names) -%}
    {%- set fingerprint = row_fingerprint(column_names) -%}
    {{ dbt.hash(dbt.listagg(fingerprint, "','", 'order by ' ~ fingerprint)) }}
{%- endmacro %}

{% macro duckdb__group_rows_fingerprint(column_names) -%}
    cast(bit_xor(hash({{ column_names | join(', ') }})) as varchar)
{%- endmacro %}

{% macro spark__group_rows_fingerprint(column_names) -%}
    cast(bit_xor(cast({{ row_fingerprint(column_names) }} as bigint)) as string)
{%- endmacro %}
