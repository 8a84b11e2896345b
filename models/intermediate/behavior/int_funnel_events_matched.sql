{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook=[
            "{{ delete_rows_of_changed_inputs(
                funnel_matched_inputs(
                    '(' ~ funnel_step_matches(ref('int_events_sessionized'), ref('int_funnel_steps_parsed')) ~ ')',
                    ref('int_events_sessionized')
                ),
                ['funnel_key', 'person_id']
            ) }}",
        ],
    )
}}

{#- One row per funnel and event that can play a part in the funnel: an event matching one or more of its
    steps (event name and property filter; step 1 only when its reporting day is in the analysis range
    funnel_date_from .. funnel_date_to) or one of its exclusion events (macro funnel_step_matches). Events
    before funnel_date_from cannot follow an in-range step 1 and are left out. person_event_number numbers all
    of a person's active events, so a strict funnel can tell whether two steps were consecutive.

    Incremental, and always equal to a full rebuild, recomputed per funnel and person. A person's rows of a
    funnel depend on the person's events only: their matches (macro funnel_step_matches over every event:
    cheap, no numbering) and the order of all their events (for person_event_number: a late event, even one
    that matches nothing, shifts the numbers after it). inputs_fingerprint (macro funnel_matched_inputs)
    hashes both with the model's rules, and every row stores its pair's. The pre-hook deletes the stored
    pairs whose fingerprint is not current (new, late, corrected, erased events, events moved to another
    person by an identity merge, events cut into other sessions, matches gained or lost through a changed
    funnel definition or date range, other SQL or funnel_max_steps); the select numbers the events of the
    persons with a current pair not stored with its fingerprint and writes those pairs. Only the pairs whose
    rows can differ are rewritten: a changed definition of one funnel rewrites the pairs of that funnel whose
    matches changed, a new day the persons with events on it. The analysis date changes nothing by itself:
    int_events_sessionized holds no day after it. The diff is the model's own (its stored rows against its
    current input), not int_persons_resessionized's: a build of the sessionized model without this one (a
    failed test, a partial selection) cannot leave changes unseen. Spark: Delta tables; on Parquet the model
    is a table (incremental_materialization). -#}
{%- set max_steps = var('funnel_max_steps') | int %}

with

events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

funnel_steps as (
    select * from {{ ref('int_funnel_steps_parsed') }}
),

-- read twice (the diff, the rows to write): computed once
funnel_matches as {{ materialized_cte() }}(
    {{ funnel_step_matches('events_sessionized', 'funnel_steps') }}
),

current_inputs as (
    {{ funnel_matched_inputs('funnel_matches', 'events_sessionized') }}
),

-- the (funnel, person) pairs to write: on an incremental build those not stored with their current fingerprint
inputs_to_match as (
    {{ inputs_not_stored('current_inputs', ['funnel_key', 'person_id']) }}
),

-- numbered over all of a person's events, for the persons with a pair to write only
numbered_events as (
    select
        event_id,
        row_number() over (partition by person_id order by event_at, event_id) as person_event_number
    from events_sessionized
    where person_id in (select inputs_to_match.person_id from inputs_to_match)
),

final as (
    select
        funnel_matches.funnel_key,
        funnel_matches.person_id,
        funnel_matches.event_id,
        funnel_matches.session_id,
        funnel_matches.event_at,
        funnel_matches.event_date,
        cast(numbered_events.person_event_number as {{ dbt.type_bigint() }}) as person_event_number,
        {% for step in range(1, max_steps + 1) -%}
            {{ dbt.bool_or('coalesce(funnel_matches.step_number = ' ~ step ~ ', false)') }} as is_step_{{ step }},
        {% endfor -%}
        {{ dbt.bool_or('funnel_matches.is_exclusion') }} as is_exclusion,
        inputs_to_match.inputs_fingerprint
    from funnel_matches
    inner join inputs_to_match
        on
            funnel_matches.funnel_key = inputs_to_match.funnel_key
            and funnel_matches.person_id = inputs_to_match.person_id
    inner join numbered_events on funnel_matches.event_id = numbered_events.event_id
    group by all
)

select * from final
