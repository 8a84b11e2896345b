"""The identity graph's incremental build: new links update the components they touch, and only those;
the result equals a full refresh.

int_identifiers_resolved is incremental. It stores a fingerprint of every identifier's kept neighbourhood;
the next build recomputes components only over the previous components of identifiers that are new, whose
neighbourhood changed or whose first sighting changed (and of their neighbours), and refreshes the
evidence columns of the other rows. This test builds the model on a scratch warehouse with hand-made
upstream tables, changes the graph in every way that matters (two components merge, a component splits,
a link inside a component, new identifiers, an identifier that leaves the graph, an earlier first sighting,
new evidence only), builds again incrementally, and compares with a full refresh of the changed graph.

Which rows the incremental build resolved is made observable with a marker: before it runs, the test adds
1000 to count_component_rounds of every row; rows the build resolved again come back below 1000.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.tests.refresh_helpers import build_resolved_identifiers

pytestmark = pytest.mark.slow

MARKER = 1000

# identifier key -> first_seen_at day of January 2026, before and after the change
IDENTIFIERS_BEFORE = {
    # A and B merge (new link a2 - b1)
    "user_id:a1": 3, "phone:a2": 4, "email:a3": 5,
    "user_id:b1": 2, "phone:b2": 6,
    # C splits (link c2 - c3 removed)
    "user_id:c1": 7, "phone:c2": 3, "email:c3": 1, "device_id:c4": 8,
    # D gets a link inside it (d1 - d3) and a new identifier n3
    "user_id:d1": 5, "phone:d2": 4, "email:d3": 6,
    # E: e2 turns out to be seen earlier than e1, so it names the person
    "user_id:e1": 3, "phone:e2": 9,
    # F: only its evidence changes (f1 seen again)
    "user_id:f1": 2, "phone:f2": 3,
    # G and z1: untouched
    "user_id:g1": 4, "phone:g2": 5,
    "anonymous_id:z1": 1,
    # H: h2 leaves the graph (blocked), so h1 and h3 part
    "user_id:h1": 2, "phone:h2": 1, "email:h3": 3,
}
LINKS_BEFORE = [
    ("user_id:a1", "phone:a2"), ("phone:a2", "email:a3"),
    ("user_id:b1", "phone:b2"),
    ("user_id:c1", "phone:c2"), ("phone:c2", "email:c3"), ("email:c3", "device_id:c4"),
    ("user_id:d1", "phone:d2"), ("phone:d2", "email:d3"),
    ("user_id:e1", "phone:e2"),
    ("user_id:f1", "phone:f2"),
    ("user_id:g1", "phone:g2"),
    ("user_id:h1", "phone:h2"), ("phone:h2", "email:h3"),
]

IDENTIFIERS_AFTER = {
    **{key: day for key, day in IDENTIFIERS_BEFORE.items() if key != "phone:h2"},
    "phone:e2": 1,
    "anonymous_id:n1": 10, "phone:n2": 11, "anonymous_id:n3": 12,
}
LINKS_AFTER = [
    *(link for link in LINKS_BEFORE if link != ("phone:c2", "email:c3")),
    ("phone:a2", "user_id:b1"),
    ("user_id:d1", "email:d3"),
    ("anonymous_id:n1", "phone:n2"),
    ("anonymous_id:n3", "user_id:d1"),
]
# f1 is seen again: new last_seen_at and count_observations, same first_seen_at
EVIDENCE_CHANGED = {"user_id:f1"}

EXPECTED_RESOLVED_AGAIN = {
    "user_id:a1", "phone:a2", "email:a3", "user_id:b1", "phone:b2",
    "user_id:c1", "phone:c2", "email:c3", "device_id:c4",
    "user_id:d1", "phone:d2", "email:d3", "anonymous_id:n3",
    "user_id:e1", "phone:e2",
    "user_id:h1", "email:h3",
    "anonymous_id:n1", "phone:n2",
}


def write_upstream(path: Path, identifiers: dict[str, int], links: list[tuple[str, str]],
                   evidence_changed: set[str]) -> None:
    """(Re)create the two upstream relations of int_identifiers_resolved."""
    identifier_rows = [
        (
            *key.split(":", 1),
            f"2026-01-{day:02d}",
            "2026-02-15" if key in evidence_changed else "2026-02-01",
            5 if key in evidence_changed else 1,
            "events,orders" if key in evidence_changed else "events",
        )
        for key, day in identifiers.items()
    ]
    # each pair once, its smaller key first, as int_identifier_links_kept holds it
    link_rows = [
        (*smaller.split(":", 1), *larger.split(":", 1)) for smaller, larger in (sorted(link) for link in links)
    ]
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists intermediate")
        connection.execute(
            """
            create or replace table intermediate.int_identifiers_observed (
                identifier_type varchar, identifier_value varchar, first_seen_at timestamp,
                last_seen_at timestamp, count_observations bigint, source_names varchar
            )
            """
        )
        connection.executemany(
            "insert into intermediate.int_identifiers_observed values (?, ?, ?, ?, ?, ?)", identifier_rows
        )
        connection.execute(
            """
            create or replace table intermediate.int_identifier_links_kept (
                identifier_a_type varchar, identifier_a_value varchar, identifier_b_type varchar,
                identifier_b_value varchar, first_seen_at timestamp, last_seen_at timestamp,
                count_observations bigint, source_names varchar
            )
            """
        )
        connection.executemany(
            """
            insert into intermediate.int_identifier_links_kept
            values (?, ?, ?, ?, timestamp '2026-01-01', timestamp '2026-02-01', 1, 'events')
            """,
            link_rows,
        )


def build(folder: Path, warehouse: Path, full_refresh: bool = False) -> None:
    completed = build_resolved_identifiers(folder, warehouse, ["--full-refresh"] if full_refresh else [])
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> tuple[Path, Path]:
    """The incremental warehouse (built before and after the change, marked in between) and the full
    refresh of the changed graph."""
    folder = tmp_path_factory.mktemp("identity_incremental")
    incremental, full = folder / "incremental.duckdb", folder / "full.duckdb"
    write_upstream(incremental, IDENTIFIERS_BEFORE, LINKS_BEFORE, set())
    build(folder, incremental)
    with duckdb.connect(str(incremental)) as connection:
        connection.execute(
            "update intermediate.int_identifiers_resolved "
            f"set count_component_rounds = count_component_rounds + {MARKER}"
        )
    write_upstream(incremental, IDENTIFIERS_AFTER, LINKS_AFTER, EVIDENCE_CHANGED)
    build(folder, incremental)
    write_upstream(full, IDENTIFIERS_AFTER, LINKS_AFTER, EVIDENCE_CHANGED)
    build(folder, full, full_refresh=True)
    return incremental, full


def test_incremental_build_resolves_only_the_changed_components(warehouses: tuple[Path, Path]) -> None:
    incremental, _ = warehouses
    with duckdb.connect(str(incremental), read_only=True) as connection:
        rows = connection.execute(
            """
            select identifier_type || ':' || identifier_value, count_component_rounds >= ?
            from intermediate.int_identifiers_resolved
            """,
            [MARKER],
        ).fetchall()
    resolved_again = {key for key, is_marked in rows if not is_marked}
    assert resolved_again == EXPECTED_RESOLVED_AGAIN
    assert {key for key, _ in rows} == set(IDENTIFIERS_AFTER)


def test_incremental_build_equals_full_refresh(warehouses: tuple[Path, Path]) -> None:
    incremental, full = warehouses
    with duckdb.connect(str(incremental)) as connection:
        connection.execute(
            f"""
            update intermediate.int_identifiers_resolved set count_component_rounds = count_component_rounds - {MARKER}
            where count_component_rounds >= {MARKER}
            """
        )
        connection.execute(f"attach '{full}' as full_refresh (read_only)")
        columns = ", ".join(
            name
            for (name,) in connection.execute(
                """
                select column_name from information_schema.columns
                where table_catalog = 'full_refresh' and table_name = 'int_identifiers_resolved'
                order by ordinal_position
                """
            ).fetchall()
        )
        only_incremental = connection.execute(
            f"""
            select {columns} from intermediate.int_identifiers_resolved
            except all
            select {columns} from full_refresh.intermediate.int_identifiers_resolved
            """
        ).fetchall()
        only_full = connection.execute(
            f"""
            select {columns} from full_refresh.intermediate.int_identifiers_resolved
            except all
            select {columns} from intermediate.int_identifiers_resolved
            """
        ).fetchall()
        components = dict(
            connection.execute(
                """
                select identifier_type || ':' || identifier_value, component_id
                from full_refresh.intermediate.int_identifiers_resolved
                """
            ).fetchall()
        )
    assert (only_incremental, only_full) == ([], [])
    # the changes did what they say: A and B merged, C split, h1 and h3 parted, n3 joined D
    assert components["user_id:a1"] == components["phone:b2"]
    assert components["user_id:c1"] != components["device_id:c4"]
    assert components["user_id:h1"] != components["email:h3"]
    assert components["anonymous_id:n3"] == components["email:d3"]
