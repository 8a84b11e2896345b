{#- Parsed tracking calls with the one reason each is rejected (reason_code, null for clean calls): the rule
    it breaks (base_events__parsed_events), else 'duplicate' when an earlier copy of its messageId passed every
    rule. The body of base_events__validated_events, stg_events__events and stg_events__quarantined_events;
    the incremental builds of the last two pass only the parsed rows of the messageIds that changed: every row
    of a messageId or none, so the duplicate window sees whole partitions and decides exactly as over all rows. -#}
{% macro events_with_reasons(parsed_relation) -%}
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
    from (
        select
            *,
            check_reason_code is null and {{ mark_duplicates(
                'event_id, check_reason_code is null',
                'coalesce(received_at, _loaded_at), _file_date, _file_path, _row_number'
            ) }} as is_duplicate
        from {{ parsed_relation }}
    ) as deduplicated
{%- endmacro %}
