"""How well identity resolution matches the demo generator's ground truth.

The measure is pairwise "same person": over every pair of identifiers that belong to evaluated true
persons, precision is the share of pairs the warehouse puts in one person that truly are one person, and
recall the share of truly-same pairs the warehouse puts in one person. It is computed from the
contingency table (true person x warehouse person) without listing pairs:

    true positives   = sum over cells of C(n, 2)
    predicted pairs  = sum over warehouse persons of C(n, 2)
    true pairs       = sum over true persons of C(n, 2)

Recall is reported twice. `recall` counts every same-person pair of the truth, including identifiers that
never appear in any raw record together with another identifier of their person (an anonymous browser
that never logged in): no resolver can link those. `linkable_recall` counts only pairs the raw data
links at all: pairs joined, within one true person, by the links observed in clean rows
(intermediate.int_identifier_links_observed, before any hygiene rule). It is the recall the targets
apply to; links that hygiene rules drop (a shared kiosk) still count against it.

Evaluated: every identifier of the truth (truth/identifiers.parquet) except shared ones (store kiosks,
which by design belong to nobody), those of test accounts and bots (blocked by the hygiene rules by
design) and those of persons who asked to be forgotten (left out of the marts by design). An evaluated
identifier the warehouse does not know counts as a person of its own, so blocking or losing a real
identifier costs recall. Phones and emails are compared through the same keyed hash as the warehouse
(sha256 of salt|value).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq


@dataclass(frozen=True)
class IdentityAccuracy:
    precision: float
    recall: float
    linkable_recall: float
    evaluated_identifiers: int
    true_pairs: int
    linkable_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    persons: int
    largest_component: int

    def describe(self) -> str:
        return (
            f"pairwise precision {self.precision:.4%}, recall {self.linkable_recall:.4%} of the pairs the data "
            f"links ({self.linkable_pairs:,}), {self.recall:.4%} of all {self.true_pairs:,} true pairs, over "
            f"{self.evaluated_identifiers:,} identifiers; "
            f"{self.persons:,} persons, largest has {self.largest_component:,} identifiers"
        )


def measure_identity_accuracy(warehouse_path: Path, truth_dir: Path, salt: str) -> IdentityAccuracy:
    """Compare marts.bdg_person_identifiers with the generator's truth; the warehouse is opened read-only."""
    identifiers_file = truth_dir / "identifiers.parquet"
    persons_file = truth_dir / "persons.parquet"
    # truth written before erasure requests existed has no is_erased column
    not_erased = "and not persons.is_erased" if "is_erased" in pq.read_schema(persons_file).names else ""
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        connection.execute(
            f"""
            create temp table truth as
            select
                identifiers.identifier_type,
                case
                    when identifiers.identifier_type in ('phone', 'email')
                        then sha256(? || '|' || identifiers.identifier_value)
                    else identifiers.identifier_value
                end as identifier_value,
                identifiers.true_person_id
            from read_parquet(?) as identifiers
            inner join read_parquet(?) as persons using (true_person_id)
            where not identifiers.is_shared and not persons.is_test_account and not persons.is_bot
                {not_erased}
            """,
            [salt, str(identifiers_file), str(persons_file)],
        )
        connection.execute(
            """
            create temp table cells as
            select
                truth.true_person_id,
                -- an identifier the warehouse does not know is a person of its own
                coalesce(resolved.person_id, 'unresolved:' || truth.identifier_type || ':' || truth.identifier_value)
                    as person_id,
                count(*) as identifiers
            from (select distinct * from truth) as truth
            left join marts.bdg_person_identifiers as resolved
                on truth.identifier_type = resolved.identifier_type
                and truth.identifier_value = resolved.identifier_value
            group by all
            """
        )
        true_positive, evaluated = connection.execute(
            "select coalesce(sum(identifiers * (identifiers - 1) / 2), 0), coalesce(sum(identifiers), 0) from cells"
        ).fetchall()[0]
        true_pairs = connection.execute(
            "select coalesce(sum(n * (n - 1) / 2), 0) from "
            "(select sum(identifiers) as n from cells group by true_person_id)"
        ).fetchall()[0][0]
        predicted_pairs = connection.execute(
            "select coalesce(sum(n * (n - 1) / 2), 0) from (select sum(identifiers) as n from cells group by person_id)"
        ).fetchall()[0][0]
        linkable_pairs, linkable_true_positive = _linkable_pairs(connection)
        persons, largest = connection.execute(
            "select count(*), coalesce(max(count_identifiers), 0) from marts.dim_persons"
        ).fetchall()[0]
    return IdentityAccuracy(
        precision=float(true_positive) / float(predicted_pairs) if predicted_pairs else 1.0,
        recall=float(true_positive) / float(true_pairs) if true_pairs else 1.0,
        linkable_recall=float(linkable_true_positive) / float(linkable_pairs) if linkable_pairs else 1.0,
        evaluated_identifiers=int(evaluated),
        true_pairs=int(true_pairs),
        linkable_pairs=int(linkable_pairs),
        predicted_pairs=int(predicted_pairs),
        true_positive_pairs=int(true_positive),
        persons=int(persons),
        largest_component=int(largest),
    )


