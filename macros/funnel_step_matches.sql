{#- The funnel steps and exclusion events each event of `events` (a relation or CTE shaped like
    int_events_sessionized) matches: one row per funnel, event and step it matches (event name and property
    filter; step 1 only on a reporting day in funnel_date_from .. funnel_date_to), and one per funnel it is an
    exclusion event of (step_number null, is_exclusion). Events before funnel_date_from cannot follow an
    in-range step 1 and are left out. No upper bound when funnel_date_to is empty: `events` holds no day after
    the analysis date (macro active_events), and leaving as_of_date out keeps the analysis date, which moves
    every day, out of int_funnel_events_matched's rules fingerprint. Per event, without numbering: cheap
    enough to run over every event when the incremental build looks for what changed. -#}
{% macro funnel_step_matches(events, funnel_steps) -%}
    {%- set date_from = var('funnel_date_from') | string | trim -%}
    {%- set date_to = var('funnel_date_to') | string | trim -%}
    {%- for bound in [date_from, date_to] if bound and bound != 'None' -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', bound) -%}
            {{ exceptions.raise_compiler_error("funnel_date_from / funnel_date_to must be YYYY-MM-DD, got '" ~ bound ~ "'") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set lower_bound = "cast('" ~ date_from ~ "' as date)" if date_from and date_from != 'None' else none -%}
    {%- set upper_bound = "cast('" ~ date_to ~ "' as date)" if date_to and date_to != 'None' else none -%}
    select
        funnel_steps.funnel_key,
        events.event_id,
        events.person_id,
        events.session_id,
        events.event_at,
        events.event_date,
        funnel_steps.step_number,
        false as is_exclusion
    from {{ events }} as events
    inner join {{ funnel_steps }} as funnel_steps on events.event_name = funnel_steps.event_name
    where
        {{ properties_match_filter('events.properties', 'funnel_steps.property_filter') }}
        {%- if lower_bound %}
        and events.event_date >= {{ lower_bound }}
        {%- endif %}
        {%- if upper_bound %}
        and (funnel_steps.step_number > 1 or events.event_date <= {{ upper_bound }})
        {%- endif %}

    union all

    select
        exclusion_names.funnel_key,
        events.event_id,
        events.person_id,
        events.session_id,
        events.event_at,
        events.event_date,
        cast(null as {{ dbt.type_bigint() }}) as step_number,
        true as is_exclusion
    from {{ events }} as events
    inner join (
        select distinct
            funnel_key,
            trim(exclusion_event_name) as exclusion_event_name
        from (
            select
                funnel_key,
                {{ split_to_rows('exclusion_event_names', ';') }} as exclusion_event_name
            from {{ funnel_steps }} as funnel_steps
            where step_number = 1 and exclusion_event_names is not null
        ) as split_names
    ) as exclusion_names on events.event_name = exclusion_names.exclusion_event_name
    {%- if lower_bound %}
    where events.event_date >= {{ lower_bound }}
    {%- endif %}
{%- endmacro %}
