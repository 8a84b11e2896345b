{#- The history of which person each identifier belonged to: a new version whenever its person_id
    changes (a merge or a split), and the current version closed when the identifier leaves the graph
    (blocked, or its records gone). Person ids are deterministic, so a full refresh that rebuilds the same
    graph adds no version. fct_person_merges reads it. -#}
{% snapshot snp_person_identifiers %}

    {{ config(
        strategy='check',
        unique_key="identifier_type || ':' || identifier_value",
        check_cols=['person_id'],
        hard_deletes='invalidate',
    ) }}

    select
        identifier_type,
        identifier_value,
        person_id
    from {{ ref('bdg_person_identifiers') }}

{% endsnapshot %}
