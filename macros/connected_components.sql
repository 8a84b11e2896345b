{#- Connected components of an undirected graph as a chain of CTEs: no recursive SQL, so it runs on DuckDB
    and Spark alike. `nodes` names a CTE (or relation) with one row per node and an integer node_id;
    `edges` one with node_id, neighbour_id holding every edge in both directions.

    Every node carries a label, at first itself. Each round (the FastSV scheme, Zhang, Azad and Hu 2020):
    pointer jumping - every node reads the label of its label; then min-label propagation - a node takes
    the smallest such jumped label among itself and its neighbours, and its current label takes it too
    (hooking: the whole tree under that label moves at once). Plain min-label propagation, even with
    jumping, needs rounds in proportion to a path's length when keys are in random order along it (901
    rounds for 3000 nodes); this settles in about log2(n) + 2 rounds (13 for 3000, 20 for 300 000).

    The rounds are unrolled var(max_rounds_var) times. Once a round changes no label the labels are final:
    every node holds the smallest node_id of its component. When the last round still changed one,
    reading the labels raises an error naming the var, so the build fails instead of splitting
    components silently.

    Emits the CTEs <name>_round_0 .. <name>_round_<n> (with their helpers) and, last, <name>: node_id,
    component_node_id (the smallest node_id of its component) and label_settled_round (the last round
    that changed the node's label, 0 when none did; the largest is the number of rounds the graph
    needed). The caller writes the comma after it.

    Dispatched: this default variant (DuckDB) computes every round CTE once (materialized_cte()); Spark
    inlines each reference, and a round here reads the previous one several times, so the spark variant
    below reads it once. -#}
{% macro connected_components(name, nodes, edges, max_rounds_var) -%}
    {{ return(adapter.dispatch('connected_components')(name, nodes, edges, max_rounds_var)) }}
{%- endmacro %}

{% macro default__connected_components(name, nodes, edges, max_rounds_var) -%}
{%- set max_rounds = var(max_rounds_var) | int -%}
{%- if max_rounds < 1 -%}
    {{ exceptions.raise_compiler_error("var " ~ max_rounds_var ~ " must be at least 1, got " ~ max_rounds) }}
{%- endif -%}
{{ name }}_round_0 as {{ materialized_cte() }}(
    select
        node_id,
        node_id as label,
        0 as label_settled_round
    from {{ nodes }}
),
{%- for round_number in range(1, max_rounds + 1) %}
{%- set previous_round = name ~ '_round_' ~ (round_number - 1) %}

{{ name }}_jumped_{{ round_number }} as {{ materialized_cte() }}(
    select
        {{ previous_round }}.node_id,
        {{ previous_round }}.label,
        {{ previous_round }}.label_settled_round,
        label_nodes.label as jumped_label
    from {{ previous_round }}
    inner join {{ previous_round }} as label_nodes
        on {{ previous_round }}.label = label_nodes.node_id
),

{{ name }}_hooks_{{ round_number }} as {{ materialized_cte() }}(
    select
        candidates.node_id,
        max(candidates.label) as label,
        max(candidates.label_settled_round) as label_settled_round,
        min(candidates.jumped_label) as hook_label
    from (
        select
            node_id,
            label,
            label_settled_round,
            jumped_label
        from {{ name }}_jumped_{{ round_number }}
        union all
        select
            {{ edges }}.node_id,
            null as label,
            null as label_settled_round,
            neighbours.jumped_label
        from {{ edges }}
        inner join {{ name }}_jumped_{{ round_number }} as neighbours
            on {{ edges }}.neighbour_id = neighbours.node_id
    ) as candidates
    group by candidates.node_id
),

{{ name }}_round_{{ round_number }} as {{ materialized_cte() }}(
    select
        targets.node_id,
        min(targets.hook_label) as label,
        case
            when min(targets.hook_label) <> max(targets.label) then {{ round_number }}
            else max(targets.label_settled_round)
        end as label_settled_round
    from (
        select
            node_id,
            label,
            label_settled_round,
            hook_label
        from {{ name }}_hooks_{{ round_number }}
        union all
        -- hooking: the node's label (a node of the same component) takes the node's hook label as well
        select
            label as node_id,
            null as label,
            null as label_settled_round,
            hook_label
        from {{ name }}_hooks_{{ round_number }}
    ) as targets
    group by targets.node_id
),
{%- endfor %}

{{ _connected_components_result(name, max_rounds, max_rounds_var) }}
{%- endmacro %}

