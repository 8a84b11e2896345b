{%- set personal_trait_keys = ['email', 'phone', 'name', 'first_name', 'last_name', 'full_name', 'address'] %}


with

validated_events as (
    select * from {{ ref('base_events__validated_events') }}
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
