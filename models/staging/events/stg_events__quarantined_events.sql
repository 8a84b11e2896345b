{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook=["{{ events_staging_changes('quarantined') }}"],
        post_hook=["{{ record_built_file_versions(ref('base_events__parsed_events')) }}"],
    )
}}

{#- One row per rejected raw tracking call (see the .yml).

    Incremental and always equal to a full rebuild. A row depends on its parsed row (base_events__parsed_events)
    and, for duplicates, on the other parsed rows of its messageId; on rules and vars, and on nothing else (no
    analysis date). A build compares the parsed file versions with those the last build read (table
    _built_file_versions__stg_events__quarantined_events): the pre-hook (macro events_staging_changes) deletes
    the rows of changed file versions and of the messageIds whose duplicate window may have changed (those of
    clean-rule rows in new versions; when a version is gone, those of every stored duplicate); the select below
    inserts the rejected rows of new versions and of those messageIds, recomputed from all their parsed rows
    (macro events_with_reasons, the rule base_events__validated_events shows, over whole messageIds only). Other
    rules (fingerprint of this model and every model upstream) or no record: every row is rebuilt. A failure
    before the post-hook leaves the old record, so the next build redoes the same change. Spark: a plain table
    on Parquet (incremental_materialization); the delete needs Delta or another format with DELETE. -#}
{%- set rebuild = not is_incremental() or built_file_versions_outdated() %}

with

parsed_events as (
    select * from {{ ref('base_events__parsed_events') }}
),
{%- if not rebuild %}

changed_file_versions as (
    select * from {{ incremental_side_relation('changed_file_versions') }}
    where is_new
),

changed_event_ids as (
    select * from {{ incremental_side_relation('changed_event_ids') }}
),

-- the rows of new file versions and every parsed row of each changed messageId (whole duplicate windows)
changed_parsed_events as (
    select parsed_events.*
    from parsed_events
    where
        parsed_events.event_id in (select changed_event_ids.event_id from changed_event_ids)
        or exists (
            select 1 from changed_file_versions
            where changed_file_versions._file_path = parsed_events._file_path
                and changed_file_versions._load_id = parsed_events._load_id
        )
),
{%- endif %}

validated_events as (
    {{ events_with_reasons('parsed_events' if rebuild else 'changed_parsed_events') }}
),

final as (
    {{ quarantined_rows('validated_events', 'events') }}
)

select * from final
