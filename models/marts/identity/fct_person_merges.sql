with

person_identifier_versions as (
    select * from {{ ref('fct_person_identifier_history') }}
),

persons_erased as (
    select * from {{ ref('int_persons_erased') }}
),

-- an identifier moved when one version of it ends at the run where the next one starts
identifier_moves as (
    select
        ended_versions.identifier_type,
        ended_versions.identifier_value,
        ended_versions.person_id as from_person_id,
        started_versions.person_id as to_person_id,
        started_versions.valid_from as moved_at
    from person_identifier_versions as ended_versions
    inner join person_identifier_versions as started_versions
        on
            ended_versions.identifier_type = started_versions.identifier_type
            and ended_versions.identifier_value = started_versions.identifier_value
            and ended_versions.valid_to = started_versions.valid_from
    where ended_versions.person_id <> started_versions.person_id
),

-- (person, run) pairs where the person still held an identifier right after the run
persons_alive_after_runs as (
    select distinct
        identifier_moves.from_person_id as person_id,
        identifier_moves.moved_at
    from identifier_moves
    inner join person_identifier_versions
        on
            identifier_moves.from_person_id = person_identifier_versions.person_id
            and identifier_moves.moved_at >= person_identifier_versions.valid_from
            and (
                person_identifier_versions.valid_to is null
                or identifier_moves.moved_at < person_identifier_versions.valid_to
            )
),

-- a person id was absorbed when its identifiers moved and none stayed with it: a split leaves it alive
absorbing_moves as (
    select identifier_moves.*
    from identifier_moves
    left join persons_alive_after_runs
        on
            identifier_moves.from_person_id = persons_alive_after_runs.person_id
            and identifier_moves.moved_at = persons_alive_after_runs.moved_at
    where persons_alive_after_runs.person_id is null
),

current_versions as (
    select
        identifier_type,
        identifier_value,
        person_id
    from person_identifier_versions
    where valid_to is null
),

moves_per_receiving_person as (
    select
        from_person_id,
        to_person_id,
        moved_at,
        count(*) as count_identifiers_moved
    from absorbing_moves
    group by from_person_id, to_person_id, moved_at
),

-- the absorbing person: the one that took most of the identifiers (the smaller id on a tie)
person_merges as (
    select
        from_person_id as merged_person_id,
        to_person_id as surviving_person_id,
        moved_at as merged_at,
        count_identifiers_moved
    from moves_per_receiving_person
    qualify row_number() over (partition by from_person_id, moved_at order by count_identifiers_moved desc, to_person_id asc) = 1
),

current_persons_of_moves as (
    select
        absorbing_moves.from_person_id as merged_person_id,
        absorbing_moves.moved_at as merged_at,
        current_versions.person_id,
        count(*) as count_identifiers
    from absorbing_moves
    inner join current_versions
        on
            absorbing_moves.identifier_type = current_versions.identifier_type
            and absorbing_moves.identifier_value = current_versions.identifier_value
    group by absorbing_moves.from_person_id, absorbing_moves.moved_at, current_versions.person_id
),

-- where the moved identifiers are now, after any later merge: the id to re-map to today
merge_current_persons as (
    select
        merged_person_id,
        merged_at,
        person_id as current_person_id
    from current_persons_of_moves
    qualify row_number() over (partition by merged_person_id, merged_at order by count_identifiers desc, person_id asc) = 1
),

final as (
    select
        person_merges.merged_person_id,
        person_merges.surviving_person_id,
        cast(person_merges.merged_at as {{ dbt.type_timestamp() }}) as merged_at,
        person_merges.count_identifiers_moved,
        merge_current_persons.current_person_id
    from person_merges
    left join merge_current_persons
        on
            person_merges.merged_person_id = merge_current_persons.merged_person_id
            and person_merges.merged_at = merge_current_persons.merged_at
    -- int_persons_erased purges the erased persons' history; this also drops a merge
    -- whose other side is one of them (a person id kept after a split)
    left join persons_erased as erased_merged
        on person_merges.merged_person_id = erased_merged.person_id
    left join persons_erased as erased_surviving
        on person_merges.surviving_person_id = erased_surviving.person_id
    left join persons_erased as erased_current
        on merge_current_persons.current_person_id = erased_current.person_id
    where
        erased_merged.person_id is null
        and erased_surviving.person_id is null
        and erased_current.person_id is null
)

select * from final
