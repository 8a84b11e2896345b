"""The activation exports (orchestration/activation_exports.py): the files, atomic replacement of a date
folder (a failure mid-write leaves the previous export intact), idempotent re-runs, header-only files for
empty segments, the `latest` pointer - on a tiny hand-made warehouse - and, on the demo warehouse, that no
exported person lacks marketing consent or has an erasure request."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration import activation_exports
from orchestration.activation_exports import EXPORT_COLUMNS, export_segments

SEGMENTS = [
    ("coupon_hunters", True),
    ("nobody_yet", True),  # exportable, no contactable member: header-only files
    ("internal_only", False),  # not exportable: no file
]
MEMBERS = [
    ("coupon_hunters", "p_2", "ph2", "em2", None, None, "M2"),
    ("coupon_hunters", "p_1", "ph1", None, "ow1", "un1", "M1"),
    ("internal_only", "p_1", "ph1", None, "ow1", "un1", "M1"),
]


def make_warehouse(path: Path, as_of: str = "2026-10-31", members: list[tuple] = MEMBERS) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute("create or replace table marts.dim_segments "
                           "(segment_key varchar, is_exportable boolean, as_of_date date)")
        connection.executemany("insert into marts.dim_segments values (?, ?, ?)",
                               [(key, exportable, as_of) for key, exportable in SEGMENTS])
        connection.execute(f"create or replace table marts.rpt_segment_exports (segment_key varchar, "
                           f"{', '.join(f'{column} varchar' for column in EXPORT_COLUMNS)}, as_of_date date)")
        connection.executemany(f"insert into marts.rpt_segment_exports values ({', '.join(['?'] * 8)})",
                               [(*member, as_of) for member in members if member[0] != "internal_only"])
    return path


def export(warehouse: Path, export_dir: Path):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return export_segments(connection, export_dir)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below folder (hidden ones too) -> its sha256."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != ".lock"}


@pytest.fixture()
def warehouse(tmp_path) -> Path:
    return make_warehouse(tmp_path / "profile.duckdb")


def test_each_exportable_segment_gets_a_csv_a_parquet_and_a_manifest_entry(warehouse, tmp_path):
    exports = tmp_path / "exports"
    result = export(warehouse, exports)
    folder = exports / "2026-10-31"
    assert result.folder == folder and result.as_of_date == "2026-10-31"
    assert sorted(path.name for path in folder.iterdir()) == [
        "coupon_hunters.csv", "coupon_hunters.parquet", "manifest.json", "nobody_yet.csv", "nobody_yet.parquet"]
    with (folder / "coupon_hunters.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    # Header first, rows by person_id, nulls as empty fields.
    assert rows == [list(EXPORT_COLUMNS), ["p_1", "ph1", "", "ow1", "un1", "M1"], ["p_2", "ph2", "em2", "", "", "M2"]]
    parquet = pd.read_parquet(folder / "coupon_hunters.parquet")
    assert list(parquet.columns) == list(EXPORT_COLUMNS) and parquet["person_id"].tolist() == ["p_1", "p_2"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["as_of_date"] == "2026-10-31" and manifest["written_at"]
    assert {key: entry["rows"] for key, entry in manifest["segments"].items()} == {"coupon_hunters": 2, "nobody_yet": 0}
    for entry in manifest["segments"].values():
        for file in entry["files"].values():
            assert hashlib.sha256((folder / file["name"]).read_bytes()).hexdigest() == file["sha256"]
    assert os.readlink(exports / "latest") == "2026-10-31"


def test_an_empty_exportable_segment_gets_header_only_files(warehouse, tmp_path):
    folder = export(warehouse, tmp_path / "exports").folder
    assert (folder / "nobody_yet.csv").read_text() == ",".join(EXPORT_COLUMNS) + "\n"
    empty = pd.read_parquet(folder / "nobody_yet.parquet")
    assert empty.empty and list(empty.columns) == list(EXPORT_COLUMNS)


def test_a_rerun_of_the_same_date_gives_the_same_files_and_leaves_nothing_behind(warehouse, tmp_path):
    exports = tmp_path / "exports"
    export(warehouse, exports)
    first = snapshot(exports)
    export(warehouse, exports)
    second = snapshot(exports)
    manifest = "2026-10-31/manifest.json"
    assert {name: digest for name, digest in first.items() if name != manifest} == {
        name: digest for name, digest in second.items() if name != manifest}  # written_at differs
    assert sorted(path.name for path in exports.iterdir()) == [".lock", "2026-10-31", "latest"]


def test_a_rerun_replaces_the_date_folder_whole(warehouse, tmp_path):
    exports = tmp_path / "exports"
    export(warehouse, exports)
    (exports / "2026-10-31" / "stale_segment.csv").write_text("person_id\n")  # e.g. a segment no longer exportable
    make_warehouse(warehouse, members=MEMBERS[:1])
    export(warehouse, exports)
    folder = exports / "2026-10-31"
    assert not (folder / "stale_segment.csv").exists()
    assert json.loads((folder / "manifest.json").read_text())["segments"]["coupon_hunters"]["rows"] == 1


def test_a_failure_mid_write_leaves_the_previous_export_intact(warehouse, tmp_path, monkeypatch):
    exports = tmp_path / "exports"
    export(warehouse, exports)
    before = snapshot(exports)
    make_warehouse(warehouse, members=MEMBERS[:1])  # the next refresh has different data
    real_write = activation_exports.write_segment_files

    def fail_on_the_second_segment(connection, segment_key, folder):
        if segment_key == "nobody_yet":
            (folder / "nobody_yet.csv").write_text("person_id,ph")  # half a file ...
            raise OSError("disk full")  # ... then the write fails
        return real_write(connection, segment_key, folder)

    monkeypatch.setattr(activation_exports, "write_segment_files", fail_on_the_second_segment)
    with pytest.raises(OSError, match="disk full"):
        export(warehouse, exports)
    assert snapshot(exports) == before  # same files, same bytes, no partial folder
    assert sorted(path.name for path in exports.iterdir()) == [".lock", "2026-10-31", "latest"]


def test_a_failure_during_the_swap_puts_the_previous_folder_back(warehouse, tmp_path, monkeypatch):
    exports = tmp_path / "exports"
    export(warehouse, exports)
    before = snapshot(exports)
    real_replace = os.replace

    def fail_on_the_partial_folder(source, destination):
        if ".partial-" in Path(source).name and Path(destination).name == "2026-10-31":
            raise OSError("interrupted")
        return real_replace(source, destination)

    monkeypatch.setattr(activation_exports.os, "replace", fail_on_the_partial_folder)
    with pytest.raises(OSError, match="interrupted"):
        export(warehouse, exports)
    assert snapshot(exports) == before


def test_a_folder_retired_by_a_killed_export_is_restored(warehouse, tmp_path):
    exports = tmp_path / "exports"
    export(warehouse, exports)
    before = snapshot(exports / "2026-10-31")
    # Killed between the two renames of the swap: the previous folder is retired, the new one not in place.
    (exports / "2026-10-31").rename(exports / ".2026-10-31.retired-0badc0de")
    (exports / ".2026-10-31.partial-0badc0de").mkdir()
    make_warehouse(warehouse, as_of="2026-11-01")
    export(warehouse, exports)
    assert snapshot(exports / "2026-10-31") == before
    assert sorted(path.name for path in exports.iterdir()) == [".lock", "2026-10-31", "2026-11-01", "latest"]


def test_latest_points_at_the_newest_date_even_after_a_backfill(warehouse, tmp_path):
    exports = tmp_path / "exports"
    export(warehouse, exports)
    make_warehouse(warehouse, as_of="2026-10-30")
    export(warehouse, exports)
    assert os.readlink(exports / "latest") == "2026-10-31"
    assert (exports / "latest" / "coupon_hunters.csv").exists()


def test_a_segment_key_that_is_no_file_name_is_refused(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("insert into marts.dim_segments values ('../escape', true, '2026-10-31')")
    with pytest.raises(ValueError, match="file name"):
        export(warehouse, tmp_path / "exports")
    assert not (tmp_path / "exports").exists()


# --- The demo data set (the session fixture demo_warehouse) ---
# Needs the integrated build: segments (dim_segments, rpt_segment_exports), the erasure source
# (staging.stg_privacy__erasure_requests) and the export asset in the refresh job.


@pytest.fixture(scope="module")
def exported(demo_warehouse) -> pd.DataFrame:
    """Every row of the activation files the refresh wrote, with its segment (the file's name)."""
    export_dir = Path(os.environ.get("EXPORT_DIR") or demo_warehouse.path.parent / "exports")
    folder = export_dir / "latest"
    assert folder.is_dir(), f"no activation export in {export_dir}"
    frames = [pd.read_csv(path, dtype=str).assign(segment_key=path.stem) for path in sorted(folder.glob("*.csv"))]
    assert frames, "no activation file"
    return pd.concat(frames, ignore_index=True)


def test_demo_exports_hold_only_persons_with_consent_and_no_erasure(demo_warehouse, exported):
    """Recomputed from the CRM records in staging and the erasure requests, not from the export marts: every
    exported person has a CRM record, and every CRM record of theirs consents and is not deleted; no exported
    person or contact identifier belongs to an erasure request."""
    persons = exported["person_id"].drop_duplicates().tolist()
    assert persons, "no person exported at all: the test would prove nothing"
    consents = demo_warehouse.frame("""
        select identifiers.person_id,
               count(customers.crm_id) as count_crm_records,
               count(*) filter (where customers.is_marketing_opt_in and not customers.is_deleted) as count_consents
        from marts.bdg_person_identifiers as identifiers
        left join staging.stg_crm__customers as customers on identifiers.identifier_value = customers.crm_id
        where identifiers.identifier_type = 'crm_id'
        group by identifiers.person_id
    """).set_index("person_id")
    consents = consents.reindex(persons, fill_value=0)
    without_record = consents.index[consents["count_crm_records"] == 0].tolist()
    refusing = consents.index[consents["count_consents"] < consents["count_crm_records"]].tolist()
    assert not without_record, f"exported without a CRM record: {without_record[:5]}"
    assert not refusing, f"exported although a CRM record refuses: {refusing[:5]}"

    requested = demo_warehouse.frame(
        "select distinct identifier_type, identifier_value from staging.stg_privacy__erasure_requests")
    assert not requested.empty, "the demo data set has no erasure request"
    erased_persons = set(demo_warehouse.frame("""
        select distinct resolved.person_id
        from intermediate.int_identifiers_resolved as resolved
        inner join staging.stg_privacy__erasure_requests as requests
            on resolved.identifier_type = requests.identifier_type
            and resolved.identifier_value = requests.identifier_value
    """)["person_id"])
    assert not erased_persons & set(persons)
    requested_values = set(requested["identifier_value"])
    for column in EXPORT_COLUMNS:
        assert not requested_values & set(exported[column].dropna()), column


def test_demo_exports_match_the_mart_and_the_manifest(demo_warehouse, exported):
    rows = demo_warehouse.frame(
        "select segment_key, count(*) as count_rows from marts.rpt_segment_exports group by segment_key")
    exportable = demo_warehouse.frame("select segment_key from marts.dim_segments where is_exportable")
    files = exported.groupby("segment_key").size()
    assert set(files.index) <= set(exportable["segment_key"])
    assert files.to_dict() == dict(zip(rows["segment_key"], rows["count_rows"], strict=True))
    folder = Path(os.environ.get("EXPORT_DIR") or demo_warehouse.path.parent / "exports") / "latest"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["segments"]) == set(exportable["segment_key"])
    # The consent rule matters on the demo data: some members of exportable segments were left out.
    members = demo_warehouse.frame("""
        select count(*) as count_members
        from intermediate.int_segment_members_evaluated as members
        inner join marts.dim_segments as segments on members.segment_key = segments.segment_key
        where segments.is_exportable
    """)["count_members"].iloc[0]
    print(f"\n{len(exportable)} exportable segments: {members:,} members, {len(exported):,} exported")
    assert len(exported) < members
