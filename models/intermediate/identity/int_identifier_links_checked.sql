{%- set pair_columns = 'identifier_a_type, identifier_a_value, identifier_b_type, identifier_b_value' %}

with

links_observed as (
    select * from {{ ref('int_identifier_links_observed') }}
),

identifiers_observed as (
    select * from {{ ref('int_identifiers_observed') }}
),

overrides as (
    select * from {{ ref('identity_overrides') }}
),

link_limits as (
    select * from {{ ref('identity_link_limits') }}
),

events as (
    select * from {{ ref('stg_events__events') }}
),

customer_versions as (
    select * from {{ ref('stg_crm__customer_versions') }}
),

override_rows as (
    select
        lower(trim(action)) as action,
        trim(identifier_type) as identifier_type,
        trim(identifier_value) as identifier_value,
        trim(other_identifier_type) as other_identifier_type,
        trim(other_identifier_value) as other_identifier_value,
        {{ dbt.concat([
            "coalesce(decided_by, '?')", "' on '", "coalesce(cast(decided_on as " ~ dbt.type_string() ~ "), '?')",
            "': '", "coalesce(reason, '')",
        ]) }} as decision,
        decided_on
    from overrides
),

-- pair overrides (merges and pair splits) with the pair in stored order; the first decision per pair
override_pairs as (
    select
        action,
        case when is_first then identifier_type else other_identifier_type end as identifier_a_type,
        case when is_first then identifier_value else other_identifier_value end as identifier_a_value,
        case when is_first then other_identifier_type else identifier_type end as identifier_b_type,
        case when is_first then other_identifier_value else identifier_value end as identifier_b_value,
        decision,
        decided_on
    from (
        select
            *,
            {{ dbt.concat(['identifier_type', "':'", 'identifier_value']) }}
            < {{ dbt.concat(['other_identifier_type', "':'", 'other_identifier_value']) }} as is_first
        from override_rows
        where other_identifier_value is not null
    ) as pair_rows
    qualify
        row_number() over (
            partition by action, {{ pair_columns }}
            order by decided_on, decision
        ) = 1
),

override_merges as (
    select
        {{ pair_columns }},
        'override' as source_name,
        cast(decided_on as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(decided_on as {{ dbt.type_timestamp() }}) as last_seen_at,
        1 as count_observations
    from override_pairs
    where action = 'merge'
),

pair_splits as (
    select
        {{ pair_columns }},
        decision
    from override_pairs
    where action = 'split'
),

isolated_identifiers as (
    select
        identifier_type,
        identifier_value,
        decision
    from override_rows
    where action = 'split' and other_identifier_value is null
    qualify
        row_number() over (
            partition by identifier_type, identifier_value
            order by decided_on, decision
        ) = 1
),

links_by_source as (
    select
        {{ pair_columns }},
        source_name,
        first_seen_at,
        last_seen_at,
        count_observations
    from links_observed
    union all
    select * from override_merges
),

links as (
    select
        {{ pair_columns }},
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(count_observations) as {{ dbt.type_bigint() }}) as count_observations,
        {{ listagg_sorted('source_name') }} as source_names,
        {{ dbt.bool_or("source_name = 'override'") }} as is_override_merge
    from links_by_source
    group by {{ pair_columns }}
),

endpoints as (
    select
        identifier_a_type as identifier_type,
        identifier_a_value as identifier_value
    from links
    union
    select
        identifier_b_type as identifier_type,
        identifier_b_value as identifier_value
    from links
),

-- email hashes carry no domain; the blocked-domain rules need it from where the address was seen
email_domains as (
    select
        trait_email_hash as email_hash,
        trait_email_domain as email_domain
    from events
    where trait_email_hash is not null
    union
    select
        email_hash,
        email_domain
    from customer_versions
    where email_hash is not null
),

endpoints_with_domain as (
    select
        endpoints.identifier_type,
        endpoints.identifier_value,
        email_domains.email_domain
    from endpoints
    left join email_domains
        on
            endpoints.identifier_type = 'email'
            and endpoints.identifier_value = email_domains.email_hash
),

blocked_endpoints as (
    {{ blocked_identifier_matches('endpoints_with_domain') }}
),

