{%- set sources = source_staging_models() %}

with

{% for staged in sources %}
    {{ staged.source_name }}_quarantined as (
        select * from {{ ref(staged.quarantine_model) }}
    ),

{% endfor %}
loaded_files as (
    select * from {{ ref('stg_ingest__loaded_files') }}
),

quarantined_rows as (
    {%- for staged in sources %}
        select
            source_name,
            reason_code,
            reason_detail,
            _raw_row_id
        from {{ staged.source_name }}_quarantined
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

raw_rows_per_source as (
    select
        source_name,
        cast(sum(count_rows) as bigint) as count_raw_rows
    from loaded_files
    group by source_name
),

rows_per_reason as (
    select
        source_name,
        reason_code,
        count(*) as count_rows,
        min(_raw_row_id) as example_raw_row_id,
        min_by(reason_detail, _raw_row_id) as example_reason_detail
    from quarantined_rows
    group by source_name, reason_code
),

final as (
    select
        rows_per_reason.source_name,
        rows_per_reason.reason_code,
        rows_per_reason.count_rows,
        rows_per_reason.count_rows * 1.0 / nullif(raw_rows_per_source.count_raw_rows, 0) as share_of_raw_rows,
        rows_per_reason.example_raw_row_id,
        rows_per_reason.example_reason_detail
    from rows_per_reason
    left join raw_rows_per_source
        on rows_per_reason.source_name = raw_rows_per_source.source_name
)

select * from final
