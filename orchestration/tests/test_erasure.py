"""Erasure requests on the full demo warehouse against the generator's ground truth (truth/erasure_requests.json).

The generator has 8 true persons ask to be forgotten, each by one identifier (phone, e-mail, user_id or
crm_id). After the refresh, no table of the schemas a reader can see - marts (the identity and tag histories included)
and the Python steps' clv and clustering - may hold anything about them in any text column: neither a person id the
identity graph gives them nor any identifier of theirs that the identity evidence ties to the requested one (raw, or as
the warehouse's keyed hash). Staging and raw keep the source systems' copy; the scan proves itself on staging.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import pandas as pd
import pytest

SCANNED_SCHEMAS = ("marts", "clv", "clustering")
# Column types scanned as text: strings and anything that may hold one (JSON, lists, structs, maps).
NON_TEXT_TYPES = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "DOUBLE", "FLOAT",
                  "REAL", "BOOLEAN", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIME", "INTERVAL")


@pytest.fixture(scope="module")
def requests(demo_warehouse) -> list[dict]:
    document = json.loads((demo_warehouse.truth_dir / "erasure_requests.json").read_text(encoding="utf-8"))
    assert len(document["requests"]) == 8, "the demo data set asks to forget 8 persons"
    return document["requests"]


def keyed_hash(salt: str, value: str) -> str:
    return hashlib.sha256(f"{salt}|{value}".encode()).hexdigest()


def graph_value(salt: str, identifier_type: str, value: str) -> str:
    """An identifier as the identity graph holds it: phones and e-mails as their keyed hash."""
    return keyed_hash(salt, value) if identifier_type in ("phone", "email") else value


@pytest.fixture(scope="module")
def forgotten(demo_warehouse, requests) -> pd.DataFrame:
    """Every value that would betray a forgotten person: (true_person_id, kind, value).

    For each forgotten true person: every identifier the truth saw them with that the kept identity evidence
    (intermediate.int_identifier_links_kept: records holding both, less the links the hygiene rules drop)
    ties to the requested identifier, directly or through their other identifiers - raw, and hashed for phones
    and e-mails - and the person ids the identity graph gives those identifiers. The rest of the truth's
    identifiers (an anonymous browser that never logged in) appear in no record with the person's others:
    nothing can tell the warehouse they are the same person's. Shared identifiers (store kiosks) belong to
    nobody and are left out.
    """
    salt = demo_warehouse.salt
    truth = pd.read_parquet(demo_warehouse.truth_dir / "identifiers.parquet")
    truth = truth[~truth["is_shared"]]
    links = demo_warehouse.frame(
        "select identifier_a_type || ':' || identifier_a_value as key_a, "
        "identifier_b_type || ':' || identifier_b_value as key_b from intermediate.int_identifier_links_kept"
    )
    values, keys = [], []
    for request in requests:
        person = request["true_person_id"]
        own = truth[truth["true_person_id"] == person]
        raw = {f"{row.identifier_type}:{graph_value(salt, row.identifier_type, row.identifier_value)}":
               (row.identifier_type, row.identifier_value) for row in own.itertuples()}
        parent = {key: key for key in raw}

        def root(key: str, parent: dict[str, str] = parent) -> str:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for left, right in links[links["key_a"].isin(raw) & links["key_b"].isin(raw)].itertuples(index=False):
            parent[root(left)] = root(right)
        requested = f"{request['identifier_type']}:" + graph_value(
            salt, request["identifier_type"], request["identifier_value"])
        linked = [key for key in raw if root(key) == root(requested)]
        assert len(linked) >= 2, f"{request['request_id']}: the requested identifier is linked to nothing"
        for key in linked:
            identifier_type, value = raw[key]
            values.append((person, identifier_type, value))
            if identifier_type in ("phone", "email"):
                values.append((person, f"{identifier_type}_hash", key.split(":", 1)[1]))
            keys.append((person, key))
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as connection:
        connection.register("linked", pd.DataFrame(keys, columns=["true_person_id", "key"]))
        values += connection.execute(
            """
            select distinct linked.true_person_id, 'person_id', resolved.person_id
            from linked
            inner join intermediate.int_identifiers_resolved as resolved
                on linked.key = resolved.identifier_type || ':' || resolved.identifier_value
            """
        ).fetchall()
    return pd.DataFrame(values, columns=["true_person_id", "kind", "value"])


def test_every_request_reached_its_person(demo_warehouse, requests):
    """Each clean request is staged with its identifier hashed as the graph holds it, and the person that
    identifier resolves to is in int_persons_erased; the injected duplicate and invalid rows are quarantined."""
    staged = dict(demo_warehouse.query(
        "select request_id, identifier_value from staging.stg_privacy__erasure_requests"))
    assert set(staged) == {request["request_id"] for request in requests}
    for request in requests:
        value = request["identifier_value"]
        expected = keyed_hash(demo_warehouse.salt, value) if request["identifier_type"] in ("phone", "email") else value
        assert staged[request["request_id"]] == expected, request["request_id"]
    applied = demo_warehouse.query(
        """
        select requests.request_id, resolved.person_id, erased.person_id
        from staging.stg_privacy__erasure_requests as requests
        left join intermediate.int_identifiers_resolved as resolved
            using (identifier_type, identifier_value)
        left join intermediate.int_persons_erased as erased
            on resolved.person_id = erased.person_id
        """
    )
    assert len(applied) == len(requests)
    assert [row for row in applied if row[1] is None] == [], "a requested identifier is not in the identity graph"
    assert [row for row in applied if row[2] is None] == [], "a requested person is not in int_persons_erased"
    quarantined = sorted(demo_warehouse.query(
        "select reason_code from staging.stg_privacy__quarantined_erasure_requests"))
    assert quarantined == [("duplicate",), ("invalid_identifier",)]


def test_the_scan_finds_the_forgotten_persons_where_they_are_kept(demo_warehouse, forgotten):
    """Guards the scan below against passing vacuously: run on staging (the source systems' copy, which keeps
    them), it finds every forgotten person, in the events, the CRM and the erasure requests themselves."""
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as connection:
        connection.register("forgotten", forgotten)
        hits = scan(connection, ("staging",))
    persons = {person for _, person, _, _ in hits}
    assert persons == set(forgotten["true_person_id"]) and len(persons) == 8
    tables = {table for table, _, _, _ in hits}
    assert {'"staging"."stg_events__events"', '"staging"."stg_crm__customers"',
            '"staging"."stg_privacy__erasure_requests"'} <= tables, tables


def scan(connection: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str, str, int]]:
    """(table, true person, kind of value, rows) for every table row of the schemas holding a value of the
    registered `forgotten` frame in any text column (as a substring: ids inside JSON, URLs or free text count)."""
    columns = connection.execute(
        f"""
        select table_schema, table_name, column_name, data_type
        from information_schema.columns
        where table_schema in ({", ".join("'" + schema + "'" for schema in schemas)})
        order by table_schema, table_name, ordinal_position
        """
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for schema, table, column, data_type in columns:
        tables.setdefault(f'"{schema}"."{table}"', [])
        if data_type.upper() not in NON_TEXT_TYPES and not data_type.upper().startswith("DECIMAL"):
            tables[f'"{schema}"."{table}"'].append(f'coalesce(cast("{column}" as varchar), \'\')')
    hits = []
    for table, texts in tables.items():
        if not texts:
            continue
        row_text = " || chr(31) || ".join(texts)
        hits += connection.execute(
            f"""
            select ? as table_name, forgotten.true_person_id, forgotten.kind, count(*) as count_rows
            from (select {row_text} as row_text from {table}) as scanned
            inner join forgotten
                on contains(scanned.row_text, forgotten.value)
            group by all
            """,
            [table],
        ).fetchall()
    return hits


def test_no_scanned_table_holds_anything_about_a_forgotten_person(demo_warehouse, forgotten):
    """marts, clv and clustering: not one row mentions a forgotten person."""
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as connection:
        schemas = {schema for (schema,) in connection.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
        connection.register("forgotten", forgotten)
        hits = scan(connection, SCANNED_SCHEMAS)
    assert set(SCANNED_SCHEMAS) <= schemas, f"nothing to scan in {set(SCANNED_SCHEMAS) - schemas}"
    assert hits == [], hits