-- the rules that do not depend on other links, in precedence order
screened_links as (
    select
        links.*,
        case
            when pair_splits.decision is not null or isolated_a.decision is not null or isolated_b.decision is not null
                then 'override_split'
            when blocked_a.identifier_value is not null or blocked_b.identifier_value is not null
                then 'blocked_value'
            when observed_a.identifier_value is null or observed_b.identifier_value is null
                then 'unobserved_identifier'
        end as screen_rule,
        case
            when pair_splits.decision is not null
                then {{ dbt.concat(["'split of the pair by '", 'pair_splits.decision']) }}
            when isolated_a.decision is not null
                then {{ dbt.concat([
                    "'isolation of '", 'links.identifier_a_type', "' '", 'links.identifier_a_value',
                    "' by '", 'isolated_a.decision',
                ]) }}
            when isolated_b.decision is not null
                then {{ dbt.concat([
                    "'isolation of '", 'links.identifier_b_type', "' '", 'links.identifier_b_value',
                    "' by '", 'isolated_b.decision',
                ]) }}
            when blocked_a.identifier_value is not null and blocked_b.identifier_value is not null
                then {{ dbt.concat([
                    "'blocked '", 'links.identifier_a_type', "' '", 'links.identifier_a_value',
                    "' ('", 'blocked_a.blocked_match_type', "' '", 'blocked_a.blocked_pattern', "'); '",
                    "'blocked '", 'links.identifier_b_type', "' '", 'links.identifier_b_value',
                    "' ('", 'blocked_b.blocked_match_type', "' '", 'blocked_b.blocked_pattern', "')'",
                ]) }}
            when blocked_a.identifier_value is not null
                then {{ dbt.concat([
                    "'blocked '", 'links.identifier_a_type', "' '", 'links.identifier_a_value',
                    "' ('", 'blocked_a.blocked_match_type', "' '", 'blocked_a.blocked_pattern', "')'",
                ]) }}
            when blocked_b.identifier_value is not null
                then {{ dbt.concat([
                    "'blocked '", 'links.identifier_b_type', "' '", 'links.identifier_b_value',
                    "' ('", 'blocked_b.blocked_match_type', "' '", 'blocked_b.blocked_pattern', "')'",
                ]) }}
            when observed_a.identifier_value is null
                then {{ dbt.concat([
                    "'merge names '", 'links.identifier_a_type', "' '", 'links.identifier_a_value',
                    "', which was never observed'",
                ]) }}
            when observed_b.identifier_value is null
                then {{ dbt.concat([
                    "'merge names '", 'links.identifier_b_type', "' '", 'links.identifier_b_value',
                    "', which was never observed'",
                ]) }}
        end as screen_detail
    from links
    left join pair_splits
        on
            links.identifier_a_type = pair_splits.identifier_a_type
            and links.identifier_a_value = pair_splits.identifier_a_value
            and links.identifier_b_type = pair_splits.identifier_b_type
            and links.identifier_b_value = pair_splits.identifier_b_value
    left join isolated_identifiers as isolated_a
        on
            links.identifier_a_type = isolated_a.identifier_type
            and links.identifier_a_value = isolated_a.identifier_value
    left join isolated_identifiers as isolated_b
        on
            links.identifier_b_type = isolated_b.identifier_type
            and links.identifier_b_value = isolated_b.identifier_value
    left join blocked_endpoints as blocked_a
        on
            links.identifier_a_type = blocked_a.identifier_type
            and links.identifier_a_value = blocked_a.identifier_value
    left join blocked_endpoints as blocked_b
        on
            links.identifier_b_type = blocked_b.identifier_type
            and links.identifier_b_value = blocked_b.identifier_value
    left join identifiers_observed as observed_a
        on
            links.identifier_a_type = observed_a.identifier_type
            and links.identifier_a_value = observed_a.identifier_value
    left join identifiers_observed as observed_b
        on
            links.identifier_b_type = observed_b.identifier_type
            and links.identifier_b_value = observed_b.identifier_value
),

-- link limits count the links that survived the rules above, override merges included (a person's
-- decision is evidence too), but never drop an override merge
limited_links as (
    select * from screened_links
    where screen_rule is null
),

link_ends as (
    select
        identifier_a_type as identifier_type,
        identifier_a_value as identifier_value,
        identifier_b_type as linked_identifier_type
    from limited_links
    union all
    select
        identifier_b_type as identifier_type,
        identifier_b_value as identifier_value,
        identifier_a_type as linked_identifier_type
    from limited_links
),

limit_breaches as (
    select
        link_ends.identifier_type,
        link_ends.identifier_value,
        link_ends.linked_identifier_type,
        {{ dbt.concat([
            'link_ends.identifier_type', "' '", 'link_ends.identifier_value', "' links '",
            'cast(count(*) as ' ~ dbt.type_string() ~ ')', "' '", 'link_ends.linked_identifier_type',
            "' (limit '", 'cast(link_limits.max_linked_identifiers as ' ~ dbt.type_string() ~ ')', "')'",
        ]) }} as breach_detail
    from link_ends
    inner join link_limits
        on
            link_ends.identifier_type = link_limits.identifier_type
            and link_ends.linked_identifier_type = link_limits.linked_identifier_type
    group by
        link_ends.identifier_type,
        link_ends.identifier_value,
        link_ends.linked_identifier_type,
        link_limits.max_linked_identifiers
    having count(*) > link_limits.max_linked_identifiers
),

checked_links as (
    select
        screened_links.*,
        case
            when breach_a.breach_detail is not null and breach_b.breach_detail is not null
                then {{ dbt.concat(['breach_a.breach_detail', "'; '", 'breach_b.breach_detail']) }}
            else coalesce(breach_a.breach_detail, breach_b.breach_detail)
        end as limit_detail
    from screened_links
    left join limit_breaches as breach_a
        on
            screened_links.screen_rule is null
            and not screened_links.is_override_merge
            and screened_links.identifier_a_type = breach_a.identifier_type
            and screened_links.identifier_a_value = breach_a.identifier_value
            and screened_links.identifier_b_type = breach_a.linked_identifier_type
    left join limit_breaches as breach_b
        on
            screened_links.screen_rule is null
            and not screened_links.is_override_merge
            and screened_links.identifier_b_type = breach_b.identifier_type
            and screened_links.identifier_b_value = breach_b.identifier_value
            and screened_links.identifier_a_type = breach_b.linked_identifier_type
),

final as (
    select
        identifier_a_type,
        identifier_a_value,
        identifier_b_type,
        identifier_b_value,
        first_seen_at,
        last_seen_at,
        count_observations,
        source_names,
        coalesce(screen_rule, case when limit_detail is not null then 'link_limit' end) as drop_rule,
        coalesce(screen_detail, limit_detail) as drop_detail
    from checked_links
)

select * from final
