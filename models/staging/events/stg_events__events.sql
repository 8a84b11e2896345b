{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook=["{{ events_staging_changes('clean') }}"],
        post_hook=["{{ record_built_file_versions(ref('base_events__parsed_events')) }}"],
    )
}}

{#- One row per clean tracking call, deduplicated on messageId (see the .yml).

    Incremental and always equal to a full rebuild. A row depends on its parsed row (base_events__parsed_events)
    and on the other parsed rows of its messageId (which copy is kept), on rules and vars, and on nothing else
    (no analysis date). A build compares the parsed file versions with those the last build read (table
    _built_file_versions__stg_events__events): the pre-hook (macro events_staging_changes) lists the messageIds
    of clean-rule rows in new versions and of stored rows whose version is gone, and deletes their rows; the
    select below recomputes those messageIds from all their parsed rows (macro events_with_reasons, the rule
    base_events__validated_events shows, over whole messageIds only, so the duplicate window is exact and
    costs in proportion to the change). Other rules (fingerprint of this model and every model upstream:
    SQL, macros, seeds, vars) or no record: every row is rebuilt. A failure before the post-hook leaves the
    old record, so the next build redoes the same change. Spark: a plain table on Parquet
    (incremental_materialization); the delete needs Delta or another format with DELETE. -#}
{%- set rebuild = not is_incremental() or built_file_versions_outdated() %}
{%- set personal_trait_keys = ['email', 'phone', 'name', 'first_name', 'last_name', 'full_name', 'address'] %}


with

parsed_events as (
    select * from {{ ref('base_events__parsed_events') }}
),
{%- if not rebuild %}

changed_event_ids as (
    select * from {{ incremental_side_relation('changed_event_ids') }}
),

-- every parsed row of each changed messageId, so the duplicate window sees whole messageIds
changed_parsed_events as (
    select parsed_events.*
    from parsed_events
    where parsed_events.event_id in (select changed_event_ids.event_id from changed_event_ids)
),
{%- endif %}

validated_events as (
    {{ events_with_reasons('parsed_events' if rebuild else 'changed_parsed_events') }}
),

clean_events as (
    select * from validated_events
    where reason_code is null
),

final as (
    select
        event_id,
        event_type,
        case event_type
            when 'track' then track_event_name
            when 'page' then 'Page Viewed'
            when 'screen' then 'Screen Viewed'
            when 'identify' then 'Identify'
            when 'alias' then 'Alias'
        end as event_name,
        case
            when event_type = 'page' then 'page_view'
            when event_type = 'screen' then 'screen_view'
            when event_type in ('identify', 'alias') then event_type
            else dictionary_event_category
        end as event_category,
        page_name,
        anonymous_id,
        user_id,
        previous_id,
        device_id,
        platform,
        os_name,
        app_version,
        page_url,
        page_path,
        page_referrer,
        page_title,
        campaign_source,
        campaign_medium,
        campaign_name,
        ip_address,
        user_agent,
        locale,
        properties,
        case when raw_traits is not null then {{ json_without_keys('raw_traits', personal_trait_keys) }} end as traits,
        {{ hash_pii(normalize_email('trait.email')) }} as trait_email_hash,
        {{ email_domain(normalize_email('trait.email')) }} as trait_email_domain,
        {{ hash_pii(normalize_phone('trait.phone')) }} as trait_phone_hash,
        {{ is_unusable_value('trait.email', normalize_email('trait.email')) }}
            as has_invalid_trait_email,
        {{ is_unusable_value('trait.phone', normalize_phone('trait.phone')) }}
            as has_invalid_trait_phone,
        case when trait.gender is not null then {{ normalize_gender('trait.gender') }} end as trait_gender,
        {{ parse_date('trait.birthday') }} as trait_birth_date,
        {{ clean_text('trait.city') }} as trait_city,
        {{ clean_text('trait.province') }} as trait_province,
        {{ clean_text('trait.country') }} as trait_country,
        {{ clean_text('trait.wechat_openid') }} as trait_wechat_openid,
        {{ clean_text('trait.wechat_unionid') }} as trait_wechat_unionid,
        {{ clean_text('trait.crm_id') }} as trait_crm_id,
        {{ clean_text('trait.member_id') }} as trait_member_id,
        event_at,
        sent_at,
        received_at,
        {{ to_reporting_date('event_at') }} as event_date,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_events
)

select * from final
