"""Build the whole project on Spark in one process: ingest, dbt build in three parts, the two Python steps.

    DBT_TARGET=spark python -m orchestration.spark_build --raw-dir data/demo/raw [--as-of YYYY-MM-DD]

What `make run` does through Dagster, without Dagster, for the `spark` dbt target: one Spark session (the
local one of profiles.yml, or whatever SPARK_MASTER names) serves the ingest (orchestration/
spark_raw_files.py), the three `dbt build` parts (dbt-spark's `method: session` reuses the running session,
so Spark starts once, not once per dbt invocation) and the customer-value and clustering steps, which run
between the parts because the dbt sources `clv` and `clustering` are their output:

    1. dbt build of everything not downstream of the sources clv and clustering
    2. customer value (reads int_person_purchase_histories, writes clv.*)
    3. dbt build of what reads clv, except what reads clustering (int_person_features ...)
    4. clustering (reads int_person_features, writes clustering.*)
    5. dbt build of what reads clustering

Each part runs dbt's tests and unit tests with its models. The Great Expectations checks, activation
exports and the publication read DuckDB and are not part of a Spark build.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import PROJECT_DIR, load_settings

if TYPE_CHECKING:
    from orchestration.table_io import SparkTables

DBT_PARTS = (
    ("models and seeds before the customer-value step",
     ["--exclude", "source:clv+", "source:clustering+"]),
    ("models reading the customer-value tables", ["--select", "source:clv+", "--exclude", "source:clustering+"]),
    ("models reading the clustering tables", ["--select", "source:clustering+"]),
)


def run_dbt_part(arguments: Sequence[str], extra: Sequence[str], unit_tests: bool = True) -> bool:
    """One `dbt build` in this process (dbt's programmatic runner); True when every node passed. Without
    unit_tests, dbt's unit tests are left out (their rules are the same SQL the models run: `make test` runs
    them on DuckDB, `make spark-run` on Spark): 151 of them, each a Spark job of its own."""
    from orchestration import dbt_runner

    # Unit tests tagged duckdb_only give fixtures in DuckDB's literal syntax (struct literals).
    exclusions = ["tag:duckdb_only"] if unit_tests else ["test_type:unit"]
    if "--exclude" in arguments:
        at = list(arguments).index("--exclude") + 1
        arguments = [*arguments[:at], *exclusions, *arguments[at:]]
    else:
        arguments = [*arguments, "--exclude", *exclusions]
    # The project is parsed once for the three parts (and kept for the next build: orchestration/dbt_runner.py).
    result = dbt_runner.invoke(["build", *arguments, "--project-dir", str(PROJECT_DIR), *extra])
    for node_result in getattr(result.result, "results", None) or []:
        if getattr(node_result.status, "value", node_result.status) in ("error", "fail", "runtime error"):
            message = " ".join(str(node_result.message or "").split())[:300]
            print(f"dbt: {node_result.status} {node_result.node.unique_id}: {message}", file=sys.stderr)
    if result.exception is not None:
        print(f"dbt: {result.exception}", file=sys.stderr)
    return bool(result.success)


def build_on_spark(
    raw_dir: Path,
    as_of: str = "",
    dbt_arguments: Sequence[str] = (),
    progress: Callable[[str], None] = print,
    export_dir: Path | None = None,
    export_tables: Sequence[str] = (),
    unit_tests: bool = True,
) -> bool:
    """Ingest and build everything on Spark; True when every step and every dbt node passed."""
    from orchestration.customer_value import describe_fits, refresh_customer_value_models
    from orchestration.person_clusters import analysis_date, describe_clusters, refresh_person_clusters
    from orchestration.raw_files import read_options
    from orchestration.spark_raw_files import load_raw_directory
    from orchestration.spark_session import export_spark_environment, get_spark, stop_spark
    from orchestration.table_io import SparkTables

    os.environ["DBT_TARGET"] = "spark"
    if as_of:
        os.environ["AS_OF"] = as_of
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    export_spark_environment()
    settings = load_settings()
    started = time.monotonic()
    spark = get_spark()
    tables = SparkTables(spark)
    success = True
    try:
        progress(f"spark: session started in {time.monotonic() - started:.1f}s")
        load_raw_directory(spark, raw_dir, progress=progress, options=read_options(settings))
        steps: list[tuple[str, Callable[[], bool]]] = [
            (DBT_PARTS[0][0], lambda: run_dbt_part(DBT_PARTS[0][1], dbt_arguments, unit_tests)),
            ("customer value", lambda: _report(describe_fits(refresh_customer_value_models(tables)), progress)),
            (DBT_PARTS[1][0], lambda: run_dbt_part(DBT_PARTS[1][1], dbt_arguments, unit_tests)),
            ("clustering", lambda: _report(describe_clusters(refresh_person_clusters(
                tables, settings.cluster_seed, analysis_date(tables, as_of or settings.as_of_date))), progress)),
            (DBT_PARTS[2][0], lambda: run_dbt_part(DBT_PARTS[2][1], dbt_arguments, unit_tests)),
        ]
        for name, step in steps:
            step_started = time.monotonic()
            passed = step()
            success = success and passed
            progress(f"spark: {name}: {'ok' if passed else 'FAILED'} in {time.monotonic() - step_started:.1f}s")
        if export_dir is not None:
            export_parquet(tables, export_tables, export_dir)
    finally:
        stop_spark()
    progress(f"spark: build {'passed' if success else 'FAILED'} in {time.monotonic() - started:.1f}s")
    return success


def export_parquet(tables: SparkTables, relations: Sequence[str], export_dir: Path) -> None:
    """Write each relation to <export_dir>/<relation>.parquet through pandas: what the parity test compares
    with DuckDB, read without starting Spark again. A relation that does not exist is skipped."""
    from orchestration.table_io import QueryError

    export_dir.mkdir(parents=True, exist_ok=True)
    for relation in relations:
        try:
            frame = tables.read(f"select * from {relation}")
        except QueryError:
            continue
        frame.to_parquet(export_dir / f"{relation}.parquet", index=False)


def _report(lines: list[str], progress: Callable[[str], None]) -> bool:
    for line in lines:
        progress(line)
    return True


def main(argv: list[str] | None = None) -> int:
    """CLI: build on Spark; exit status 1 when a step or a dbt node failed."""
    parser = argparse.ArgumentParser(prog="python -m orchestration.spark_build", description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, help="raw directory (default: the RAW_DIR setting)")
    parser.add_argument("--as-of", default="", help="analysis date YYYY-MM-DD (default: the latest day in the data)")
    parser.add_argument("--export-dir", type=Path, help="write --export tables there as <schema.table>.parquet")
    parser.add_argument("--export", nargs="*", default=[], help="relations to export (schema.table)")
    parser.add_argument("--no-unit-tests", action="store_true", help="leave dbt's unit tests out (data tests run)")
    arguments, dbt_arguments = parser.parse_known_args(argv)
    raw_dir = arguments.raw_dir or load_settings().raw_dir
    passed = build_on_spark(raw_dir, arguments.as_of, dbt_arguments, export_dir=arguments.export_dir,
                            export_tables=arguments.export, unit_tests=not arguments.no_unit_tests)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
