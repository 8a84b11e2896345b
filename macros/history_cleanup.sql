{#- Post-hook of the type-2 history models: deletes the rows of persons to forget (erasure requests) and
    the empty periods (opened and closed at the same analysis date by re-runs of that date). Without
    erased_persons only the empty periods: fct_person_identifier_history, which int_persons_erased reads,
    is purged by that model's own post-hook. -#}
{% macro history_cleanup(history_relation, erased_persons=none) -%}
    {%- if model.config.materialized == 'incremental' %}
    delete from {{ history_relation }}
    where
        valid_to = valid_from
        {%- if erased_persons is not none %}
        or person_id in (select erased_persons.person_id from {{ erased_persons }} as erased_persons)
        {%- endif %}
    {%- endif %}
{%- endmacro %}
