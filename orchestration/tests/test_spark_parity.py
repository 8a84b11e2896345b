"""The same project on Spark: one small generated data set built on DuckDB (`make run`'s entry point) and on
Spark (orchestration/spark_build.py: ingest, the three dbt build parts with their tests, the Python steps),
then the key marts compared row for row.

Exact for keys, text, integers, booleans and dates; floats within a relative tolerance: 1e-9 for sums and
counts stored as doubles, 1e-6 for averages, shares and model outputs (BG/NBD, Gamma-Gamma, k-means run on
the same numbers, but the two engines sum in different orders). A mismatch names the mart and prints a few
differing rows. The spark tier of `make test` (marker `spark`; Spark starts once, dbt runs three parts on
it); `make spark-check` runs it alone.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.settings import PROJECT_DIR
from orchestration.tests.refresh_helpers import run_refresh

SALT = "spark-parity-salt"
AS_OF = "2026-10-31"  # the last generated day of --days 10 (the generator ends on 2026-10-31)
# The marts BI and activation read, and the identity map every person_id comes from.
COMPARED_MARTS = (
    "marts.dim_persons",
    "marts.bdg_person_identifiers",
    "marts.fct_sessions",
    "marts.fct_person_daily_activity",
    "marts.fct_orders",
    "marts.fct_order_items",
    "marts.fct_person_value",
    "marts.dim_person_profiles",
    "marts.fct_person_tags",
    "marts.fct_segment_memberships",
)
# Columns that record when or by which run a row was written, not what the data says.
RUN_COLUMNS = re.compile(r"^(_?loaded_at|_?load_id|fitted_at|built_at|refreshed_at|published_at|dbt_\w+)$")
# Averages, shares and model outputs: summed in another order by each engine.
LOOSE_FLOAT_COLUMNS = re.compile(r"(avg|average|mean|share|rate|ratio|probability|expected|predicted|score|clv)")
SUM_TOLERANCE = 1e-9
AVERAGE_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """(DuckDB warehouse, folder of the Spark marts as parquet) of one generated data set."""
    root = tmp_path_factory.mktemp("spark_parity")
    demo = root / "demo"
    subprocess.run(
        [sys.executable, "-m", "orchestration.demo_data", "--out", str(demo), "--persons", "200", "--days", "10",
         "--seed", "7"],
        cwd=PROJECT_DIR, check=True, capture_output=True,
    )
    spark_root = root / "spark"
    environment = {
        **os.environ,
        "DBT_TARGET": "spark",
        "PII_HASH_SALT": SALT,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SPARK_WAREHOUSE_DIR": str(spark_root / "tables"),
        "SPARK_METASTORE_DIR": str(spark_root / "metastore_db"),
        "SPARK_FILE_FORMAT": "parquet",
        "PYTHONWARNINGS": "ignore",
    }
    command = [
        sys.executable, "-m", "orchestration.spark_build", "--raw-dir", str(demo / "raw"), "--as-of", AS_OF,
        "--no-unit-tests", "--export-dir", str(spark_root / "marts"), "--export", *COMPARED_MARTS,
        "--target-path", str(spark_root / "target"), "--log-path", str(spark_root / "logs"),
    ]
    # The Spark build waits on its JVM and on many small queries more than on the CPU: the DuckDB build runs
    # meanwhile, in this process's thread (run_refresh starts its own child process).
    spark_output = root / "spark_build.log"
    with spark_output.open("w") as log:
        spark_build = subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, stdout=log,
                                       stderr=subprocess.STDOUT, text=True)
        warehouse = root / "duckdb" / "profile.duckdb"
        warehouse.parent.mkdir()
        duckdb_environment = {"DBT_TARGET": "duckdb", "EXPORT_DIR": str(root / "exports"),
                              "PUBLISHED_PATH": str(root / "published.duckdb")}
        refresh = run_refresh(demo / "raw", warehouse, SALT, as_of=AS_OF, environment=duckdb_environment)
        returncode = spark_build.wait(timeout=1200)
    assert refresh.success, refresh.output[-3000:]
    output = spark_output.read_text()
    failures = [line for line in output.splitlines() if line.startswith(("dbt: ", "spark: "))]
    assert returncode == 0, "Spark build failed:\n" + "\n".join(failures[-60:])
    return warehouse, spark_root / "marts"


def normalized(frame: pd.DataFrame) -> pd.DataFrame:
    """One representation per value whichever engine wrote it: timestamps and dates as naive datetime64,
    numbers and booleans as float64 (engines differ on nullable integer types), decimals as floats, lists as
    tuples; run-bookkeeping columns dropped; columns in name order."""
    frame = frame.drop(columns=[column for column in frame.columns if RUN_COLUMNS.match(column)])
    result = {}
    for column in sorted(frame.columns):
        values = frame[column]
        if values.dtype == object:
            sample = values.dropna()
            first = sample.iloc[0] if len(sample) else None
            if isinstance(first, (list, tuple, np.ndarray)):
                values = values.map(lambda value: None if value is None else tuple(
                    item.tolist() if isinstance(item, np.ndarray) else item for item in value))
            elif isinstance(first, (bool, np.bool_, Decimal)):
                values = values.map(lambda value: np.nan if value is None else float(value))
            elif isinstance(first, (dt.date, pd.Timestamp)):
                values = pd.to_datetime(values)
        if pd.api.types.is_datetime64_any_dtype(values):
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            values = values.astype("datetime64[us]")
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            values = values.astype("float64")
        result[column] = values
    return pd.DataFrame(result)


def as_text(value: object) -> str:
    """A value as text for sorting and comparing, with one spelling of null whichever engine or pandas dtype
    holds it (None, NaN, NaT, pd.NA): a column both engines leave empty is then equal on both sides."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return "<null>"
    return str(value)


