{#- Fails with one row when the model's row count differs from compare_model's: for models that must keep
    exactly one row per row of their input (the attributed events, orders, tickets and touches). With
    except_erased_persons, the model may have fewer rows while int_persons_erased names anyone: the rows of
    persons named by an erasure request are dropped (never more rows: a fan-out still fails). -#}
{% test row_count_matches(model, compare_model, except_erased_persons=false) %}

with

model_rows as (
    select count(*) as count_rows from {{ model }}
),

compare_model_rows as (
    select count(*) as count_rows from {{ compare_model }}
){% if except_erased_persons %},

persons_erased as (
    select count(*) as count_persons from {{ ref('int_persons_erased') }}
){% endif %}

select
    model_rows.count_rows as count_model_rows,
    compare_model_rows.count_rows as count_compare_model_rows
from model_rows
cross join compare_model_rows
{%- if except_erased_persons %}
cross join persons_erased
{%- endif %}
where
    model_rows.count_rows <> compare_model_rows.count_rows
    {%- if except_erased_persons %}
    and not (model_rows.count_rows < compare_model_rows.count_rows and persons_erased.count_persons > 0)
    {%- endif %}

{% endtest %}
