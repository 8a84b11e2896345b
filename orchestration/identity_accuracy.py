"""How well identity resolution matches the demo generator's ground truth.

The measure is pairwise "same person": over every pair of identifiers that belong to evaluated true
persons, precision is the share of pairs the warehouse puts in one person that truly are one person, and
recall the share of truly-same pairs the warehouse puts in one person. It is computed from the
contingency table (true person x warehouse person) without listing pairs:

    true positives   = sum over cells of C(n, 2)
    predicted pairs  = sum over warehouse persons of C(n, 2)
    true pairs       = sum over true persons of C(n, 2)

Evaluated: every identifier of the truth (truth/identifiers.parquet) except shared ones (store kiosks,
which by design belong to nobody) and those of test accounts and bots (blocked by the hygiene rules by
design). An evaluated identifier the warehouse does not know counts as a person of its own, so blocking
or losing a real identifier costs recall. Phones and emails are compared through the same keyed hash as
the warehouse (sha256 of salt|value).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class IdentityAccuracy:
    precision: float
    recall: float
    evaluated_identifiers: int
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    persons: int
    largest_component: int

    def describe(self) -> str:
        return (
            f"pairwise precision {self.precision:.4%}, recall {self.recall:.4%} over "
            f"{self.evaluated_identifiers:,} identifiers ({self.true_pairs:,} true pairs); "
            f"{self.persons:,} persons, largest has {self.largest_component:,} identifiers"
        )


def measure_identity_accuracy(warehouse_path: Path, truth_dir: Path, salt: str) -> IdentityAccuracy:
    """Compare marts.bdg_person_identifiers with the generator's truth; the warehouse is opened read-only."""
    identifiers_file = truth_dir / "identifiers.parquet"
    persons_file = truth_dir / "persons.parquet"
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        connection.execute(
            """
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
        persons, largest = connection.execute(
            "select count(*), coalesce(max(count_identifiers), 0) from marts.dim_persons"
        ).fetchall()[0]
    return IdentityAccuracy(
        precision=float(true_positive) / float(predicted_pairs) if predicted_pairs else 1.0,
        recall=float(true_positive) / float(true_pairs) if true_pairs else 1.0,
        evaluated_identifiers=int(evaluated),
        true_pairs=int(true_pairs),
        predicted_pairs=int(predicted_pairs),
        true_positive_pairs=int(true_positive),
        persons=int(persons),
        largest_component=int(largest),
    )
