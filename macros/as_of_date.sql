{#- The analysis ("as of") reporting day as a SQL date expression: var as_of_date (environment AS_OF,
    YYYY-MM-DD) when set, else the latest reporting day of any clean event or order. Everything "as of"
    counts activity up to and including this day and nothing later.
    Both branches name the two staging models, so a model's dependencies do not change with the var (the
    parsed project is reused across analysis days: orchestration/dbt_runner.py). -#}
{% macro as_of_date() -%}
    {%- set pinned = var('as_of_date') | string | trim -%}
    {%- set latest_events, latest_orders = ref('stg_events__events'), ref('stg_orders__orders') -%}
    {%- if pinned and pinned != 'None' -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', pinned) -%}
            {{ exceptions.raise_compiler_error("as_of_date must be YYYY-MM-DD, got '" ~ pinned ~ "'") }}
        {%- endif -%}
        cast('{{ pinned }}' as date)
    {%- else -%}
        (
            select max(activity_date) from (
                select max(event_date) as activity_date from {{ latest_events }}
                union all
                select max(ordered_date) as activity_date from {{ latest_orders }}
            ) as latest_days
        )
    {%- endif -%}
{%- endmacro %}
