"""Shared fixtures: one refresh of the full default demo data set (4,000 persons x 90 days, seed 42), built
once per test session, for the tests that compare marts with the generator's ground truth (funnels,
experiments, campaigns, churn warning). Tests open it read-only and never write to it."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.demo_data import generate
from orchestration.identity_accuracy import create_true_person_map
from orchestration.tests.refresh_helpers import run_refresh

DEMO_SALT = "demo-truth-test-salt"

# A pytest-xdist worker's __main__ (execnet's) has neither __spec__ nor __file__: pyspark's Spark Connect
# package, which great_expectations imports, then takes the process for a doctest run and exits it.
_main_module = sys.modules["__main__"]
if getattr(_main_module, "__spec__", None) is None and not hasattr(_main_module, "__file__"):
    _main_module.__file__ = "<pytest-xdist worker>"


@dataclass(frozen=True)
class DemoWarehouse:
    path: Path
    raw_dir: Path
    truth_dir: Path
    salt: str
    output: str

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        """Run sql on the warehouse (read-only) and return the result as a pandas DataFrame."""
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql, parameters or []).df()

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        """Run sql on the warehouse (read-only). It may join the temporary table true_person_map (warehouse
        person_id -> the generator's true_person_id, is_test_account, is_bot: see create_true_person_map)."""
        with duckdb.connect(str(self.path), read_only=True) as connection:
            create_true_person_map(connection, self.truth_dir, self.salt)
            return connection.execute(sql, parameters or []).fetchall()


# Fixtures that refresh a warehouse or run dbt on data: a test using one is in the slow tier
# (orchestration/test_tiers.py), whatever its module says. Modules whose tests refresh in their own body
# carry `pytestmark = pytest.mark.slow` themselves.
SLOW_FIXTURES = {"demo_warehouse", "golden_warehouse", "cdnow_warehouse", "scenario"}
TIER_MARKERS = ("spark", "browser", "slow")


def pytest_collection_modifyitems(config, items):
    for item in items:
        uses_demo = "demo_warehouse" in item.fixturenames
        if SLOW_FIXTURES & set(item.fixturenames) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
        # With pytest-xdist (`-n 2 --dist loadgroup`, orchestration/test_tiers.py) a group runs on one worker:
        # a module's tests stay together (its module fixtures are built once), and every test of the demo
        # refresh shares one group, so that refresh is built once per run, not once per worker.
        if not item.get_closest_marker("xdist_group"):
            group = "demo_warehouse" if uses_demo else item.module.__name__.rsplit(".", 1)[-1]
            item.add_marker(pytest.mark.xdist_group(group))


_tier_seconds: dict[str, float] = {}


def tier_of(keywords) -> str:
    """The tier a test belongs to from its markers: spark, browser, slow, else unit."""
    return next((marker for marker in TIER_MARKERS if marker in keywords), "unit")


def pytest_runtest_logreport(report):
    # setup, call and teardown of every test, summed per tier (on the controller when run with -n)
    tier = tier_of(report.keywords)
    _tier_seconds[tier] = _tier_seconds.get(tier, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if _tier_seconds:
        parts = ", ".join(f"{tier} {seconds:.0f} s" for tier, seconds in sorted(_tier_seconds.items()))
        terminalreporter.write_line(f"time in tests per tier (setup, call and teardown summed): {parts}")


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> DemoWarehouse:
    """The default demo data set refreshed through `python -m orchestration.run` (as `make run` does)."""
    folder = tmp_path_factory.mktemp("demo_truth")
    generate(folder / "demo")
    warehouse = folder / "warehouse" / "profile.duckdb"
    result = run_refresh(raw_dir=folder / "demo" / "raw", warehouse_path=warehouse, salt=DEMO_SALT)
    assert result.success, result.output[-4000:]
    return DemoWarehouse(
        path=warehouse, raw_dir=folder / "demo" / "raw", truth_dir=folder / "demo" / "truth",
        salt=DEMO_SALT, output=result.output,
    )