def _linkable_pairs(connection: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(same-person pairs the raw data links, of those the pairs the warehouse puts in one person).

    Groups each true person's identifiers by the observed links between them (union-find), then counts
    pairs inside those groups, and inside (group x warehouse person) cells.
    """
    identifiers = connection.execute(
        """
        select distinct truth.identifier_type || ':' || truth.identifier_value, truth.true_person_id,
            coalesce(resolved.person_id, 'unresolved:' || truth.identifier_type || ':' || truth.identifier_value)
        from truth
        left join marts.bdg_person_identifiers as resolved using (identifier_type, identifier_value)
        """
    ).fetchall()
    person_of = {key: (true_person, warehouse_person) for key, true_person, warehouse_person in identifiers}
    parent = {key: key for key in person_of}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    links = connection.execute(
        """
        select distinct identifier_a_type || ':' || identifier_a_value, identifier_b_type || ':' || identifier_b_value
        from intermediate.int_identifier_links_observed
        """
    ).fetchall()
    for left, right in links:
        if left in person_of and right in person_of and person_of[left][0] == person_of[right][0]:
            parent[root(left)] = root(right)
    group_sizes: dict[str, int] = {}
    cell_sizes: dict[tuple[str, str], int] = {}
    for key, (_, warehouse_person) in person_of.items():
        group = root(key)
        group_sizes[group] = group_sizes.get(group, 0) + 1
        cell_sizes[(group, warehouse_person)] = cell_sizes.get((group, warehouse_person), 0) + 1
    pairs = sum(size * (size - 1) // 2 for size in group_sizes.values())
    true_positive = sum(size * (size - 1) // 2 for size in cell_sizes.values())
    return pairs, true_positive


def create_true_person_map(connection: duckdb.DuckDBPyConnection, truth_dir: Path, salt: str) -> None:
    """Temporary table `true_person_map` (person_id, true_person_id, is_test_account, is_bot): each warehouse
    person mapped to the true person most of its non-shared identifiers belong to (ties: the smaller
    true_person_id). For tests that compare marts with the generator's per-person truth."""
    connection.execute(
        """
        create or replace temp table true_person_map as
        with truth as (
            select
                identifier_type,
                case
                    when identifier_type in ('phone', 'email') then sha256(? || '|' || identifier_value)
                    else identifier_value
                end as identifier_value,
                true_person_id
            from read_parquet(?)
            where not is_shared
        ),
        votes as (
            select bridge.person_id, truth.true_person_id, count(*) as identifiers
            from marts.bdg_person_identifiers as bridge
            inner join truth using (identifier_type, identifier_value)
            group by all
        ),
        best as (
            select person_id, true_person_id
            from votes
            qualify row_number() over (partition by person_id order by identifiers desc, true_person_id) = 1
        )
        select best.person_id, best.true_person_id, persons.is_test_account, persons.is_bot
        from best
        inner join read_parquet(?) as persons using (true_person_id)
        """,
        [salt, str(truth_dir / "identifiers.parquet"), str(truth_dir / "persons.parquet")],
    )
