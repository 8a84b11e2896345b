"""Test helper: run `make run`'s entry point on a raw directory, in a child process.

A child process, because dbt-duckdb keeps the warehouse open for the life of the process that ran it;
the test then opens the finished warehouse read-only, as a BI reader would.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import PROJECT_DIR


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
    command = [
        str(Path(sys.executable).parent / "dbt"), "build",
        "--select", "int_identifiers_resolved", "--indirect-selection", "cautious",
        "--exclude", "test_type:unit",
        "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
        *(extra_arguments or []),
    ]
    return subprocess.run(command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=600)


def read_lines(path: Path) -> list[str]:
    """The lines of a gzip JSON-lines raw file."""
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return file.read().splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    """Write a gzip JSON-lines raw file (creating its folder), one line per item."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("".join(line + "\n" for line in lines))
