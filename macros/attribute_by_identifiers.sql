{#- SELECT body that gives each row of `rows_relation` a person_id from the first of its identifiers that
    resolves, in the order given, and the attribution_rule naming it. `identifiers` is an ordered list of
    (identifier_type, column). A blocked identifier is absent from `resolved_relation` (int_identifiers_resolved)
    and is skipped. Rows whose identifiers all fail to resolve get 'unresolved_identifier', rows with none
    'no_identifier'; both keep a null person_id. Rows with any identifier of a person in
    `persons_erased_relation` (int_persons_erased) are left out entirely: kept without a person_id they would
    still carry the forgotten person's identifiers. -#}
{% macro attribute_by_identifiers(rows_relation, resolved_relation, identifiers, persons_erased_relation) -%}
    select
        {{ rows_relation }}.*,
        coalesce(
            {%- for identifier_type, column in identifiers %}
            resolved_{{ identifier_type }}.person_id{{ "," if not loop.last }}
            {%- endfor %}
        ) as person_id,
        case
            {%- for identifier_type, column in identifiers %}
            when resolved_{{ identifier_type }}.person_id is not null then '{{ identifier_type }}'
            {%- endfor %}
            when
                {% for identifier_type, column in identifiers -%}
                {{ rows_relation }}.{{ column }} is not null{{ " or " if not loop.last }}
                {%- endfor %}
                then 'unresolved_identifier'
            else 'no_identifier'
        end as attribution_rule
    from {{ rows_relation }}
    {%- for identifier_type, column in identifiers %}
    left join {{ resolved_relation }} as resolved_{{ identifier_type }}
        on
            resolved_{{ identifier_type }}.identifier_type = '{{ identifier_type }}'
            and {{ rows_relation }}.{{ column }} = resolved_{{ identifier_type }}.identifier_value
    left join {{ persons_erased_relation }} as erased_{{ identifier_type }}
        on resolved_{{ identifier_type }}.person_id = erased_{{ identifier_type }}.person_id
    {%- endfor %}
    where
        {% for identifier_type, column in identifiers -%}
        erased_{{ identifier_type }}.person_id is null{{ " and " if not loop.last }}
        {%- endfor %}
{%- endmacro %}
