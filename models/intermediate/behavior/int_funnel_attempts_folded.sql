{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook=[
            "{{ delete_rows_of_changed_inputs(
                funnel_folded_inputs(ref('int_funnel_events_matched'), ref('int_funnel_steps_parsed')),
                ['funnel_key', 'person_id']
            ) }}",
        ],
    )
}}

{#- One row per funnel and person with a step 1 event (any_order: any step's event) in the analysis range: how
    far the person got, from ONE ordered pass over their matched events (int_funnel_events_matched, in (event_at, event_id) order): a
    fold (DuckDB list_reduce / Spark aggregate) with a struct state, as ClickHouse's windowFunnel does.
    sequential / strict: per level k the state keeps the latest-starting attempt that reached step k. An
    event matching step k extends level k-1's attempt when it lies within the window of the attempt's step 1
    (the window's end counts), and - strict - is the person's next active event after the attempt's last
    step, - within_session - is in the attempt's step 1 session, and no exclusion event came after the
    attempt's last step. Every level is computed from the state before the event, so an event matching several
    steps serves as one step of an attempt only. The person's attempt is the highest level at the end (the
    latest-starting one on that level).
    any_order (PostHog's unordered funnel): the state keeps each step's latest event; after each event the
    level is the number of distinct steps with an event no older than the window (and after the latest
    exclusion event), whichever step came first; the best level is kept (the later start on a tie), its
    step_k_at being the k-th of its steps in time order.
    Exclusions: an exclusion event between two steps of an attempt (within its window) voids it; the attempt's
    part before the exclusion still counts as the person's level, but is_excluded marks the person, and the
    marts count an excluded person at no step of the funnel (rpt_funnel_steps, the funnel metrics), as PostHog
    and Mixpanel do; fct_person_funnel_progress keeps the row for audit.

    Incremental, and always equal to a full rebuild: a pair's row depends only on its matched rows, the
    funnel's settings and the fold's rules, which inputs_fingerprint (macro funnel_folded_inputs) hashes;
    every row stores it. The pre-hook deletes the pairs whose fingerprint is not current (their matched rows
    were rewritten, the funnel's order mode, window or within_session changed, or the pair has no step 1
    any more); the select folds the pairs not stored with their current fingerprint. A one-day build folds
    the pairs int_funnel_events_matched rewrote; a changed conversion window refolds that funnel only.
    Spark: Delta tables; on Parquet the model is a table (incremental_materialization). -#}
{%- set max_steps = var('funnel_max_steps') | int %}
{%- set no_times = list_of(['cast(null as ' ~ dbt.type_bigint() ~ ')']) %}
{%- set empty_chain = funnel_chain(
    0, 'cast(null as ' ~ dbt.type_bigint() ~ ')', 'cast(null as ' ~ dbt.type_bigint() ~ ')',
    'cast(null as ' ~ dbt.type_string() ~ ')', no_times
) %}

{%- set initial_fields = [
    ('order_mode', 'cast(funnel_settings.order_mode as ' ~ dbt.type_string() ~ ')'),
    ('window_us', 'cast(funnel_settings.conversion_window_seconds * 1000000 as ' ~ dbt.type_bigint() ~ ')'),
    ('within_session', 'funnel_settings.is_within_session'),
    ('last_exclusion_seq', 'cast(0 as ' ~ dbt.type_bigint() ~ ')'),
    ('last_at_us', 'cast(null as ' ~ dbt.type_bigint() ~ ')'),
    ('last_session_id', 'cast(null as ' ~ dbt.type_string() ~ ')'),
] %}
{%- set next_fields = [
    ('order_mode', 'acc.order_mode'),
    ('window_us', 'acc.window_us'),
    ('within_session', 'acc.within_session'),
    ('last_exclusion_seq', '(case when x.is_exclusion then x.seq else acc.last_exclusion_seq end)'),
    ('last_at_us', 'x.at_us'),
    ('last_session_id', 'x.session_id'),
] %}
{%- for level in range(1, max_steps + 1) %}
    {%- do initial_fields.append(('c' ~ level, empty_chain)) %}
    {%- do next_fields.append(('c' ~ level, funnel_fold_expression('next_attempt', 'acc', level))) %}
{%- endfor %}
{%- do initial_fields.append(('best', empty_chain)) %}
{%- do next_fields.append(('best',
    "(case when acc.order_mode = 'any_order' then " ~ funnel_fold_expression('any_order_best', 'acc') ~ ' else acc.best end)'
)) %}
{%- do initial_fields.append(('max_blocked_level', 'cast(0 as ' ~ dbt.type_bigint() ~ ')')) %}
{%- do next_fields.append(('max_blocked_level',
    '(case when acc.last_exclusion_seq = 0 then acc.max_blocked_level'
    ~ " when acc.order_mode = 'any_order' then greatest(acc.max_blocked_level, "
    ~ funnel_fold_expression('any_order_blocked', 'acc') ~ ')'
    ~ ' else greatest(acc.max_blocked_level, ' ~ funnel_fold_expression('blocked_level', 'acc') ~ ') end)'
)) %}

{%- set element_fields = [
    ('at_us', to_epoch_microseconds('event_at')),
    ('event_id', 'event_id'),
    ('seq', 'person_event_number'),
    ('session_id', 'session_id'),
    ('is_exclusion', 'is_exclusion'),
] %}
{%- for step in range(1, max_steps + 1) %}
    {%- do element_fields.append(('m' ~ step, 'is_step_' ~ step)) %}
{%- endfor %}

with

funnel_events_matched as (
    select * from {{ ref('int_funnel_events_matched') }}
),

funnel_steps as (
    select * from {{ ref('int_funnel_steps_parsed') }}
),

funnel_settings as (
    select
        funnel_key,
        order_mode,
        conversion_window_seconds,
        is_within_session,
        exclusion_event_names
    from funnel_steps
    where step_number = 1
),

current_inputs as (
    {{ funnel_folded_inputs('funnel_events_matched', 'funnel_steps') }}
),

-- the (funnel, person) pairs to fold: on an incremental build those not stored with their current fingerprint
inputs_to_fold as (
    {{ inputs_not_stored('current_inputs', ['funnel_key', 'person_id']) }}
),

person_event_lists as (
    select
        funnel_events_matched.funnel_key,
        funnel_events_matched.person_id,
        inputs_to_fold.inputs_fingerprint,
        {{ ordered_struct_list(element_fields) }} as matched_events
    from funnel_events_matched
    inner join inputs_to_fold
        on
            funnel_events_matched.funnel_key = inputs_to_fold.funnel_key
            and funnel_events_matched.person_id = inputs_to_fold.person_id
    group by funnel_events_matched.funnel_key, funnel_events_matched.person_id, inputs_to_fold.inputs_fingerprint
),

folded as (
    select
        person_event_lists.funnel_key,
        person_event_lists.person_id,
        person_event_lists.inputs_fingerprint,
        {{ fold_list('person_event_lists.matched_events', struct_of(initial_fields), struct_of(next_fields)) }}  -- noqa: PRS
            as fold_state
    from person_event_lists
    inner join funnel_settings on person_event_lists.funnel_key = funnel_settings.funnel_key
),

outcomes as (
    select
        funnel_key,
        person_id,
        inputs_fingerprint,
        {{ funnel_fold_expression('final_best', 'fold_state') }} as best,
        fold_state.order_mode,
        fold_state.max_blocked_level,
        {{ funnel_fold_expression('any_order_blocked', 'fold_state') }} as any_order_blocked_level
    from folded
),

final as (
    select
        funnel_key,
        person_id,
        best.level as max_step_reached,
        {% for step in range(1, max_steps + 1) -%}
            case
                when best.level >= {{ step }}
                    then {{ timestamp_from_epoch_microseconds(list_element('best.times', step)) }}
            end as step_{{ step }}_at,
        {% endfor -%}
        best.session_id as first_step_session_id,
        case
            when order_mode = 'any_order' then greatest(max_blocked_level, any_order_blocked_level)
            else max_blocked_level
        end > 0 as is_excluded,
        inputs_fingerprint
    from outcomes
)

select * from final
