{#- One row per funnel and person with a match in `matches` (rows of macro funnel_step_matches): the
    fingerprint of everything int_funnel_events_matched computes that person's rows of that funnel from -
    the matches themselves (event, session, time, day, step or exclusion: so the funnel definitions, the
    property filters and the date range count only where they change a match), the order of ALL the
    person's events in `events` (event_id, event_at: person_event_number numbers every active event, so an
    event that matches nothing still moves the numbers after it) and the model's rules (macro
    model_rules_fingerprint: its SQL, the macros it calls, funnel_max_steps and the other vars they name).
    Used by the model to find the pairs to recompute and by its pre-hook to delete the stale ones. -#}
{% macro funnel_matched_inputs(matches, events) -%}
    select
        match_groups.funnel_key,
        match_groups.person_id,
        {{ row_fingerprint([
            'match_groups.matches_fingerprint', 'event_orders.event_order_fingerprint', model_rules_fingerprint()
        ]) }} as inputs_fingerprint
    from (
        select
            funnel_key,
            person_id,
            {{ group_rows_fingerprint(['event_id', 'session_id', 'event_at', 'event_date', 'step_number', 'is_exclusion']) }}
                as matches_fingerprint
        from {{ matches }} as matches
        group by funnel_key, person_id
    ) as match_groups
    inner join (
        select
            person_id,
            {{ group_rows_fingerprint(['event_id', 'event_at']) }} as event_order_fingerprint
        from {{ events }} as events
        group by person_id
    ) as event_orders on match_groups.person_id = event_orders.person_id
{%- endmacro %}
