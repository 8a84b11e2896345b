"""Test helpers: run `make run`'s entry point on a raw directory, in a child process; read and write raw
files; copy a warehouse or the dbt project; compare a table between two warehouses.

A child process, because dbt-duckdb keeps the warehouse open for the life of the process that ran it;
the test then opens the finished warehouse read-only, as a BI reader would.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.raw_files import load_raw_directory
from orchestration.settings import PROJECT_DIR
from orchestration.tests.dbt_worker import run_dbt


@dataclass
class RefreshResult:
    success: bool
    output: str


def run_refresh(
    raw_dir: Path, warehouse_path: Path, salt: str, as_of: str | None = None, environment: dict[str, str] | None = None
) -> RefreshResult:
    """`python -m orchestration.run --raw-dir raw_dir` into warehouse_path; returns its exit status and output.
    `environment` adds settings (e.g. PARTITIONS_START_DATE for data older than the default first partition)."""
    environment = {
        **os.environ,
        **(environment or {}),
        "WAREHOUSE_PATH": str(warehouse_path),
        "DUCKDB_TEMP_DIRECTORY": str(warehouse_path.parent / "tmp"),
        "PII_HASH_SALT": salt,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    command = [sys.executable, "-m", "orchestration.run", "--raw-dir", str(raw_dir)]
    if as_of:
        command += ["--as-of", as_of]
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=900
    )
    return RefreshResult(success=completed.returncode == 0, output=completed.stdout + completed.stderr)


def build_resolved_identifiers(
    folder: Path, warehouse: Path, extra_arguments: list[str] | None = None
) -> subprocess.CompletedProcess:
    """`dbt build` of int_identifiers_resolved alone in a scratch warehouse whose upstream tables the test
    wrote by hand, with the model's own data tests but not its unit tests (they mock their own inputs) nor
    the tests of downstream models (whose tables a scratch warehouse does not hold)."""
    environment = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DUCKDB_TEMP_DIRECTORY": str(folder / "tmp"),
        "PII_HASH_SALT": "identity-scratch-test-salt",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET": "duckdb",
    }
    arguments = [
        "build",
        "--select", "int_identifiers_resolved", "--indirect-selection", "cautious",
        "--exclude", "test_type:unit",
        "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
        *(extra_arguments or []),
    ]
    return run_dbt(arguments, cwd=PROJECT_DIR, env=environment, timeout=600)


def read_lines(path: Path) -> list[str]:
    """The lines of a gzip JSON-lines raw file."""
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return file.read().splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    """Write a gzip JSON-lines raw file (creating its folder), one line per item."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("".join(line + "\n" for line in lines))


def day_of(path: Path) -> dt.date | None:
    """The day of a `date=YYYY-MM-DD` folder the file sits in, None for files outside such folders."""
    for part in path.parts:
        if part.startswith("date="):
            return dt.date.fromisoformat(part.removeprefix("date="))
    return None


def ingest(raw_dir: Path, warehouse: Path) -> None:
    """Load raw_dir into the warehouse with the ingest step's own function (new and changed files only)."""
    with duckdb.connect(str(warehouse)) as connection:
        load_raw_directory(connection, raw_dir)


def copy_warehouse(warehouse: Path, name: str) -> Path:
    """A copy of the warehouse as it stands now (the next build changes it in place)."""
    copy = warehouse.with_name(name)
    shutil.copy2(warehouse, copy)
    return copy


# Columns that record which ingest load brought a row: the incremental warehouse loaded the raw files in two
# loads, the full one in one (and the staging fingerprint covers them).
LOAD_COLUMNS = ("_load_id", "_loaded_at", "staging_fingerprint")


def comparable_columns(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table's columns in order but LOAD_COLUMNS; doubles rounded to 6 decimals: sums of doubles (time
    spent, revenue) are added in whatever order the threads finish, so even two full builds differ in the
    last bits."""
    schema, name = table.split(".")
    columns = connection.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_catalog = current_database() and table_schema = ? and table_name = ?
        order by ordinal_position
        """,
        [schema, name],
    ).fetchall()
    assert columns, f"{table} does not exist"
    return ", ".join(f"round({column}, 6)" if data_type == "DOUBLE" else column
                     for column, data_type in columns if column not in LOAD_COLUMNS)


def rows_in_one_only(left: Path, right: Path, table: str) -> tuple[int, int]:
    """Rows of `table` in the left warehouse but not the right one and the other way round (`except all`)."""
    with duckdb.connect(str(left), read_only=True) as connection:
        columns = comparable_columns(connection, table)
        connection.execute(f"attach '{right}' as other (read_only)")
        only_left = connection.execute(
            f"select count(*) from (select {columns} from {table} except all select {columns} from other.{table})"
        ).fetchone()[0]
        only_right = connection.execute(
            f"select count(*) from (select {columns} from other.{table} except all select {columns} from {table})"
        ).fetchone()[0]
    return only_left, only_right


PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project's files in destination, for a test that edits them."""
    destination.mkdir()
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            shutil.copy2(source, destination / part)
    return destination
