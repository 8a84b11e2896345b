{#- SQL expressions of the funnel fold in int_funnel_attempts_folded, generated for var funnel_max_steps
    levels. `state` is the fold state (the lambda's accumulator `acc`, or the final state): order_mode,
    window_us, within_session, last_exclusion_seq (person_event_number of the latest exclusion event, 0 =
    none), last_at_us and last_session_id (of the latest element), c1 .. cN (funnel_chain structs:
    sequential and strict - the latest-starting attempt at each level; any_order - each step's latest
    event), best (any_order: the best attempt so far) and max_blocked_level. The current element is `x`
    (at_us, seq, session_id, is_exclusion, m1 .. mN = it matches step k). `kind` picks the expression:
      next_attempt (level)         the attempt at `level` after element x (sequential, strict, any_order)
      blocked_level                the highest level x would have reached by extending an attempt an exclusion
                                   event voided (0 if none)
      any_order_level (respect_exclusions)  the level of an any_order state: how many distinct steps have an
                                   event no older than the window before the latest element, whichever came
                                   first (and after the latest exclusion event, when respected; in the latest
                                   element's session when within_session)
      any_order_blocked            an any_order state's level ignoring exclusions when an exclusion event lies
                                   between two of its counted steps (a step before it and one after), else 0
      any_order_best               the state's best any_order attempt: highest level, on a tie the later
                                   start; its times are the counted steps' times in time order
      final_best                   the person's best attempt from the final state
    One macro with a kind argument rather than five small ones: the pieces only make sense together. -#}
{% macro funnel_fold_expression(kind, state, level=1, respect_exclusions=true) -%}
    {%- set max_steps = var('funnel_max_steps') | int -%}
    {%- if kind == 'next_attempt' -%}
    {%- set previous = state ~ '.c' ~ (level - 1) -%}
    {%- set occurrence = funnel_chain(1, 'x.at_us', 'x.seq', 'x.session_id', list_of(['x.at_us'])) -%}
    (case
        when {{ state }}.order_mode = 'any_order' then (case when x.m{{ level }} then {{ occurrence }} else {{ state }}.c{{ level }} end)
        {%- if level == 1 %}
        when x.m1 then {{ occurrence }}
        {%- else %}
        when x.m{{ level }}
            and {{ previous }}.level > 0
            and {{ previous }}.last_seq > {{ state }}.last_exclusion_seq
            and x.at_us - {{ previous }}.start_us <= {{ state }}.window_us
            and ({{ state }}.order_mode <> 'strict' or x.seq = {{ previous }}.last_seq + 1)
            and (not {{ state }}.within_session or x.session_id = {{ previous }}.session_id)
            then {{ funnel_chain(
                level, previous ~ '.start_us', 'x.seq', previous ~ '.session_id',
                list_append_value(previous ~ '.times', 'x.at_us')
            ) }}
        {%- endif %}
        else {{ state }}.c{{ level }}
    end)
    {%- elif kind == 'blocked_level' -%}
    (case
        {%- for candidate in range(max_steps, 1, -1) %}
        {%- set previous = state ~ '.c' ~ (candidate - 1) %}
        when x.m{{ candidate }}
            and {{ previous }}.level > 0
            and {{ previous }}.last_seq < {{ state }}.last_exclusion_seq
            and x.at_us - {{ previous }}.start_us <= {{ state }}.window_us
            and ({{ state }}.order_mode <> 'strict' or x.seq = {{ previous }}.last_seq + 1)
            and (not {{ state }}.within_session or x.session_id = {{ previous }}.session_id)
            then cast({{ candidate }} as {{ dbt.type_bigint() }})
        {%- endfor %}
        else cast(0 as {{ dbt.type_bigint() }})
    end)
    {%- elif kind == 'any_order_level' -%}
    cast(
        {%- for step in range(1, max_steps + 1) %}
        (case when {{ _any_order_step_counts(state, step, respect_exclusions) }} then 1 else 0 end)
        {%- if not loop.last %} +{% endif %}
        {%- endfor %}
    as {{ dbt.type_bigint() }})
    {%- elif kind == 'any_order_blocked' -%}
    {%- set respected = funnel_fold_expression('any_order_level', state) -%}
    {%- set ignored = funnel_fold_expression('any_order_level', state, respect_exclusions=false) -%}
    (case
        when {{ state }}.last_exclusion_seq > 0 and {{ respected }} > 0 and {{ ignored }} > {{ respected }}
            then {{ ignored }}
        else cast(0 as {{ dbt.type_bigint() }})
    end)
    {%- elif kind == 'any_order_best' -%}
    {%- set reached = funnel_fold_expression('any_order_level', state) -%}
    {#- the counted steps' (time, session) in time order, the others (null) last -#}
    {%- set counted = [] -%}
    {%- for step in range(1, max_steps + 1) -%}
        {%- do counted.append(
            '(case when ' ~ _any_order_step_counts(state, step, true) ~ ' then '
            ~ struct_of([('at_us', state ~ '.c' ~ step ~ '.start_us'), ('session_id', state ~ '.c' ~ step ~ '.session_id')])
            ~ ' end)'
        ) -%}
    {%- endfor -%}
    {%- set in_order = list_sorted(list_of(counted)) -%}
    {%- set times = [] -%}
    {%- for step in range(1, max_steps + 1) -%}{%- do times.append('(' ~ list_element(in_order, step) ~ ').at_us') -%}{%- endfor -%}
    {%- set first = '(' ~ list_element(in_order, 1) ~ ')' -%}
    (case
        when {{ reached }} > {{ state }}.best.level
            or ({{ reached }} = {{ state }}.best.level and {{ reached }} > 0 and {{ first }}.at_us >= {{ state }}.best.start_us)
            then {{ funnel_chain(reached, first ~ '.at_us', 'cast(null as ' ~ dbt.type_bigint() ~ ')', first ~ '.session_id', list_of(times)) }}
        else {{ state }}.best
    end)
    {%- elif kind == 'final_best' -%}
    (case
        when {{ state }}.order_mode = 'any_order' then {{ funnel_fold_expression('any_order_best', state) }}
        {%- for candidate in range(max_steps, 0, -1) %}
        when {{ state }}.c{{ candidate }}.level > 0 then {{ state }}.c{{ candidate }}
        {%- endfor %}
        else {{ state }}.best
    end)
    {%- else -%}
    {{ exceptions.raise_compiler_error("funnel_fold_expression: unknown kind '" ~ kind ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- Whether an any_order state counts `step`: its latest event is no older than the window before the latest
    element (after the latest exclusion event when respect_exclusions; in the latest element's session when
    within_session). Private to funnel_fold_expression. -#}
{% macro _any_order_step_counts(state, step, respect_exclusions) -%}
    ({{ state }}.c{{ step }}.level > 0
    {%- if respect_exclusions %}
        and {{ state }}.c{{ step }}.last_seq > {{ state }}.last_exclusion_seq
    {%- endif %}
        and {{ state }}.c{{ step }}.start_us >= {{ state }}.last_at_us - {{ state }}.window_us
        and (not {{ state }}.within_session or {{ state }}.c{{ step }}.session_id = {{ state }}.last_session_id))
{%- endmacro %}
