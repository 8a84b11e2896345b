{#- SELECT of one row per source and distinct combination of identifiers seen together on one record
    (an event, an order, a CRM customer version, a ticket, a campaign touch), with when it was first and
    last seen and on how many records. Grouping first is what keeps the identity graph cheap: millions of
    events collapse to one row per combination before any link or node is derived from them.
    Columns: source_name, the identifier_slots() columns, email_domain (of the email hash, for the
    blocked-value rules), first_seen_at, last_seen_at, count_observations.
    Device ids are taken from app events only (var identity_device_id_platforms, default ios and android).
    An alias call's previousId (kept when it differs from its anonymousId and its userId) is the id the
    person was known by before: Segment allows an anonymousId or an earlier userId (a login-id migration
    sends alias(previousId = old userId, userId = new userId)). It fills the slot of the type it was seen as
    on any record of any source - previous_user_id when seen as a user_id, previous_anonymous_id when seen
    as an anonymousId, both when seen as both, previous_anonymous_id when seen as neither (Segment's usual
    case: the anonymous id of a visitor whose other events have not arrived). -#}
{% macro identifier_combinations() -%}
    {%- set device_platforms = var('identity_device_id_platforms', ['ios', 'android']) -%}
    {%- set record_slots = identifier_slots() | rejectattr('column', 'in', ['previous_user_id', 'previous_anonymous_id']) | list -%}
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
                when previous_id <> coalesce(anonymous_id, '') and previous_id <> coalesce(user_id, '') then previous_id
            end as alias_previous_id
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
            null as alias_previous_id
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
            null as alias_previous_id
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
            null as alias_previous_id
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
            null as alias_previous_id
        from campaign_touches
    ),

    grouped as (
        select
            source_name,
            {%- for slot in record_slots %}
                {{ slot.column }},
            {%- endfor %}
            alias_previous_id,
            email_domain,
            min(seen_at) as first_seen_at,
            max(seen_at) as last_seen_at,
            count(*) as count_observations
        from records
        where
            {%- for slot in record_slots %}
                {{ slot.column }} is not null or
            {%- endfor %}
            alias_previous_id is not null
        group by
            source_name,
            {%- for slot in record_slots %}
                {{ slot.column }},
            {%- endfor %}
            alias_previous_id,
            email_domain
    ),

    -- the types each alias previousId was seen as, on any record (few rows: alias calls are rare)
    previous_ids as (
        select distinct alias_previous_id as identifier_value
        from grouped
        where alias_previous_id is not null
    ),

    previous_ids_seen as (
        select distinct
            previous_ids.identifier_value,
            grouped.user_id = previous_ids.identifier_value as is_user_id,
            grouped.anonymous_id = previous_ids.identifier_value as is_anonymous_id
        from previous_ids
        inner join grouped
            on
                grouped.user_id = previous_ids.identifier_value
                or grouped.anonymous_id = previous_ids.identifier_value
    ),

    previous_id_types as (
        select
            identifier_value,
            {{ dbt.bool_or('coalesce(is_user_id, false)') }} as is_user_id,
            {{ dbt.bool_or('coalesce(is_anonymous_id, false)') }} as is_anonymous_id
        from previous_ids_seen
        group by identifier_value
    )

    select
        grouped.source_name,
        {%- for slot in record_slots %}
            grouped.{{ slot.column }},
        {%- endfor %}
        case
            when coalesce(previous_id_types.is_user_id, false) then grouped.alias_previous_id
        end as previous_user_id,
        case
            when
                coalesce(previous_id_types.is_anonymous_id, false)
                or not coalesce(previous_id_types.is_user_id, false)
                then grouped.alias_previous_id
        end as previous_anonymous_id,
        grouped.email_domain,
        grouped.first_seen_at,
        grouped.last_seen_at,
        grouped.count_observations
    from grouped
    left join previous_id_types on grouped.alias_previous_id = previous_id_types.identifier_value
{%- endmacro %}
