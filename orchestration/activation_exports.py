"""The activation exports: one CSV and one Parquet file per exportable segment, written atomically per refresh.

    python -m orchestration.activation_exports [--warehouse PATH] [--export-dir DIR]

Reads marts.dim_segments (which segments are exportable) and marts.rpt_segment_exports (their contactable
members: marketing consent, no pending erasure - the mart decides, this step only writes) after the dbt
build, and writes

    <EXPORT_DIR>/<as_of_date>/<segment_key>.csv       person_id and the contact identifiers, header first
    <EXPORT_DIR>/<as_of_date>/<segment_key>.parquet   the same rows
    <EXPORT_DIR>/<as_of_date>/manifest.json           as_of_date, written_at, columns, per segment the rows
                                                      and each file's name, bytes and sha256
    <EXPORT_DIR>/latest                               symbolic link to the newest date folder

Every exportable segment gets its files, an empty one a header-only CSV and an empty Parquet file, so a
consumer can tell "nobody today" from "not exported". Rows are ordered by person_id: the same data gives
byte-identical files.

Atomic per refresh: the date folder is written in full into a hidden sibling (.<date>.partial-<token>),
every file and the folder fsynced, then swapped in with os.replace - a re-run of the same date retires the
old folder whole (renamed aside first, since a folder cannot be renamed onto a non-empty one, then
deleted). A reader finds the complete old folder or the complete new one, never a mix or half a file (for
the instant between the two renames, no folder). A failure before the swap deletes the partial folder and
leaves the previous export as it was. `latest` is replaced the same way (a new link renamed over the old).
One export at a time: the step holds an exclusive lock on <EXPORT_DIR>/.lock.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.person_clusters import analysis_date
from orchestration.settings import load_settings
from orchestration.storage import exclusive_file_lock, fsync_path, sql_literal

SEGMENTS_TABLE = "marts.dim_segments"
EXPORTS_TABLE = "marts.rpt_segment_exports"
# The columns of every file, in order (segment_key is the file's name, as_of_date its folder's).
EXPORT_COLUMNS = ("person_id", "phone_hash", "email_hash", "wechat_openid", "wechat_unionid", "member_id")
FILE_FORMATS = {"csv": "format csv, header true", "parquet": "format parquet"}
MANIFEST_NAME = "manifest.json"
LATEST_NAME = "latest"
LOCK_NAME = ".lock"
# A segment key becomes a file name: letters, digits, '_', '-' and '.' only, not starting with a dot.
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")
RETIRED_FOLDER = re.compile(r"\.(\d{4}-\d{2}-\d{2})\.retired-[0-9a-f]+")


@dataclass(frozen=True)
class SegmentExport:
    segment_key: str
    rows: int
    files: dict[str, dict]  # format -> {"name", "bytes", "sha256"}


@dataclass(frozen=True)
class ExportResult:
    as_of_date: str
    folder: Path
    segments: list[SegmentExport]

    @property
    def rows(self) -> int:
        return sum(segment.rows for segment in self.segments)


def exportable_segments(connection: duckdb.DuckDBPyConnection, pinned_as_of: str = "") -> tuple[list[str], str]:
    """The exportable segment keys (sorted) and the analysis date (YYYY-MM-DD): that of EXPORTS_TABLE, else
    (no row to export at all) the pinned AS_OF or the latest reporting day in the data, as dbt reckons it."""
    keys = [row[0] for row in connection.execute(
        f"select segment_key from {SEGMENTS_TABLE} where is_exportable order by segment_key").fetchall()]
    as_of = connection.execute(f"select max(as_of_date) from {EXPORTS_TABLE}").fetchone()[0]
    as_of = as_of or analysis_date(connection, pinned_as_of)
    if as_of is None:
        raise ValueError(f"no analysis date: {EXPORTS_TABLE} is empty and so is the data")
    for key in keys:
        if not SAFE_FILE_NAME.fullmatch(key):
            raise ValueError(f"segment key {key!r} cannot be a file name (letters, digits, _ - . only)")
    return keys, as_of.isoformat() if isinstance(as_of, date) else str(as_of)


def _file_entry(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def write_segment_files(connection: duckdb.DuckDBPyConnection, segment_key: str, folder: Path) -> SegmentExport:
    """<segment_key>.csv and .parquet in folder, rows ordered by person_id, each fsynced."""
    query = (f"select {', '.join(EXPORT_COLUMNS)} from {EXPORTS_TABLE} "
             f"where segment_key = {sql_literal(segment_key)} order by person_id")
    files = {}
    for extension, options in FILE_FORMATS.items():
        path = folder / f"{segment_key}.{extension}"
        connection.execute(f"copy ({query}) to {sql_literal(str(path))} ({options})")
        fsync_path(path)
        files[extension] = _file_entry(path)
    rows = connection.execute(
        f"select count(*) from {EXPORTS_TABLE} where segment_key = {sql_literal(segment_key)}").fetchone()[0]
    return SegmentExport(segment_key, int(rows), files)


def _write_manifest(folder: Path, as_of_date: str, segments: list[SegmentExport]) -> None:
    manifest = {
        "as_of_date": as_of_date,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "columns": list(EXPORT_COLUMNS),
        "segments": {segment.segment_key: {"rows": segment.rows, "files": segment.files} for segment in segments},
    }
    path = folder / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    fsync_path(path)


@contextmanager
def _export_lock(export_dir: Path) -> Iterator[None]:
    with exclusive_file_lock(export_dir / LOCK_NAME):
        yield


def _remove_leftovers(export_dir: Path) -> None:
    """Partial or retired folders a killed export left behind (no export runs meanwhile: the lock). A retired
    folder whose date has no folder (killed between the two renames of the swap) is put back instead."""
    for path in export_dir.iterdir():
        retired = RETIRED_FOLDER.fullmatch(path.name)
        if retired and not (export_dir / retired.group(1)).exists():
            os.replace(path, export_dir / retired.group(1))
        elif path.name.startswith(".") and (".partial-" in path.name or ".retired-" in path.name):
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _swap_in(partial: Path, final: Path, token: str) -> None:
    """Replace the folder `final` (if any) by `partial` with renames; the old one is deleted afterwards."""
    retired = final.with_name(f".{final.name}.retired-{token}")
    has_previous = final.exists() or final.is_symlink()
    if has_previous:
        os.replace(final, retired)
    try:
        os.replace(partial, final)
    except BaseException:
        if has_previous:
            os.replace(retired, final)  # the previous export goes back
        raise
    fsync_path(final.parent)
    if has_previous:
        _remove(retired)


def _point_latest(export_dir: Path, token: str) -> None:
    """`latest` -> the newest date folder, replaced atomically (a new link renamed over the old one)."""
    dates = sorted(path.name for path in export_dir.iterdir()
                   if path.is_dir() and not path.is_symlink() and DATE_FOLDER.fullmatch(path.name))
    if not dates:
        return
    link = export_dir / f".{LATEST_NAME}.partial-{token}"
    link.symlink_to(dates[-1], target_is_directory=True)
    os.replace(link, export_dir / LATEST_NAME)
    fsync_path(export_dir)


def export_segments(connection: duckdb.DuckDBPyConnection, export_dir: Path, pinned_as_of: str = "") -> ExportResult:
    """Write every exportable segment's files for the analysis date into export_dir (see the module doc)."""
    keys, as_of_date = exportable_segments(connection, pinned_as_of)
    export_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    final = export_dir / as_of_date
    with _export_lock(export_dir):
        _remove_leftovers(export_dir)
        partial = export_dir / f".{as_of_date}.partial-{token}"
        partial.mkdir()
        try:
            segments = [write_segment_files(connection, key, partial) for key in keys]
            _write_manifest(partial, as_of_date, segments)
            fsync_path(partial)
            _swap_in(partial, final, token)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _point_latest(export_dir, token)
    return ExportResult(as_of_date, final, segments)


def describe_export(result: ExportResult) -> list[str]:
    lines = [f"{len(result.segments)} exportable segments, {result.rows:,} rows as of {result.as_of_date} "
             f"in {result.folder}"]
    lines += [f"{segment.segment_key}: {segment.rows:,} persons" for segment in result.segments]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.activation_exports",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: the WAREHOUSE_PATH setting)")
    parser.add_argument("--export-dir", type=Path, help="export folder (default: the EXPORT_DIR setting)")
    arguments = parser.parse_args(argv)
    settings = load_settings()
    warehouse = arguments.warehouse or settings.warehouse_path
    with duckdb.connect(str(warehouse), read_only=True, config=settings.duckdb_config) as connection:
        result = export_segments(connection, arguments.export_dir or settings.export_dir, settings.as_of_date)
    for line in describe_export(result):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
