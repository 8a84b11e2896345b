{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='merge',
        unique_key=['segment_key', 'person_id', 'valid_from'],
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ history_date_guard(this, as_of_date()) }}",
        post_hook="{{ history_cleanup(this, ref('int_persons_erased')) }}",
    )
}}

{#- One row per segment, person and membership period, dated by the analysis date (history_changes). Never
    fully refreshed: the history cannot be rebuilt from today's inputs. -#}
-- depends_on: {{ ref('int_persons_erased') }}

with

segment_members as (
    select * from {{ ref('int_segment_members_evaluated') }}
),

{% if is_incremental() -%}
previous_memberships as (
    select * from {{ this }}
),

{% endif -%}
history_changes as (
    {{ history_changes(
        'segment_members',
        'previous_memberships' if is_incremental() else none,
        ['segment_key', 'person_id'],
        [],
        as_of_date(),
    ) }}
),

final as (
    select
        segment_key,
        person_id,
        valid_from,
        valid_to,
        is_current
    from history_changes
)

select * from final
