{#- Aggregate: the exact sum of an amount in cents, as a double. Each value is cast to decimal(18, 2)
    before summing, so the total does not depend on the order the engine adds rows in: a sum of doubles
    can differ in its last bit between a full refresh and day-by-day refreshes (or between threads),
    and a later round(…, 2) can then land on the other side of a half cent. -#}
{% macro sum_money(expression) -%}
    cast(sum(cast({{ expression }} as decimal(18, 2))) as double)
{%- endmacro %}
