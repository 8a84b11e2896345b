{#- Fails with one row when the model's row count differs from compare_model's: for models that must keep
    exactly one row per row of their input (the attributed events, orders, tickets and touches). -#}
{% test row_count_matches(model, compare_model) %}

with

model_rows as (
    select count(*) as count_rows from {{ model }}
),

compare_model_rows as (
    select count(*) as count_rows from {{ compare_model }}
)

select
    model_rows.count_rows as count_model_rows,
    compare_model_rows.count_rows as count_compare_model_rows
from model_rows
cross join compare_model_rows
where model_rows.count_rows <> compare_model_rows.count_rows

{% endtest %}
