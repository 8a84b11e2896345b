{#- Fails with one row per source whose quarantined rows (duplicates not counted) exceed `threshold` of its raw
    rows, summed over every load in a row-accounting model. Sources with fewer than `min_rows` raw rows are
    not judged (too few to tell). Declared twice on marts.rpt_source_row_accounting: once with the warn
    threshold and severity warn, once with the error threshold. -#}
{% test quarantine_rate_below(model, threshold, min_rows) %}

with

per_source as (
    select
        source_name,
        sum(count_raw_rows) as count_raw_rows,
        sum(count_quarantined_rows) as count_quarantined_rows
    from {{ model }}
    group by source_name
)

select
    source_name,
    count_raw_rows,
    count_quarantined_rows,
    count_quarantined_rows * 1.0 / count_raw_rows as quarantine_rate,
    {{ threshold }} as threshold
from per_source
where
    count_raw_rows >= {{ min_rows }}
    and count_quarantined_rows * 1.0 / count_raw_rows > {{ threshold }}

{% endtest %}
