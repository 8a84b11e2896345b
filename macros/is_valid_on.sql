{#- True for the rows of a type-2 history (valid_from, valid_to) that held on the date `date_expression`:
    valid_from on or before it and valid_to (the first date it no longer held) after it or null. "What were
    person X's tags on D": fct_person_tag_history where person_id = X and is_valid_on(D). -#}
{% macro is_valid_on(date_expression, relation_alias=none) -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    ({{ prefix }}valid_from <= {{ date_expression }}
        and ({{ prefix }}valid_to is null or {{ prefix }}valid_to > {{ date_expression }}))
{%- endmacro %}
