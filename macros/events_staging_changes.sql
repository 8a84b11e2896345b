{#- Pre-hook of the incremental events staging models (kind 'clean': stg_events__events, one row per kept
    messageId; kind 'quarantined': stg_events__quarantined_events, every rejected row). A row of either
    depends on its parsed row and on the other parsed rows of its messageId (the duplicate window), nothing
    else (no analysis date; rules and vars are in the fingerprint). So a build compares the file versions of
    base_events__parsed_events with those the last build read (table _built_file_versions__<model>):
    - changed_file_versions: versions new since then (is_new) and versions gone since then (replaced or
      removed files);
    - changed_event_ids: the messageIds whose duplicate window may have changed: those of the clean-rule
      rows of new versions; for 'clean', those of stored kept rows that are gone; for 'quarantined', when a
      version is gone, those of every stored duplicate (the kept copy that made it a duplicate may be gone,
      and only stg_events__events holds kept copies; rare: files are seldom replaced or removed);
    then deletes the rows of those messageIds (for 'quarantined', which has no event_id column: the rows whose
    parsed row has such a messageId, and the rows of changed versions). The model inserts them again from the parsed rows of those messageIds and versions. When the rules changed or
    no record exists (macro built_file_versions_outdated) it deletes every row and the model inserts all.
    Nothing on a first or full-refresh build. -#}
{% macro events_staging_changes(kind) -%}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parsed_relation = ref('base_events__parsed_events') -%}
    {%- set versions = incremental_side_relation('changed_file_versions') -%}
    {%- set event_ids = incremental_side_relation('changed_event_ids') -%}
    {%- if built_file_versions_outdated() -%}
        delete from {{ this }}
    {%- else -%}
        create or replace table {{ versions }} as
        with
        current_versions as (
            select distinct _file_path, _load_id from {{ parsed_relation }}
        ),
        built_versions as (
            select _file_path, _load_id from {{ incremental_side_relation('built_file_versions') }}
        ),
        new_versions as (
            select * from current_versions
            except
            select * from built_versions
        ),
        gone_versions as (
            select * from built_versions
            except
            select * from current_versions
        )
        select _file_path, _load_id, true as is_new from new_versions
        union all
        select _file_path, _load_id, false as is_new from gone_versions;

        create or replace table {{ event_ids }} as
        select parsed_events.event_id
        from {{ parsed_relation }} as parsed_events
        inner join {{ versions }} as versions
            on parsed_events._file_path = versions._file_path
                and parsed_events._load_id = versions._load_id
        where versions.is_new and parsed_events.check_reason_code is null
        union
        {%- if kind == 'clean' %}
        select stored.event_id
        from {{ this }} as stored
        where stored._load_id in (select versions._load_id from {{ versions }} as versions where not versions.is_new)
            and not exists (
                select 1
                from {{ parsed_relation }} as parsed_events
                where parsed_events._raw_row_id = stored._raw_row_id
                    and parsed_events._load_id = stored._load_id
            )
        {%- else %}
        select parsed_events.event_id
        from {{ parsed_relation }} as parsed_events
        inner join {{ this }} as stored
            on parsed_events._raw_row_id = stored._raw_row_id
                and parsed_events._load_id = stored._load_id
        where stored.reason_code = 'duplicate'
            and exists (select 1 from {{ versions }} as versions where not versions.is_new)
        {%- endif %};

        delete from {{ this }} as stored
        {%- if kind == 'clean' %}
        where stored.event_id in (select event_ids.event_id from {{ event_ids }} as event_ids)
        {%- else %}
        where
            exists (
                select 1 from {{ versions }} as versions
                where versions._file_path = stored._file_path and versions._load_id = stored._load_id
            )
            or stored._raw_row_id in (
                select parsed_events._raw_row_id
                from {{ parsed_relation }} as parsed_events
                inner join {{ event_ids }} as event_ids
                    on parsed_events.event_id = event_ids.event_id
            )
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
