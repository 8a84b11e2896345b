{#- A SQL literal hash of the rules that cut sessions (vars session_timeout_minutes, session_max_hours,
    passive_event_names, and the version of the sessionization SQL). int_events_sessionized stores it on
    every row; when it differs from the stored one, int_persons_resessionized recomputes every person from
    the start. Bump the version when the sessionization SQL changes what it writes. -#}
{% macro session_rules_fingerprint() -%}
    {%- set rules = [
        'sessionization v1',
        'session_timeout_minutes=' ~ (var('session_timeout_minutes') | int),
        'session_max_hours=' ~ (var('session_max_hours') | int),
        'passive_event_names=' ~ (var('passive_event_names') | sort | join(',')),
    ] -%}
    {{ dbt.hash("'" ~ (rules | join('; ') | replace("'", "''")) ~ "'") }}
{%- endmacro %}
