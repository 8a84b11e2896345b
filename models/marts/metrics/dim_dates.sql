{#- One row per calendar day: the time spine MetricFlow joins metric_time to (dbt 1.9+ needs one to parse the
    semantic layer). A spine from the data, not a fixed range: from var dates_from_date or else the first
    reporting day of any source, to the analysis date plus var dates_days_after_as_of_date. Both bounds come
    from rpt_data_coverage, so no query runs at compile time (dbt.date_spine runs one) and a unit test can
    feed them. -#}
{%- set from_date = var('dates_from_date') | string | trim %}
{%- set has_from_date = from_date and from_date != 'None' %}
{%- if has_from_date and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', from_date) %}
    {{ exceptions.raise_compiler_error("dates_from_date must be YYYY-MM-DD or empty, got '" ~ from_date ~ "'") }}
{%- endif %}
{%- set days_after_as_of_date = var('dates_days_after_as_of_date') | int %}

with

data_coverage as (
    select * from {{ ref('rpt_data_coverage') }}
),

bounds as (
    select
        {% if has_from_date -%}
            cast('{{ from_date }}' as date)
        {%- else -%}
            min(first_activity_date)
        {%- endif %} as start_date,
        cast({{ dbt.dateadd('day', days_after_as_of_date, 'max(as_of_date)') }} as date) as end_date,
        max(as_of_date) as as_of_date
    from data_coverage
),

days as (
    {{ calendar_days('bounds') }}
),

final as (
    select
        days.calendar_date as date_day,
        {{ calendar_period_start('week', 'days.calendar_date') }} as week_start_date,
        {{ calendar_period_start('month', 'days.calendar_date') }} as month_start_date,
        days.calendar_date > bounds.as_of_date as is_after_as_of_date
    from days
    cross join bounds
)

select * from final
