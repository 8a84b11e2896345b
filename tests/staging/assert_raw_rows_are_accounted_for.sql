-- A failure means rows were lost or duplicated between the raw tables and staging: for the listed source
-- and load, the raw table holds a different number of rows than clean + duplicate + quarantined rows.
-- Compares the raw tables themselves (not the ingest manifest) with the staging models.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_source_row_accounting'}}}) }}
{%- set sources = source_staging_models() %}

with

raw_rows as (
    {%- for staged in sources %}
        select
            '{{ staged.source_name }}' as source_name,
            _load_id as load_id,
            count(*) as count_raw_rows
        from {{ source(staged.source_system, staged.source_name) }}
        group by _load_id
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

accounted_rows as (
    select
        source_name,
        load_id,
        count_clean_rows + count_duplicate_rows + count_quarantined_rows as count_accounted_rows
    from {{ ref('rpt_source_row_accounting') }}
)

select
    coalesce(raw_rows.source_name, accounted_rows.source_name) as source_name,
    coalesce(raw_rows.load_id, accounted_rows.load_id) as load_id,
    raw_rows.count_raw_rows,
    accounted_rows.count_accounted_rows
from raw_rows
full outer join accounted_rows
    on
        raw_rows.source_name = accounted_rows.source_name
        and raw_rows.load_id = accounted_rows.load_id
where coalesce(raw_rows.count_raw_rows, 0) <> coalesce(accounted_rows.count_accounted_rows, 0)
