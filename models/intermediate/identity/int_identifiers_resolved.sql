{%- set suspicious_component_size = var('identity_suspicious_component_size') | int %}

with

identifiers_observed as (
    select * from {{ ref('int_identifiers_observed') }}
),

identifier_links_kept as (
    select * from {{ ref('int_identifier_links_kept') }}
),

-- integer node ids, so the propagation rounds join on integers rather than on long hashes
identifier_nodes as (
    select
        identifier_type,
        identifier_value,
        identifier_type || ':' || identifier_value as identifier_key,
        dense_rank() over (order by identifier_type || ':' || identifier_value) as node_id,
        first_seen_at,
        last_seen_at,
        count_observations,
        source_names
    from identifiers_observed
),

identifier_edges as (
    select
        node_a.node_id as node_a_id,
        node_b.node_id as node_b_id
    from identifier_links_kept
    inner join identifier_nodes as node_a
        on
            identifier_links_kept.identifier_a_type = node_a.identifier_type
            and identifier_links_kept.identifier_a_value = node_a.identifier_value
    inner join identifier_nodes as node_b
        on
            identifier_links_kept.identifier_b_type = node_b.identifier_type
            and identifier_links_kept.identifier_b_value = node_b.identifier_value
),

undirected_edges as (
    select
        node_a_id as node_id,
        node_b_id as neighbour_id
    from identifier_edges
    union all
    select
        node_b_id as node_id,
        node_a_id as neighbour_id
    from identifier_edges
),

{{ connected_components('identity_components', 'identifier_nodes', 'undirected_edges', 'identity_max_rounds') }},

-- a component is named after its smallest identifier key (the node with the smallest node_id)
identifiers_in_components as (
    select
        identifier_nodes.identifier_type,
        identifier_nodes.identifier_value,
        identifier_nodes.identifier_key,
        component_roots.identifier_key as component_id,
        identifier_nodes.first_seen_at,
        identifier_nodes.last_seen_at,
        identifier_nodes.count_observations,
        identifier_nodes.source_names,
        identity_components.label_settled_round
    from identifier_nodes
    inner join identity_components
        on identifier_nodes.node_id = identity_components.node_id
    inner join identifier_nodes as component_roots
        on identity_components.component_node_id = component_roots.node_id
),

-- the person is named after the component's earliest-seen identifier: stable while the component only
-- grows, and in a merge the person seen first keeps its id
identifiers_with_person_keys as (
    select
        *,
        first_value(identifier_key) over (
            partition by component_id
            order by first_seen_at asc nulls last, identifier_key asc
        ) as person_key,
        count(*) over (partition by component_id) as count_component_identifiers,
        max(label_settled_round) over (partition by component_id) as count_component_rounds
    from identifiers_in_components
),

final as (
    select
        identifier_type,
        identifier_value,
        component_id,
        'p_' || substr({{ dbt.hash('person_key') }}, 1, 16) as person_id,
        first_seen_at,
        last_seen_at,
        cast(count_observations as {{ dbt.type_bigint() }}) as count_observations,
        source_names,
        count_component_identifiers,
        count_component_identifiers > {{ suspicious_component_size }} as is_suspicious_component,
        count_component_rounds
    from identifiers_with_person_keys
)

select * from final