def differences(duckdb_frame: pd.DataFrame, spark_frame: pd.DataFrame) -> list[str]:
    """Why two normalized frames differ (empty when they hold the same rows)."""
    if list(duckdb_frame.columns) != list(spark_frame.columns):
        return [f"columns differ: DuckDB only {sorted(set(duckdb_frame) - set(spark_frame))}, "
                f"Spark only {sorted(set(spark_frame) - set(duckdb_frame))}"]
    if len(duckdb_frame) != len(spark_frame):
        return [f"row counts differ: DuckDB {len(duckdb_frame)}, Spark {len(spark_frame)}"]
    float_columns = [column for column in duckdb_frame.columns if pd.api.types.is_float_dtype(duckdb_frame[column])]
    exact_columns = [column for column in duckdb_frame.columns if column not in float_columns]
    # Sort by the exact columns (as text: nulls and mixed types sort alike), then by the floats.
    def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
        keys = pd.DataFrame({column: frame[column].map(as_text) for column in exact_columns}, index=frame.index)
        keys = keys.assign(**{column: pd.to_numeric(frame[column], errors="coerce").round(6)
                              for column in float_columns})
        return frame.loc[keys.sort_values(list(keys.columns)).index].reset_index(drop=True)

    left, right = sorted_rows(duckdb_frame), sorted_rows(spark_frame)
    problems = []
    for column in left.columns:
        if column in float_columns:
            tolerance = AVERAGE_TOLERANCE if LOOSE_FLOAT_COLUMNS.search(column) else SUM_TOLERANCE
            a = left[column].astype(float).to_numpy()
            b = pd.to_numeric(right[column], errors="coerce").astype(float).to_numpy()
            same = np.isclose(a, b, rtol=tolerance, atol=1e-12, equal_nan=True)
        else:
            same = (left[column].map(as_text) == right[column].map(as_text)).to_numpy()
        if not same.all():
            rows = np.flatnonzero(~same)[:3]
            problems.append(f"column {column}: {(~same).sum()} rows differ, e.g. DuckDB "
                            f"{left[column].iloc[rows].tolist()} vs Spark {right[column].iloc[rows].tolist()}")
    return problems


@pytest.mark.spark
@pytest.mark.parametrize("mart", COMPARED_MARTS)
def test_the_spark_build_holds_the_same_rows_as_the_duckdb_build(builds, mart):
    warehouse, spark_marts = builds
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        duckdb_frame = connection.execute(f"select * from {mart}").fetchdf()
    exported = spark_marts / f"{mart}.parquet"
    assert exported.exists(), f"{mart} was not built on Spark"
    spark_frame = pd.read_parquet(exported)
    assert len(duckdb_frame) > 0, f"{mart} is empty on DuckDB: the data set exercises nothing"
    problems = differences(normalized(duckdb_frame), normalized(spark_frame))
    assert not problems, f"{mart} differs between DuckDB and Spark:\n" + "\n".join(problems)


def test_the_comparison_fails_on_a_changed_value_and_tolerates_float_noise():
    """The comparison itself: a float off by 1e-12 relative passes, a text or a count that differs fails."""
    duckdb_frame = pd.DataFrame({"person_id": ["a", "b"], "count_orders": [1, 2],
                                 "total_revenue": [10.0, 20.0], "avg_order_value": [10.0, 10.0]})
    noisy = duckdb_frame.assign(total_revenue=[10.0 * (1 + 1e-12), 20.0], avg_order_value=[10.0 * (1 + 1e-8), 10.0])
    assert differences(normalized(duckdb_frame), normalized(noisy.iloc[::-1])) == []
    changed = duckdb_frame.assign(count_orders=[1, 3])
    assert differences(normalized(duckdb_frame), normalized(changed)) != []
    off = duckdb_frame.assign(total_revenue=[10.0 * (1 + 1e-7), 20.0])
    assert differences(normalized(duckdb_frame), normalized(off)) != []
    # Null is null whatever spells it (DuckDB's NaN and NaT, Spark's None), and does not move rows apart.
    with_nulls = pd.DataFrame({"person_id": ["a", "b"], "coupon_code": [None, "c1"],
                               "valid_to": [pd.NaT, pd.Timestamp("2026-10-01")]})
    spelled = pd.DataFrame({"person_id": ["b", "a"], "coupon_code": ["c1", float("nan")],
                            "valid_to": [pd.Timestamp("2026-10-01"), None]})
    assert differences(normalized(with_nulls), normalized(spelled)) == []
    assert differences(normalized(with_nulls), normalized(spelled.assign(coupon_code=["c1", "x"]))) != []
