{{ config(materialized='view') }}

{#- Every raw tracking call with the one reason it is rejected (reason_code, null for clean calls): the rule
    it breaks (base_events__parsed_events), else 'duplicate' when an earlier copy of its messageId passed every
    rule. stg_events__events and stg_events__quarantined_events split it; nothing else reads it.
    A view: the duplicate check is one window pass over narrow columns, cheaper to run in each reader than
    to write every parsed row (raw text included) a second time. -#}

with

parsed_events as (
    select * from {{ ref('base_events__parsed_events') }}
),

deduplicated as (
    select
        *,
        check_reason_code is null and {{ mark_duplicates(
            'event_id, check_reason_code is null',
            'coalesce(received_at, _loaded_at), _file_date, _file_path, _row_number'
        ) }} as is_duplicate
    from parsed_events
),

final as (
    select
        *,
        case
            when check_reason_code is not null then check_reason_code
            when is_duplicate then 'duplicate'
        end as reason_code,
        case
            when check_reason_code is not null then check_reason_detail
            when is_duplicate then 'messageId seen before: ' || event_id
        end as reason_detail
    from deduplicated
)

select * from final
