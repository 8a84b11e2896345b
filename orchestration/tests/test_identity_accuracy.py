"""Identity resolution measured against the demo generator's ground truth (and the measure itself)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.identity_accuracy import measure_identity_accuracy

SALT = "accuracy-test-salt"


def write_truth(truth_dir: Path, identifiers: list[tuple], persons: list[tuple]) -> None:
    truth_dir.mkdir(parents=True)
    pd.DataFrame(
        identifiers, columns=["true_person_id", "identifier_type", "identifier_value", "is_shared"]
    ).to_parquet(truth_dir / "identifiers.parquet")
    pd.DataFrame(persons, columns=["true_person_id", "is_test_account", "is_bot"]).to_parquet(
        truth_dir / "persons.parquet"
    )


def write_warehouse(path: Path, rows: list[tuple], links: list[tuple]) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.bdg_person_identifiers "
            "(identifier_type varchar, identifier_value varchar, person_id varchar)"
        )
        connection.executemany("insert into marts.bdg_person_identifiers values (?, ?, ?)", rows)
        connection.execute(
            "create table marts.dim_persons as select person_id, count(*) as count_identifiers "
            "from marts.bdg_person_identifiers group by person_id"
        )
        connection.execute("create schema intermediate")
        connection.execute(
            "create table intermediate.int_identifier_links_observed (identifier_a_type varchar, "
            "identifier_a_value varchar, identifier_b_type varchar, identifier_b_value varchar)"
        )
        connection.executemany("insert into intermediate.int_identifier_links_observed values (?, ?, ?, ?)", links)


def test_pairwise_precision_and_recall_from_a_hand_worked_example(tmp_path):
    # Truth: P1 = {a, b, c, phone}, P2 = {d, e, f}; kiosk k is shared (not evaluated); T is a test account.
    # Warehouse: X = {a, b}, Y = {c, d, e, phone of P1 hashed}; f unknown; kiosk and T's id in X.
    phone_hash = hashlib.sha256(f"{SALT}|+8613800138000".encode()).hexdigest()
    write_truth(
        tmp_path / "truth",
        [
            ("P1", "user_id", "a", False), ("P1", "anonymous_id", "b", False), ("P1", "crm_id", "c", False),
            ("P1", "phone", "+8613800138000", False),
            ("P2", "user_id", "d", False), ("P2", "anonymous_id", "e", False), ("P2", "member_id", "f", False),
            ("P1", "device_id", "k", True), ("P2", "device_id", "k", True),
            ("T", "user_id", "test_001", False),
        ],
        [("P1", False, False), ("P2", False, False), ("T", True, False)],
    )
    write_warehouse(
        tmp_path / "w.duckdb",
        [
            ("user_id", "a", "X"), ("anonymous_id", "b", "X"), ("device_id", "k", "X"), ("user_id", "test_001", "X"),
            ("crm_id", "c", "Y"), ("user_id", "d", "Y"), ("anonymous_id", "e", "Y"), ("phone", phone_hash, "Y"),
        ],
        # Observed links: a-b, a-c, c-phone (P1 all linked); d-e (P2); f is never seen with another identifier;
        # d-c links two true persons (counts for nobody's linkable pairs).
        [
            ("anonymous_id", "b", "user_id", "a"), ("crm_id", "c", "user_id", "a"),
            ("crm_id", "c", "phone", phone_hash),
            ("anonymous_id", "e", "user_id", "d"), ("crm_id", "c", "user_id", "d"),
        ],
    )
    accuracy = measure_identity_accuracy(tmp_path / "w.duckdb", tmp_path / "truth", SALT)
    # Cells: (P1,X)=2, (P1,Y)=2 [c, phone], (P2,Y)=2 [d, e], (P2,unresolved f)=1.
    # True positives = C(2,2)+C(2,2)+C(2,2) = 3. True pairs = C(4,2)+C(3,2) = 9.
    # Predicted pairs over evaluated identifiers = C(2,2) for X + C(4,2) for Y + 0 for f = 7.
    assert accuracy.true_positive_pairs == 3
    assert accuracy.true_pairs == 9
    assert accuracy.predicted_pairs == 7
    assert accuracy.precision == pytest.approx(3 / 7)
    assert accuracy.recall == pytest.approx(3 / 9)
    assert accuracy.evaluated_identifiers == 7
    # Linkable groups: {a, b, c, phone} (C(4,2) = 6 pairs) and {d, e} (1 pair); f alone. Cells of group x person:
    # {a,b} in X (1 pair), {c, phone} in Y (1 pair), {d, e} in Y (1 pair): 3 of 7.
    assert accuracy.linkable_pairs == 7
    assert accuracy.linkable_recall == pytest.approx(3 / 7)
    assert accuracy.persons == 2 and accuracy.largest_component == 4


def test_identity_resolution_meets_its_targets_on_demo_data(demo_warehouse):
    """Precision at least 99.9% and recall at least 99% of "same person" pairs on the default demo data
    (4,000 persons, 90 days: the session's shared demo refresh, conftest.demo_warehouse)."""
    accuracy = measure_identity_accuracy(demo_warehouse.path, demo_warehouse.truth_dir, demo_warehouse.salt)
    print(accuracy.describe())
    assert accuracy.linkable_pairs > 10_000, accuracy.describe()
    assert accuracy.precision >= 0.999, accuracy.describe()
    assert accuracy.linkable_recall >= 0.99, accuracy.describe()
    assert "Identity resolution" in demo_warehouse.output and "precision" in demo_warehouse.output
