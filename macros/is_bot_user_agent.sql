{#- True when a user agent matches var('bot_user_agent_pattern') (case-insensitive): crawlers, headless
    browsers and scripted clients whose events are quarantined as bot_traffic. -#}
{% macro is_bot_user_agent(expression) -%}
    coalesce({{ matches_pattern('lower(' ~ expression ~ ')', var('bot_user_agent_pattern')) }}, false)
{%- endmacro %}
