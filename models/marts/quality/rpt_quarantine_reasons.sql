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

identifiers_erased as (
    select * from {{ ref('int_identifiers_erased') }}
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

-- A detail naming an identifier of a person named by an erasure request (a CRM duplicate names its crm_id)
-- is never shown as the example; the row still counts.
rows_naming_erased_identifiers as (
    select distinct
        quarantined_rows.source_name,
        quarantined_rows._raw_row_id
    from quarantined_rows
    inner join identifiers_erased
        on {{ dbt.position('identifiers_erased.identifier_value', 'quarantined_rows.reason_detail') }} > 0
),

quarantined_rows_checked as (
    select
        quarantined_rows.*,
        rows_naming_erased_identifiers._raw_row_id is null as can_be_example
    from quarantined_rows
    left join rows_naming_erased_identifiers
        on
            quarantined_rows.source_name = rows_naming_erased_identifiers.source_name
            and quarantined_rows._raw_row_id = rows_naming_erased_identifiers._raw_row_id
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
        min(case when can_be_example then _raw_row_id end) as example_raw_row_id,
        min_by(reason_detail, case when can_be_example then _raw_row_id end) as example_reason_detail
    from quarantined_rows_checked
    group by source_name, reason_code
),

final as (
    select
        rows_per_reason.source_name,
        rows_per_reason.reason_code,
        rows_per_reason.count_rows,
        rows_per_reason.count_rows * cast(1 as double) / nullif(raw_rows_per_source.count_raw_rows, 0) as share_of_raw_rows,
        rows_per_reason.example_raw_row_id,
        rows_per_reason.example_reason_detail
    from rows_per_reason
    left join raw_rows_per_source
        on rows_per_reason.source_name = raw_rows_per_source.source_name
)

select * from final
