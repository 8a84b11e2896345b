{#- The rows a type-2 history model (incremental, strategy merge, unique key = key_columns + valid_from) merges
    into itself when refreshed at analysis date `as_of`. `current_rows` holds what is true at as_of (one row
    per key); `history_rows` is the history so far (the model's own table), none on the first build.
    - an open period (valid_to null) whose key is no longer current is closed: valid_to = as_of;
    - a current key without an open period starts one: valid_from = as_of (a key that went away and came
      back gets a new period);
    - a period closed at as_of itself is reopened when its key is current again (a re-run of the same
      analysis date on changed inputs: the result is as if only the last run had happened);
    - an open period whose key is still current is not touched, so re-running the same date changes nothing.
    A period opened and closed at the same analysis date is empty; history_cleanup deletes it. Attribute
    columns are carried along (from the current row when a period starts, else from the stored period). -#}
{% macro history_changes(current_rows, history_rows, key_columns, attribute_columns, as_of) -%}
    {%- set columns = key_columns + attribute_columns %}
    {%- set key_match -%}
        {%- for column in key_columns -%}
            history.{{ column }} = current_rows.{{ column }}{{ ' and ' if not loop.last }}
        {%- endfor -%}
    {%- endset %}
    {%- if history_rows is none %}
    select
        {%- for column in columns %}
        current_rows.{{ column }},
        {%- endfor %}
        {{ as_of }} as valid_from,
        cast(null as date) as valid_to,
        true as is_current
    from {{ current_rows }} as current_rows
    {%- else %}
    -- open periods whose key is no longer current: closed at the analysis date
    select
        {%- for column in columns %}
        history.{{ column }},
        {%- endfor %}
        history.valid_from,
        {{ as_of }} as valid_to,
        false as is_current
    from {{ history_rows }} as history
    left join {{ current_rows }} as current_rows
        on {{ key_match }}
    where
        history.valid_to is null
        and current_rows.{{ key_columns[0] }} is null

    union all

    -- periods closed at this same analysis date by an earlier run whose key is current again: reopened
    select
        {%- for column in columns %}
        history.{{ column }},
        {%- endfor %}
        history.valid_from,
        cast(null as date) as valid_to,
        true as is_current
    from {{ history_rows }} as history
    inner join {{ current_rows }} as current_rows
        on {{ key_match }}
    where history.valid_to = {{ as_of }}

    union all

    -- current keys without an open period (nor one to reopen): a new period from the analysis date
    select
        {%- for column in columns %}
        current_rows.{{ column }},
        {%- endfor %}
        {{ as_of }} as valid_from,
        cast(null as date) as valid_to,
        true as is_current
    from {{ current_rows }} as current_rows
    -- (filtered apart: Spark allows no subquery, which as_of may be, in a join condition)
    left join (
        select {{ key_columns | join(', ') }}
        from {{ history_rows }}
        where valid_to is null or valid_to = {{ as_of }}
    ) as history
        on {{ key_match }}
    where history.{{ key_columns[0] }} is null
    {%- endif %}
{%- endmacro %}

