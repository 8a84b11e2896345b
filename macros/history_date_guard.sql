{#- Pre-hook of the type-2 history models: a query that fails when the history already records a date (a
    valid_from or valid_to) later than the analysis date `as_of`. History is written in date order only; a
    refresh of an earlier date would close and open periods out of order. Nothing on the first build. -#}
{% macro history_date_guard(history_relation, as_of) -%}
    {%- if is_incremental() %}
    select
        case
            when recorded.latest_recorded_date > {{ as_of }}
                then {{ raise_error(dbt.concat([
                    "'" ~ history_relation.identifier ~ " already records the refresh date '",
                    "cast(recorded.latest_recorded_date as " ~ dbt.type_string() ~ ")",
                    "', later than the analysis date '",
                    "cast(" ~ as_of ~ " as " ~ dbt.type_string() ~ ")",
                    "': history is written in date order (refresh a date on or after the latest one)'",
                ])) }}
        end as is_history_date_in_order
    from (
        select max(greatest(valid_from, coalesce(valid_to, valid_from))) as latest_recorded_date
        from {{ history_relation }}
    ) as recorded
    {%- endif %}
{%- endmacro %}
