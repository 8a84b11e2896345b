{#- The start of the calendar period `periods` (a SQL integer expression) periods of `grain` (day, week, month)
    after period start `start_period`. A date. -#}
{% macro calendar_period_add(grain, periods, start_period) -%}
    {%- if grain == 'day' -%}
        cast({{ dbt.dateadd('day', periods, start_period) }} as date)
    {%- elif grain == 'week' -%}
        cast({{ dbt.dateadd('day', '7 * (' ~ periods ~ ')', start_period) }} as date)
    {%- elif grain == 'month' -%}
        cast({{ dbt.dateadd('month', periods, start_period) }} as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("calendar period grain must be day, week or month, got '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}
