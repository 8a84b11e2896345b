{#- A hash of the values of several columns (as text), equal whenever every value is equal (null only to
    null). An incremental model stores it to find the rows whose content changed since its previous build;
    a hash function that changes (an engine upgrade) only makes the next build recompute everything.
    The default writes each value as its length, ':' and its text (null as '~') before an md5, so no two
    different rows give the same text. DuckDB and Spark use their native 64-bit hash of the typed values
    (about ten times faster than md5 over the text; a changed row keeps its fingerprint with odds of one in
    1.8e19); Spark's xxhash64 skips nulls, so each value is followed by whether it is null. -#}
{% macro row_fingerprint(column_names) -%}
    {{ return(adapter.dispatch('row_fingerprint')(column_names)) }}
{%- endmacro %}

{% macro default__row_fingerprint(column_names) -%}
    {%- set parts = [] -%}
    {%- for column_name in column_names -%}
        {%- set text = 'cast(' ~ column_name ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- do parts.append(
            'coalesce(cast(length(' ~ text ~ ') as ' ~ dbt.type_string() ~ ") || ':' || " ~ text ~ ", '~')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(' || ')) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(column_names) -%}
    cast(hash({{ column_names | join(', ') }}) as varchar)
{%- endmacro %}

{% macro spark__row_fingerprint(column_names) -%}
    {%- set parts = [] -%}
    {%- for column_name in column_names -%}
        {%- do parts.append(column_name ~ ', isnull(' ~ column_name ~ ')') -%}
    {%- endfor -%}
    cast(xxhash64({{ parts | join(', ') }}) as string)
{%- endmacro %}
