{%- set identifier_types = [
    'anonymous_id', 'user_id', 'device_id', 'phone', 'email',
    'wechat_openid', 'wechat_unionid', 'crm_id', 'member_id',
] %}
{#- an identifier lists at most every raw source once -#}
{%- set max_source_names = source_staging_models() | length %}

with

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

identifier_links_checked as (
    select * from {{ ref('int_identifier_links_checked') }}
),

persons_erased as (
    select * from {{ ref('int_persons_erased') }}
),

source_positions as (
    {%- for position in range(1, max_source_names + 1) %}
        select {{ position }} as source_position
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- the union of the identifiers' source lists, without exploding arrays (not portable)
person_sources as (
    select distinct
        identifiers_resolved.person_id,
        {{ list_element("split(identifiers_resolved.source_names, ',')", 'source_positions.source_position') }}
            as source_name
    from identifiers_resolved
    cross join source_positions
),

person_source_lists as (
    select
        person_id,
        {{ listagg_sorted('source_name') }} as source_names
    from person_sources
    where source_name is not null and source_name <> ''
    group by person_id
),

dropped_link_endpoints as (
    select
        identifier_a_type as identifier_type,
        identifier_a_value as identifier_value,
        drop_rule,
        drop_detail
    from identifier_links_checked
    where drop_rule in ('blocked_value', 'link_limit')

    union all

    select
        identifier_b_type as identifier_type,
        identifier_b_value as identifier_value,
        drop_rule,
        drop_detail
    from identifier_links_checked
    where drop_rule in ('blocked_value', 'link_limit')
),

-- A shared identifier (kiosk device, shared browser) is the one a link limit names at the start of the
-- drop detail ('device_id kiosk-SH-01 links 28 user_id (limit 3)'), not the users on the other side.
-- A blocked value (test account) is never resolved, so only the identifiers seen with it are flagged.
flagged_identifiers as (
    select
        identifier_type,
        identifier_value,
        count(
            case
                when
                    drop_rule = 'link_limit'
                    and {{ dbt.position("identifier_type || ' ' || identifier_value || ' links '", 'drop_detail') }} = 1
                    then 1
            end
        ) > 0 as is_shared_identifier,
        count(case when drop_rule = 'blocked_value' then 1 end) > 0 as is_linked_to_blocked_value
    from dropped_link_endpoints
    group by identifier_type, identifier_value
),

person_flags as (
    select
        identifiers_resolved.person_id,
        {{ dbt.bool_or('coalesce(flagged_identifiers.is_shared_identifier, false)') }} as has_shared_identifier,
        {{ dbt.bool_or('coalesce(flagged_identifiers.is_linked_to_blocked_value, false)') }}
            as is_linked_to_blocked_identifier
    from identifiers_resolved
    left join flagged_identifiers
        on
            identifiers_resolved.identifier_type = flagged_identifiers.identifier_type
            and identifiers_resolved.identifier_value = flagged_identifiers.identifier_value
    group by identifiers_resolved.person_id
),

persons as (
    select
        person_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as count_identifiers,
        {%- for identifier_type in identifier_types %}
            count(case when identifier_type = '{{ identifier_type }}' then 1 end) as count_{{ identifier_type }}s,
        {%- endfor %}
        {{ dbt.bool_or('is_suspicious_component') }} as is_suspicious_component
    from identifiers_resolved
    group by person_id
),

final as (
    select
        persons.person_id,
        persons.first_seen_at,
        persons.last_seen_at,
        persons.count_identifiers,
        {%- for identifier_type in identifier_types %}
            persons.count_{{ identifier_type }}s,
        {%- endfor %}
        person_source_lists.source_names,
        persons.is_suspicious_component,
        person_flags.has_shared_identifier,
        person_flags.is_linked_to_blocked_identifier
    from persons
    left join person_source_lists
        on persons.person_id = person_source_lists.person_id
    left join person_flags
        on persons.person_id = person_flags.person_id
    -- persons named by an erasure request are forgotten
    left join persons_erased
        on persons.person_id = persons_erased.person_id
    where persons_erased.person_id is null
)

select * from final
