{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='merge',
        unique_key=['identifier_type', 'identifier_value'],
        on_schema_change='append_new_columns',
        post_hook=[
            "{% if model.config.materialized == 'incremental' %}
            delete from {{ this }} where not exists (
                select 1 from {{ ref('int_identifiers_observed') }} as observed
                where observed.identifier_type = {{ this }}.identifier_type
                    and observed.identifier_value = {{ this }}.identifier_value
            )
            {% endif %}",
        ],
    )
}}

{%- set suspicious_component_size = var('identity_suspicious_component_size') | int %}
{#- the incremental path reads the neighbourhood fingerprints of the previous build: a table built before
    they existed is resolved in full once (every row rewritten, the new columns appended) -#}
{%- set previous_column_names = [] %}
{%- if is_incremental() and execute and this is not string %}
    {%- for column in adapter.get_columns_in_relation(this) %}
        {%- do previous_column_names.append(column.name | lower) %}
    {%- endfor %}
{%- endif %}
{%- set resolves_incrementally = is_incremental() and (
    'neighbour_fingerprint' in previous_column_names or not execute or previous_column_names | length == 0
) %}

with

identifiers_observed as (
    select * from {{ ref('int_identifiers_observed') }}
),

identifier_links_kept as (
    select * from {{ ref('int_identifier_links_kept') }}
),

{% if resolves_incrementally %}
previous_identifiers_resolved as (
    select * from {{ this }}
),

{% endif %}
identifier_keys as (
    select
        identifier_type,
        identifier_value,
        identifier_type || ':' || identifier_value as identifier_key,
        first_seen_at,
        last_seen_at,
        count_observations,
        source_names
    from identifiers_observed
),

-- kept links between observed identifiers only (a link to an identifier that is not observed adds nothing)
keyed_links as (
    select
        key_a.identifier_key as key_a,
        key_b.identifier_key as key_b
    from identifier_links_kept
    inner join identifier_keys as key_a
        on
            identifier_links_kept.identifier_a_type = key_a.identifier_type
            and identifier_links_kept.identifier_a_value = key_a.identifier_value
    inner join identifier_keys as key_b
        on
            identifier_links_kept.identifier_b_type = key_b.identifier_type
            and identifier_links_kept.identifier_b_value = key_b.identifier_value
),

-- each link seen from both of its ends
neighbour_keys as (
    select
        key_a as identifier_key,
        key_b as neighbour_key
    from keyed_links
    union all
    select
        key_b as identifier_key,
        key_a as neighbour_key
    from keyed_links
),

-- an identifier's neighbourhood in one value: the next build compares it to find the identifiers whose
-- links changed
neighbourhoods as (
    select
        identifier_key,
        {{ listagg_sorted('neighbour_key') }} as neighbour_keys
    from neighbour_keys
    group by identifier_key
),

identifiers_fingerprinted as (
    select
        identifier_keys.*,
        {{ dbt.hash("coalesce(neighbourhoods.neighbour_keys, '')") }} as neighbour_fingerprint
    from identifier_keys
    left join neighbourhoods
        on identifier_keys.identifier_key = neighbourhoods.identifier_key
),

{% if resolves_incrementally %}
-- new identifiers, and those whose links or first sighting (which names the person) changed
identifiers_touched as (
    select
        identifiers_fingerprinted.identifier_key,
        previous_identifiers_resolved.component_id as previous_component_id
    from identifiers_fingerprinted
    left join previous_identifiers_resolved
        on
            identifiers_fingerprinted.identifier_type = previous_identifiers_resolved.identifier_type
            and identifiers_fingerprinted.identifier_value = previous_identifiers_resolved.identifier_value
    where
        previous_identifiers_resolved.component_id is null
        or identifiers_fingerprinted.neighbour_fingerprint <> previous_identifiers_resolved.neighbour_fingerprint
        or identifiers_fingerprinted.first_seen_at is distinct from previous_identifiers_resolved.first_seen_at
),

-- the previous components of touched identifiers: together with the new identifiers they hold every
-- current component that changed (a link that changed touches both its ends, and an unchanged one joins
-- two identifiers of one previous component), so the other components stay as they are
components_affected as (
    select distinct previous_component_id as component_id
    from identifiers_touched
    where previous_component_id is not null
),

{% endif %}
identifiers_to_resolve as (
    select identifiers_fingerprinted.*
    from identifiers_fingerprinted
    {% if resolves_incrementally -%}
        left join previous_identifiers_resolved
            on
                identifiers_fingerprinted.identifier_type = previous_identifiers_resolved.identifier_type
                and identifiers_fingerprinted.identifier_value = previous_identifiers_resolved.identifier_value
        left join components_affected
            on previous_identifiers_resolved.component_id = components_affected.component_id
        where
            previous_identifiers_resolved.component_id is null
            or components_affected.component_id is not null
    {%- endif %}
),

-- integer node ids, so the propagation rounds join on integers rather than on long hashes
identifier_nodes as (
    select
        *,
        dense_rank() over (order by identifier_key) as node_id
    from identifiers_to_resolve
),

undirected_edges as (
    select
        nodes.node_id,
        neighbour_nodes.node_id as neighbour_id
    from neighbour_keys
    inner join identifier_nodes as nodes
        on neighbour_keys.identifier_key = nodes.identifier_key
    inner join identifier_nodes as neighbour_nodes
        on neighbour_keys.neighbour_key = neighbour_nodes.identifier_key
),

{{ connected_components('identity_components', 'identifier_nodes', 'undirected_edges', 'identity_max_rounds') }},

-- a component is named after its smallest identifier key (the node with the smallest node_id); node ids
-- keep the key order within every component, so an incremental build names and resolves it as a full one
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
        identifier_nodes.neighbour_fingerprint,
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

identifiers_resolved as (
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
        count_component_rounds,
        neighbour_fingerprint
    from identifiers_with_person_keys
),

{% if resolves_incrementally %}
-- identifiers of unchanged components keep their component and person; only their evidence is refreshed,
-- and only the rows whose evidence changed are rewritten
identifiers_with_new_evidence as (
    select
        previous_identifiers_resolved.identifier_type,
        previous_identifiers_resolved.identifier_value,
        previous_identifiers_resolved.component_id,
        previous_identifiers_resolved.person_id,
        identifiers_fingerprinted.first_seen_at,
        identifiers_fingerprinted.last_seen_at,
        cast(identifiers_fingerprinted.count_observations as {{ dbt.type_bigint() }}) as count_observations,
        identifiers_fingerprinted.source_names,
        previous_identifiers_resolved.count_component_identifiers,
        previous_identifiers_resolved.is_suspicious_component,
        previous_identifiers_resolved.count_component_rounds,
        previous_identifiers_resolved.neighbour_fingerprint
    from identifiers_fingerprinted
    inner join previous_identifiers_resolved
        on
            identifiers_fingerprinted.identifier_type = previous_identifiers_resolved.identifier_type
            and identifiers_fingerprinted.identifier_value = previous_identifiers_resolved.identifier_value
    left join identifiers_to_resolve
        on identifiers_fingerprinted.identifier_key = identifiers_to_resolve.identifier_key
    where
        identifiers_to_resolve.identifier_key is null
        and (
            identifiers_fingerprinted.last_seen_at is distinct from previous_identifiers_resolved.last_seen_at
            or identifiers_fingerprinted.count_observations
            is distinct from previous_identifiers_resolved.count_observations
            or identifiers_fingerprinted.source_names is distinct from previous_identifiers_resolved.source_names
        )
),

{% endif %}
final as (
    select * from identifiers_resolved
    {% if resolves_incrementally -%}
        union all
        select * from identifiers_with_new_evidence
    {%- endif %}
)

select * from final
