{#- Post-hook of the type-2 history models: deletes the rows of persons to forget (erasure requests) and
    the empty periods (opened and closed at the same analysis date by re-runs of that date). -#}
{% macro history_cleanup(history_relation, erased_persons) -%}
    {%- if model.config.materialized == 'incremental' %}
    delete from {{ history_relation }}
    where
        valid_to = valid_from
        or person_id in (select erased_persons.person_id from {{ erased_persons }} as erased_persons)
    {%- endif %}
{%- endmacro %}
