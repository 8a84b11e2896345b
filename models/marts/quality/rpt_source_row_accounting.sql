{#- Raw rows come from the ingest manifest (one per line of a text file; orchestration/raw_lines.py), bytes no
    line holds (a damaged gzip's tail, an unreadable file) too; clean, duplicate and quarantined rows from staging.
    The accounting test compares them with the raw tables themselves. -#}
{%- set sources = source_staging_models() %}

with

loaded_files as (
    select * from {{ ref('stg_ingest__loaded_files') }}
),

{% for staged in sources %}
    {{ staged.source_name }}_clean as (
        select * from {{ ref(staged.clean_model) }}
    ),

    {{ staged.source_name }}_quarantined as (
        select * from {{ ref(staged.quarantine_model) }}
    ),

{% endfor %}
raw_rows_per_load as (
    select
        source_name,
        load_id,
        max(loaded_at) as loaded_at,
        count(*) as count_files,
        cast(sum(count_rows) as bigint) as count_raw_rows,
        cast(sum(count_reader_rejected_rows) as bigint) as count_reader_rejected_rows,
        cast(sum(count_unsplit_bytes) as bigint) as count_unsplit_bytes
    from loaded_files
    group by source_name, load_id
),

staged_rows as (
    {%- for staged in sources %}
        select
            '{{ staged.source_name }}' as source_name,
            _load_id as load_id,
            count(*) as count_clean_rows,
            0 as count_duplicate_rows,
            0 as count_quarantined_rows
        from {{ staged.source_name }}_clean
        group by _load_id

        union all

        select
            '{{ staged.source_name }}' as source_name,
            _load_id as load_id,
            0 as count_clean_rows,
            count(case when reason_code = 'duplicate' then 1 end) as count_duplicate_rows,
            count(case when reason_code <> 'duplicate' then 1 end) as count_quarantined_rows
        from {{ staged.source_name }}_quarantined
        group by _load_id
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

staged_rows_per_load as (
    select
        source_name,
        load_id,
        cast(sum(count_clean_rows) as bigint) as count_clean_rows,
        cast(sum(count_duplicate_rows) as bigint) as count_duplicate_rows,
        cast(sum(count_quarantined_rows) as bigint) as count_quarantined_rows
    from staged_rows
    group by source_name, load_id
),

final as (
    select
        coalesce(raw_rows_per_load.source_name, staged_rows_per_load.source_name) as source_name,
        coalesce(raw_rows_per_load.load_id, staged_rows_per_load.load_id) as load_id,
        raw_rows_per_load.loaded_at,
        coalesce(raw_rows_per_load.count_files, 0) as count_files,
        coalesce(raw_rows_per_load.count_raw_rows, 0) as count_raw_rows,
        coalesce(staged_rows_per_load.count_clean_rows, 0) as count_clean_rows,
        coalesce(staged_rows_per_load.count_duplicate_rows, 0) as count_duplicate_rows,
        coalesce(staged_rows_per_load.count_quarantined_rows, 0) as count_quarantined_rows,
        coalesce(raw_rows_per_load.count_reader_rejected_rows, 0) as count_reader_rejected_rows,
        coalesce(raw_rows_per_load.count_unsplit_bytes, 0) as count_unsplit_bytes,
        coalesce(staged_rows_per_load.count_quarantined_rows, 0) * cast(1 as double)
        / nullif(coalesce(raw_rows_per_load.count_raw_rows, 0), 0) as quarantine_rate,
        coalesce(raw_rows_per_load.count_raw_rows, 0)
        = coalesce(staged_rows_per_load.count_clean_rows, 0)
        + coalesce(staged_rows_per_load.count_duplicate_rows, 0)
        + coalesce(staged_rows_per_load.count_quarantined_rows, 0) as is_balanced
    from raw_rows_per_load
    full outer join staged_rows_per_load
        on
            raw_rows_per_load.source_name = staged_rows_per_load.source_name
            and raw_rows_per_load.load_id = staged_rows_per_load.load_id
)

select * from final
