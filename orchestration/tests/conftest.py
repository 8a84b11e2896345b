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
from filelock import FileLock

from orchestration.demo_data import generate
from orchestration.identity_accuracy import create_true_person_map
from orchestration.tests.refresh_helpers import run_refresh

DEMO_SALT = "demo-truth-test-salt"

# A pytest-xdist worker's __main__ (execnet's) has neither __spec__ nor __file__: pyspark's Spark Connect
# package, which great_expectations imports, then takes the process for a doctest run and exits it, unless
# sys.ps1 exists. (Giving __main__ a __file__ instead breaks multiprocessing's spawn, which test_publication's
# reader process uses.)
_main_module = sys.modules["__main__"]
if getattr(_main_module, "__spec__", None) is None and not hasattr(_main_module, "__file__"):
    sys.ps1 = ""


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


# The slow modules that do not read the demo refresh, costliest first (refreshes and dbt runs of their own).
COSTLIEST_FIRST = (
    "test_golden", "test_incremental_refresh", "test_publication", "test_refresh", "test_incremental_funnels",
    "test_incremental_sessions", "test_dbt_runner", "test_tag_history", "test_incremental_staging",
)


def module_order(items) -> list[str]:
    """Modules in the order two xdist workers should take them (`-n 2 --dist loadfile --no-loadscope-reorder`,
    orchestration/test_tiers.py; a file runs on one worker, so its module fixtures are built once): a module
    that reads the demo refresh, then the costliest other module, alternately. The first worker builds the
    demo refresh while the second runs the golden refreshes; by the time the second reaches a demo module the
    refresh is there (demo_warehouse shares it between workers)."""
    modules: dict[str, bool] = {}
    for item in items:
        name = item.module.__name__.rsplit(".", 1)[-1]
        modules[name] = modules.get(name, False) or "demo_warehouse" in item.fixturenames
    demo = [name for name, uses_demo in modules.items() if uses_demo]
    others = sorted((name for name, uses_demo in modules.items() if not uses_demo),
                    key=lambda name: COSTLIEST_FIRST.index(name) if name in COSTLIEST_FIRST else len(COSTLIEST_FIRST))
    order = []
    for index in range(max(len(demo), len(others))):
        order += demo[index:index + 1] + others[index:index + 1]
    return order


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(item.fixturenames) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    rank = {name: position for position, name in enumerate(module_order(items))}
    items.sort(key=lambda item: rank[item.module.__name__.rsplit(".", 1)[-1]])  # stable: file order within


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
def demo_warehouse(tmp_path_factory, worker_id) -> DemoWarehouse:
    """The default demo data set refreshed through `python -m orchestration.run` (as `make run` does).

    Built once per test run: with pytest-xdist, by the first worker that needs it, in the folder all workers
    share (the others wait on the lock, then read it)."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    folder = root / "demo_truth"
    warehouse = folder / "warehouse" / "profile.duckdb"
    output_file = folder / "refresh_output.txt"
    with FileLock(str(root / "demo_truth.lock")):
        if not output_file.exists():
            folder.mkdir(exist_ok=True)
            generate(folder / "demo")
            result = run_refresh(raw_dir=folder / "demo" / "raw", warehouse_path=warehouse, salt=DEMO_SALT)
            assert result.success, result.output[-4000:]
            output_file.write_text(result.output)
    return DemoWarehouse(
        path=warehouse, raw_dir=folder / "demo" / "raw", truth_dir=folder / "demo" / "truth",
        salt=DEMO_SALT, output=output_file.read_text(),
    )
