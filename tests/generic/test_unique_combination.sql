{#- Fails with one row per combination of `column_names` that occurs more than once: the composite-key
    counterpart of `unique`. Pair it with not_null on each column (nulls group together here). -#}
{% test unique_combination(model, column_names) %}

select
    {{ column_names | join(', ') }},
    count(*) as count_rows
from {{ model }}
group by {{ column_names | join(', ') }}
having count(*) > 1

{% endtest %}
