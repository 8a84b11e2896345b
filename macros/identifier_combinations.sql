{#- SELECT of one row per source and distinct combination of identifiers seen together on one record
    (an event, an order, a CRM customer version, a ticket, a campaign touch), with when it was first and
    last seen and on how many records. Grouping first is what keeps the identity graph cheap: millions of
    events collapse to one row per combination before any link or node is derived from them.
    Columns: source_name, the identifier_slots() columns, email_domain (of the email hash, for the
    blocked-value rules), first_seen_at, last_seen_at, count_observations.
    Device ids are taken from app events only (var identity_device_id_platforms, default ios and android);
    an alias call's previousId is kept only when it differs from its anonymousId. -#}
{% macro identifier_combinations() -%}
    {%- set device_platforms = var('identity_device_id_platforms', ['ios', 'android']) -%}
    {%- set slots = identifier_slots() -%}
    with

    events as (
        select * from {{ ref('stg_events__events') }}
    ),

    orders as (
        select * from {{ ref('stg_orders__orders') }}
    ),

    customer_versions as (
        select * from {{ ref('stg_crm__customer_versions') }}
    ),

    tickets as (
        select * from {{ ref('stg_support__tickets') }}
    ),

    campaign_touches as (
        select * from {{ ref('stg_marketing__campaign_touches') }}
    ),

    records as (
        select
            'events' as source_name,
            event_at as seen_at,
            user_id,
            trait_crm_id as crm_id,
            trait_member_id as member_id,
            trait_phone_hash as phone,
            trait_email_hash as email,
            trait_email_domain as email_domain,
            trait_wechat_unionid as wechat_unionid,
            trait_wechat_openid as wechat_openid,
            case
                when platform in ('{{ device_platforms | join("', '") }}') then device_id
            end as device_id,
            anonymous_id,
            case
                when previous_id <> coalesce(anonymous_id, '') then previous_id
            end as previous_anonymous_id
        from events

        union all

        select
            'orders' as source_name,
            ordered_at as seen_at,
            user_id,
            null as crm_id,
            member_id,
            phone_hash as phone,
            null as email,
            null as email_domain,
            null as wechat_unionid,
            null as wechat_openid,
            null as device_id,
            null as anonymous_id,
            null as previous_anonymous_id
        from orders

        union all

        select
            'customers' as source_name,
            updated_at as seen_at,
            null as user_id,
            crm_id,
            member_id,
            phone_hash as phone,
            email_hash as email,
            email_domain,
            null as wechat_unionid,
            null as wechat_openid,
            null as device_id,
            null as anonymous_id,
            null as previous_anonymous_id
        from customer_versions

        union all

        select
            'tickets' as source_name,
            created_at as seen_at,
            user_id,
            crm_id,
            null as member_id,
            phone_hash as phone,
            null as email,
            null as email_domain,
            null as wechat_unionid,
            null as wechat_openid,
            null as device_id,
            null as anonymous_id,
            null as previous_anonymous_id
        from tickets

        union all

        select
            'campaign_touches' as source_name,
            sent_at as seen_at,
            user_id,
            crm_id,
            null as member_id,
            phone_hash as phone,
            null as email,
            null as email_domain,
            null as wechat_unionid,
            null as wechat_openid,
            null as device_id,
            null as anonymous_id,
            null as previous_anonymous_id
        from campaign_touches
    )

    select
        source_name,
        {%- for slot in slots %}
            {{ slot.column }},
        {%- endfor %}
        email_domain,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        count(*) as count_observations
    from records
    where
        {%- for slot in slots %}
            {{ slot.column }} is not null{% if not loop.last %} or{% endif %}
        {%- endfor %}
    group by
        source_name,
        {%- for slot in slots %}
            {{ slot.column }},
        {%- endfor %}
        email_domain
{%- endmacro %}
