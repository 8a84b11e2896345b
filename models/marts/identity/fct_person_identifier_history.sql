{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='merge',
        unique_key=['identifier_type', 'identifier_value', 'person_id', 'valid_from'],
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ history_date_guard(this, as_of_date()) }}",
        post_hook="{{ history_cleanup(this) }}",
    )
}}

{#- Which person each identifier belonged to, per period, dated by the analysis date like the tag history:
    a new period whenever an identifier's person_id changes (a merge or a split), and the open one closed
    when the identifier leaves the graph (blocked, or its records gone). Person ids are deterministic, so a
    full refresh of the warehouse that rebuilds the same graph adds no period. Never fully refreshed.
    fct_person_merges reads it; int_persons_erased reads it (absorbed ids of forgotten identifiers) and its
    post-hook purges the forgotten persons and identifiers from it, since this model cannot depend on that
    list. -#}
with

person_identifiers as (
    select * from {{ ref('bdg_person_identifiers') }}
),

{% if is_incremental() -%}
previous_history as (
    select * from {{ this }}
),

{% endif -%}
current_identifiers as (
    select
        identifier_type,
        identifier_value,
        person_id
    from person_identifiers
),

history_changes as (
    {{ history_changes(
        'current_identifiers',
        'previous_history' if is_incremental() else none,
        ['identifier_type', 'identifier_value', 'person_id'],
        [],
        as_of_date(),
    ) }}
),

final as (
    select
        identifier_type,
        identifier_value,
        person_id,
        valid_from,
        valid_to,
        is_current
    from history_changes
)

select * from final
