{#- One row per funnel and event that can play a part in the funnel: an event matching one or more of its
    steps (event name and property filter; step 1 only when its reporting day is in the analysis range
    funnel_date_from .. funnel_date_to) or one of its exclusion events. Events before funnel_date_from cannot
    follow an in-range step 1 and are left out. person_event_number numbers all of a person's active events,
    so a strict funnel can tell whether two steps were consecutive. -#}
{%- set max_steps = var('funnel_max_steps') | int %}
{%- set date_from = var('funnel_date_from') | string | trim %}
{%- set date_to = var('funnel_date_to') | string | trim %}
{%- for bound in [date_from, date_to] if bound and bound != 'None' %}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', bound) -%}
        {{ exceptions.raise_compiler_error("funnel_date_from / funnel_date_to must be YYYY-MM-DD, got '" ~ bound ~ "'") }}
    {%- endif -%}
{%- endfor %}
{%- set lower_bound = "cast('" ~ date_from ~ "' as date)" if date_from and date_from != 'None' else none %}
{%- set upper_bound = "cast('" ~ date_to ~ "' as date)" if date_to and date_to != 'None' else as_of_date() %}

with

events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

funnel_steps as (
    select * from {{ ref('int_funnel_steps_parsed') }}
),

numbered_events as (
    select
        event_id,
        person_id,
        session_id,
        event_at,
        event_date,
        event_name,
        properties,
        row_number() over (partition by person_id order by event_at, event_id) as person_event_number
    from events_sessionized
),

candidate_events as (
    select * from numbered_events
    {%- if lower_bound %}
    where event_date >= {{ lower_bound }}
    {%- endif %}
),

exclusion_names as (
    select distinct
        funnel_key,
        trim(exclusion_event_name) as exclusion_event_name
    from (
        select
            funnel_key,
            {{ split_to_rows('exclusion_event_names', ';') }} as exclusion_event_name
        from funnel_steps
        where step_number = 1 and exclusion_event_names is not null
    ) as split_names
),

step_matches as (
    select
        funnel_steps.funnel_key,
        candidate_events.event_id,
        candidate_events.person_id,
        candidate_events.session_id,
        candidate_events.event_at,
        candidate_events.event_date,
        candidate_events.person_event_number,
        funnel_steps.step_number,
        false as is_exclusion
    from candidate_events
    inner join funnel_steps on candidate_events.event_name = funnel_steps.event_name
    where
        {{ properties_match_filter('candidate_events.properties', 'funnel_steps.property_filter') }}
        and (
            funnel_steps.step_number > 1
            or (
                candidate_events.event_date <= {{ upper_bound }}
                {%- if lower_bound %}
                and candidate_events.event_date >= {{ lower_bound }}
                {%- endif %}
            )
        )
),

exclusion_matches as (
    select
        exclusion_names.funnel_key,
        candidate_events.event_id,
        candidate_events.person_id,
        candidate_events.session_id,
        candidate_events.event_at,
        candidate_events.event_date,
        candidate_events.person_event_number,
        cast(null as {{ dbt.type_bigint() }}) as step_number,
        true as is_exclusion
    from candidate_events
    inner join exclusion_names on candidate_events.event_name = exclusion_names.exclusion_event_name
),

matches as (
    select * from step_matches
    union all
    select * from exclusion_matches
),

final as (
    select
        funnel_key,
        person_id,
        event_id,
        session_id,
        event_at,
        event_date,
        cast(person_event_number as {{ dbt.type_bigint() }}) as person_event_number,
        {% for step in range(1, max_steps + 1) -%}
            {{ dbt.bool_or('coalesce(step_number = ' ~ step ~ ', false)') }} as is_step_{{ step }},
        {% endfor -%}
        {{ dbt.bool_or('is_exclusion') }} as is_exclusion
    from matches
    group by funnel_key, person_id, event_id, session_id, event_at, event_date, person_event_number
)

select * from final
