{#- One row per funnel and person with a step 1 event (any_order funnels: an event of any step) in `matched` (rows of int_funnel_events_matched): the
    fingerprint of everything int_funnel_attempts_folded computes that pair's row from - its matched rows
    (their inputs_fingerprint: int_funnel_events_matched rewrites a pair's rows whenever it changes, so equal
    fingerprints mean equal rows), the funnel's settings in `funnel_steps` (order mode, conversion window,
    within session: the fold reads them, the matching does not) and the model's rules (macro
    model_rules_fingerprint: the fold's SQL, its macros, funnel_max_steps). Used by the model to find the
    pairs to fold and by its pre-hook to delete the stale ones. -#}
{% macro funnel_folded_inputs(matched, funnel_steps) -%}
    {%- set step_columns = [] -%}
    {%- for step in range(1, (var('funnel_max_steps') | int) + 1) -%}
        {%- do step_columns.append('coalesce(is_step_' ~ step ~ ', false)') -%}
    {%- endfor -%}
    select
        matched_groups.funnel_key,
        matched_groups.person_id,
        {{ row_fingerprint([
            'matched_groups.matched_inputs_fingerprint',
            'funnel_settings.order_mode',
            'funnel_settings.conversion_window_seconds',
            'funnel_settings.is_within_session',
            model_rules_fingerprint(),
        ]) }} as inputs_fingerprint
    from (
        select
            funnel_key,
            person_id,
            min(inputs_fingerprint) as matched_inputs_fingerprint,
            {{ dbt.bool_or('is_step_1') }} as has_step_1,
            {{ dbt.bool_or(step_columns | join(' or ')) }} as has_any_step
        from {{ matched }} as matched
        group by funnel_key, person_id
    ) as matched_groups
    inner join {{ funnel_steps }} as funnel_settings
        on matched_groups.funnel_key = funnel_settings.funnel_key and funnel_settings.step_number = 1
    where case when funnel_settings.order_mode = 'any_order' then matched_groups.has_any_step else matched_groups.has_step_1 end
{%- endmacro %}
