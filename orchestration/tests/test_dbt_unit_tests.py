"""Every dbt unit test (the hand-worked fixtures in the models' .yml files), on an empty build.

dbt reads a unit test's input columns from its parents' relations, so the project is built once with
`dbt build --empty` (every model with its real columns and no rows) in a scratch DuckDB file that holds the
sources the refresh's Python steps write (raw.*, clv.*, clustering.*), empty too. Then `dbt test --select
test_type:unit` runs them all. No data, no refresh: part of `make test-fast`, the tier to run after editing a
model. A refresh skips the unit tests (DBT_UNIT_TESTS, docs/orchestration.md#settings).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration import customer_value, person_clusters
from orchestration.raw_files import ensure_raw_schema
from orchestration.settings import PROJECT_DIR
from orchestration.table_io import DuckDBTables

DBT = str(Path(sys.executable).parent / "dbt")


def dbt_environment(warehouse: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DUCKDB_TEMP_DIRECTORY": str(warehouse.parent / "tmp"),
        "PII_HASH_SALT": "unit-test-salt",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET": "duckdb",
    }


def create_empty_sources(warehouse: Path) -> None:
    """The tables dbt reads as sources, as the ingest and the Python steps create them, without rows."""
    with duckdb.connect(str(warehouse)) as connection:
        ensure_raw_schema(connection)
        tables = DuckDBTables(connection)
        tables.replace_tables(customer_value.OUTPUT_SCHEMA, {
            customer_value.FITS_TABLE.split(".")[1]: (customer_value.FITS_COLUMNS, pd.DataFrame()),
            customer_value.PREDICTIONS_TABLE.split(".")[1]: (customer_value.PREDICTIONS_COLUMNS, pd.DataFrame()),
        })
        tables.replace_tables(person_clusters.OUTPUT_SCHEMA, {
            person_clusters.ASSIGNMENTS_TABLE.split(".")[1]: (person_clusters.ASSIGNMENTS_COLUMNS, pd.DataFrame()),
            person_clusters.PROFILES_TABLE.split(".")[1]: (person_clusters.PROFILES_COLUMNS, pd.DataFrame()),
            person_clusters.SELECTION_TABLE.split(".")[1]: (person_clusters.SELECTION_COLUMNS, pd.DataFrame()),
        })


def run_dbt(warehouse: Path, *arguments: str) -> subprocess.CompletedProcess:
    folder = warehouse.parent
    command = [DBT, *arguments, "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")]
    return subprocess.run(command, cwd=PROJECT_DIR, env=dbt_environment(warehouse), capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("unit_tests") / "empty.duckdb"
    create_empty_sources(warehouse)
    built = run_dbt(warehouse, "build", "--empty", "--exclude-resource-type", "test", "unit_test")
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-2000:]
    return warehouse


def test_every_dbt_unit_test_passes(empty_warehouse):
    result = run_dbt(empty_warehouse, "test", "--select", "test_type:unit")
    run_results = json.loads((empty_warehouse.parent / "target" / "run_results.json").read_text())
    failed = [f"{entry['unique_id']}: {entry['status']}" for entry in run_results["results"]
              if entry["status"] != "pass"]
    assert not failed and result.returncode == 0, "\n".join(failed) + "\n" + result.stdout[-6000:]
    # Every unit test the project defines ran (a selection gone wrong would pass on none).
    manifest = json.loads((empty_warehouse.parent / "target" / "manifest.json").read_text())
    assert len(run_results["results"]) == len(manifest["unit_tests"]) > 150
