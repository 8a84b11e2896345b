-- A failure means a source quarantined more than var quarantine_rate_warn of its raw rows (duplicates
-- not counted): its feed has changed or broken. Look at marts.rpt_quarantine_reasons for the reasons.
-- Sources with fewer than var quarantine_rate_min_rows raw rows are not judged.
{{ config(severity='warn') }}

with

accounting as (
    select * from {{ ref('rpt_source_row_accounting') }}
),

per_source as (
    select
        source_name,
        sum(count_raw_rows) as count_raw_rows,
        sum(count_quarantined_rows) as count_quarantined_rows
    from accounting
    group by source_name
)

select
    source_name,
    count_raw_rows,
    count_quarantined_rows,
    count_quarantined_rows * 1.0 / count_raw_rows as quarantine_rate,
    {{ var('quarantine_rate_warn') }} as threshold
from per_source
where
    count_raw_rows >= {{ var('quarantine_rate_min_rows') }}
    and count_quarantined_rows * 1.0 / count_raw_rows > {{ var('quarantine_rate_warn') }}
