{#- Every person id to forget, current or absorbed. Its post-hook purges the identity history
    (fct_person_identifier_history) of those persons and identifiers: the history cannot do it itself,
    because the absorbed ids are found in that history, which must still be whole when this model reads it.
    A plain table (Spark Parquet) is rebuilt from the identity bridge on every run and holds none of them.
    The DELETE names the history by ref(...).render(): the table itself, also under `dbt build --empty`, which
    wraps refs in a zero-row subquery that cannot be a DELETE target (make test-fast builds empty). -#}
{{
    config(
        post_hook=[
            "{% if incremental_materialization() == 'incremental' %}
            delete from {{ ref('fct_person_identifier_history').render() }}
            where person_id in (select person_id from {{ this }})
                or identifier_type || ':' || identifier_value in (
                    select identifier_type || ':' || identifier_value from {{ ref('int_identifiers_erased') }}
                )
            {% endif %}",
        ],
    )
}}

with

identifiers_erased as (
    select * from {{ ref('int_identifiers_erased') }}
),

person_identifier_versions as (
    select * from {{ ref('fct_person_identifier_history') }}
),

person_identifiers as (
    select * from {{ ref('bdg_person_identifiers') }}
),

current_persons as (
    select distinct
        person_id,
        request_id,
        requested_at,
        true as is_current_person
    from identifiers_erased
),

-- persons still holding identifiers that are not forgotten (bdg_person_identifiers keeps only those)
persons_kept as (
    select distinct person_id
    from person_identifiers
),

-- Every person id a forgotten identifier ever had: absorbed ids of earlier merges. An id that still names
-- a kept person is someone else since a split: only the forgotten identifiers' rows under it are purged.
earlier_persons as (
    select distinct
        person_identifier_versions.person_id,
        identifiers_erased.request_id,
        identifiers_erased.requested_at,
        false as is_current_person
    from person_identifier_versions
    inner join identifiers_erased
        on
            person_identifier_versions.identifier_type = identifiers_erased.identifier_type
            and person_identifier_versions.identifier_value = identifiers_erased.identifier_value
    left join persons_kept
        on person_identifier_versions.person_id = persons_kept.person_id
    where persons_kept.person_id is null
),

persons_erased as (
    select * from current_persons
    union all
    select * from earlier_persons
),

-- one row per person id: as a current person if it is one, under its earliest request
final as (
    select
        person_id,
        request_id,
        requested_at,
        is_current_person
    from persons_erased
    qualify row_number() over (partition by person_id order by is_current_person desc, requested_at asc, request_id asc) = 1
)

select * from final
