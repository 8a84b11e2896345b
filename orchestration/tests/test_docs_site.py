"""`make docs` (orchestration/docs_site.py): when the catalog can be read from the warehouse, and the dbt commands."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from orchestration.docs_site import DOCS_TARGET_PATH, generate_arguments, serve_arguments, warehouse_unavailable_reason


def test_a_missing_warehouse_is_named_and_not_created(tmp_path):
    warehouse = tmp_path / "profile.duckdb"
    reason = warehouse_unavailable_reason(warehouse)
    assert reason and "does not exist" in reason and "make run" in reason
    assert not warehouse.exists()


def test_a_readable_warehouse_gives_a_catalog(tmp_path):
    warehouse = tmp_path / "profile.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert warehouse_unavailable_reason(warehouse) is None


def test_a_warehouse_locked_by_a_writer_is_said_so(tmp_path):
    warehouse = tmp_path / "profile.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        reason = warehouse_unavailable_reason(warehouse)
    finally:
        holder.communicate("", timeout=30)
    assert reason and "locked" in reason and f"PID {holder.pid}" in reason


def test_the_dbt_commands():
    assert generate_arguments(empty_catalog=True)[-1] == "--empty-catalog"
    assert "--empty-catalog" not in generate_arguments(empty_catalog=False)
    serve = serve_arguments(8080, "127.0.0.1")
    assert serve[:2] == ["docs", "serve"] and "--no-browser" in serve
    assert serve[serve.index("--target-path") + 1] == str(DOCS_TARGET_PATH)
    assert serve[serve.index("--port") + 1] == "8080" and serve[serve.index("--host") + 1] == "127.0.0.1"
