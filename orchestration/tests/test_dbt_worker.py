"""orchestration/tests/dbt_worker.py: commands sent to the long-lived dbt process run with their own environment,
report dbt's exit code and output, and leave the warehouse file closed for the test."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_DIR
from orchestration.tests.dbt_worker import run_dbt

pytestmark = pytest.mark.slow


def environment(warehouse: Path) -> dict[str, str]:
    return {**os.environ, "WAREHOUSE_PATH": str(warehouse), "DUCKDB_TEMP_DIRECTORY": str(warehouse.parent / "tmp"),
            "PII_HASH_SALT": "worker-test-salt", "DBT_PROFILES_DIR": str(PROJECT_DIR), "DBT_TARGET": "duckdb"}


def seed(warehouse: Path, *extra: str):
    folder = warehouse.parent
    return run_dbt(["seed", "--select", "city_tiers", "--target-path", str(folder / "target"),
                    "--log-path", str(folder / "logs"), *extra], cwd=PROJECT_DIR, env=environment(warehouse))


def test_each_command_builds_in_its_own_warehouse_and_releases_the_file(tmp_path):
    first, second = tmp_path / "one" / "alpha.duckdb", tmp_path / "two" / "beta.duckdb"
    for warehouse in (first, second):
        warehouse.parent.mkdir()
        completed = seed(warehouse)
        assert completed.returncode == 0, completed.stdout[-3000:]
        # A writer right after the command: dbt has closed the file.
        with duckdb.connect(str(warehouse)) as connection:
            catalogs = connection.execute(
                "select distinct table_catalog from information_schema.tables where table_schema = 'seeds'"
            ).fetchall()
            connection.execute("delete from seeds.city_tiers where true")
        assert catalogs == [(warehouse.stem,)]  # the reused manifest renamed for each file
    # The next command on the first file sees what the test wrote and builds again.
    completed = seed(first)
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(first), read_only=True) as connection:
        assert connection.execute("select count(*) from seeds.city_tiers").fetchone()[0] > 0


def test_a_failing_command_reports_dbt_exit_code_and_output(tmp_path):
    warehouse = tmp_path / "profile.duckdb"
    completed = run_dbt(["run", "--select", "stg_crm__customers", "--target-path", str(tmp_path / "target"),
                         "--log-path", str(tmp_path / "logs")], cwd=PROJECT_DIR, env=environment(warehouse))
    # The model reads a source table this empty warehouse does not have.
    assert completed.returncode == 1
    assert "stg_crm__customers" in completed.stdout and "ERROR" in completed.stdout
    # and the worker goes on serving
    completed = seed(warehouse)
    assert completed.returncode == 0, completed.stdout[-3000:]