{#- Spark inlines every reference to a CTE, so the chain above (each round reads the previous one several
    times) has a plan that doubles with every round. Here a round reads the previous round once: every node
    row carries its neighbour ids (collected once, before round 0), and each of the three steps of a round
    sends offers with a generator (inline of an array of structs: one row to the node itself, one to its
    label or one per neighbour) and lets the receiver pick the smallest with a window over the receiving
    node, keeping only the node's own row. No self-join, so the plan grows by a fixed amount per round.
    The result, label_settled_round and the convergence error are those of the default variant. -#}
{% macro spark__connected_components(name, nodes, edges, max_rounds_var) -%}
{%- set max_rounds = var(max_rounds_var) | int -%}
{%- if max_rounds < 1 -%}
    {{ exceptions.raise_compiler_error("var " ~ max_rounds_var ~ " must be at least 1, got " ~ max_rounds) }}
{%- endif -%}
{%- set node_fields = "'node_id', node_id, 'label', label, 'label_settled_round', label_settled_round, "
    ~ "'neighbour_ids', neighbour_ids" -%}
{%- set no_node_fields = "'node_id', cast(null as bigint), 'label', cast(null as bigint), "
    ~ "'label_settled_round', cast(null as int), 'neighbour_ids', cast(null as array<bigint>)" -%}
{{ name }}_adjacency as (
    select
        node_id,
        collect_list(cast(neighbour_id as bigint)) as neighbour_ids
    from {{ edges }}
    group by node_id
),

{{ name }}_round_0 as (
    select
        cast(graph_nodes.node_id as bigint) as node_id,
        cast(graph_nodes.node_id as bigint) as label,
        0 as label_settled_round,
        coalesce({{ name }}_adjacency.neighbour_ids, cast(array() as array<bigint>)) as neighbour_ids
    from {{ nodes }} as graph_nodes
    left join {{ name }}_adjacency
        on graph_nodes.node_id = {{ name }}_adjacency.node_id
),
{%- for round_number in range(1, max_rounds + 1) %}
{%- set previous_round = name ~ '_round_' ~ (round_number - 1) %}

-- pointer jumping: a node asks its label for the label's label; the label's own row answers
{{ name }}_jump_requests_{{ round_number }} as (
    select inline(array(
        named_struct('receiver_id', node_id, 'is_request', false, {{ node_fields }}),
        named_struct('receiver_id', label, 'is_request', true, {{ node_fields }})
    ))
    from {{ previous_round }}
),

{{ name }}_jumped_{{ round_number }} as (
    select
        node_id,
        label,
        label_settled_round,
        neighbour_ids,
        jumped_label
    from (
        select
            *,
            max(case when not is_request then label end) over (partition by receiver_id) as jumped_label
        from {{ name }}_jump_requests_{{ round_number }}
    ) as answered
    where is_request
),

-- min-label propagation: a node offers its jumped label to itself and to every neighbour
{{ name }}_hook_offers_{{ round_number }} as (
    select inline(concat(
        array(named_struct('receiver_id', node_id, 'is_own', true, {{ node_fields }}, 'offered_label', jumped_label)),
        transform(
            neighbour_ids,
            neighbour_id -> named_struct(
                'receiver_id', neighbour_id, 'is_own', false, {{ no_node_fields }}, 'offered_label', jumped_label
            )
        )
    ))
    from {{ name }}_jumped_{{ round_number }}
),

{{ name }}_hooks_{{ round_number }} as (
    select
        node_id,
        label,
        label_settled_round,
        neighbour_ids,
        hook_label
    from (
        select
            *,
            min(offered_label) over (partition by receiver_id) as hook_label
        from {{ name }}_hook_offers_{{ round_number }}
    ) as offered
    where is_own
),

-- hooking: a node offers its hook label to itself and to its label (a node of the same component)
{{ name }}_label_offers_{{ round_number }} as (
    select inline(array(
        named_struct('receiver_id', node_id, 'is_own', true, {{ node_fields }}, 'offered_label', hook_label),
        named_struct('receiver_id', label, 'is_own', false, {{ no_node_fields }}, 'offered_label', hook_label)
    ))
    from {{ name }}_hooks_{{ round_number }}
),

{{ name }}_round_{{ round_number }} as (
    select
        node_id,
        new_label as label,
        case
            when new_label <> label then {{ round_number }}
            else label_settled_round
        end as label_settled_round,
        neighbour_ids
    from (
        select
            *,
            min(offered_label) over (partition by receiver_id) as new_label
        from {{ name }}_label_offers_{{ round_number }}
    ) as offered
    where is_own
),
{%- endfor %}

{{ _connected_components_result(name, max_rounds, max_rounds_var) }}
{%- endmacro %}


{#- The last two CTEs of both variants: the convergence check over the last round and the labels it
    vouches for (an error naming the var when a label still changed in the last round). -#}
{% macro _connected_components_result(name, max_rounds, max_rounds_var) -%}
{{ name }}_convergence as (
    select max(label_settled_round) as last_changing_round
    from {{ name }}_round_{{ max_rounds }}
),

{{ name }} as (
    select
        last_round.node_id,
        case
            when {{ name }}_convergence.last_changing_round < {{ max_rounds }} then last_round.label
            else {{ raise_error("'connected_components(" ~ name ~ ") did not converge within " ~ max_rounds
                ~ " rounds (a label still changed in the last round): raise var " ~ max_rounds_var
                ~ " and rebuild'") }}
        end as component_node_id,
        last_round.label_settled_round
    from {{ name }}_round_{{ max_rounds }} as last_round
    cross join {{ name }}_convergence
)
{%- endmacro %}
