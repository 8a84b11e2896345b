{#- The first reporting day of the calendar period of `grain` (day, week, month) holding date `date_expression`:
    the day itself, the Monday of its week (ISO weeks, on both engines), the first of its month. A date. -#}
{% macro calendar_period_start(grain, date_expression) -%}
    {%- if grain == 'day' -%}
        cast({{ date_expression }} as date)
    {%- elif grain in ('week', 'month') -%}
        cast({{ dbt.date_trunc(grain, date_expression) }} as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("calendar period grain must be day, week or month, got '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}
