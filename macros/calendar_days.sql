{#- SELECT of one row per day (calendar_date) from start_column to end_column (both included) of `bounds`, a
    CTE or relation with one row. Offsets come from a cross join of digit lists (no recursive SQL, no
    engine-specific series function, no query at compile time), so at most 100,000 days (273 years). -#}
{% macro calendar_days(bounds, start_column='start_date', end_column='end_date') -%}
    {%- set places = ['ones', 'tens', 'hundreds', 'thousands', 'ten_thousands'] %}
    select cast({{ dbt.dateadd('day', 'day_offsets.day_offset', bounds ~ '.' ~ start_column) }} as date) as calendar_date
    from {{ bounds }}
    cross join (
        select
            {% for place in places -%}
                {{ place }}.digit * {{ 10 ** loop.index0 }}{% if not loop.last %} + {% endif %}
            {%- endfor %} as day_offset
        from
            {%- for place in places %}
                (
                    {%- for digit in range(10) %}
                        select {{ digit }} as digit{% if not loop.last %} union all{% endif %}
                    {%- endfor %}
                ) as {{ place }}{% if not loop.last %} cross join{% endif %}
            {%- endfor %}
    ) as day_offsets
    where day_offsets.day_offset <= {{ dbt.datediff(bounds ~ '.' ~ start_column, bounds ~ '.' ~ end_column, 'day') }}
{%- endmacro %}
