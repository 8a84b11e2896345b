{#- Whole calendar periods of `grain` (day, week, month) from period start `start_period` to period start
    `end_period` (both from calendar_period_start): 0 for the same period, 1 for the next. Weeks count days / 7
    between Mondays and months count year * 12 + month, so no engine's own week or month boundary rule matters. -#}
{% macro calendar_periods_between(grain, start_period, end_period) -%}
    {%- if grain == 'day' -%}
        {{ dbt.datediff(start_period, end_period, 'day') }}
    {%- elif grain == 'week' -%}
        cast(floor({{ dbt.datediff(start_period, end_period, 'day') }} / 7) as {{ dbt.type_bigint() }})
    {%- elif grain == 'month' -%}
        ((year({{ end_period }}) - year({{ start_period }})) * 12 + month({{ end_period }}) - month({{ start_period }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error("calendar period grain must be day, week or month, got '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}
