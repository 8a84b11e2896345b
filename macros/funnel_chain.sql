{#- The state of one funnel attempt in the funnel fold (int_funnel_attempts_folded): a struct of level (steps
    reached, 0 = none yet), start_us (epoch microseconds of its step 1), last_seq (person_event_number of its
    last step: strict funnels and exclusions compare it), session_id (of its step 1) and times (list of each
    step's epoch microseconds). The level is cast so the fold's state has one type on every engine. -#}
{% macro funnel_chain(level, start_us, last_seq, session_id, times) -%}
    {{ struct_of([
        ('level', 'cast(' ~ level ~ ' as ' ~ dbt.type_bigint() ~ ')'),
        ('start_us', start_us),
        ('last_seq', last_seq),
        ('session_id', session_id),
        ('times', times),
    ]) }}
{%- endmacro %}
