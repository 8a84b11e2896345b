"""Engine-neutral table I/O for the Python steps between dbt parts (customer value, clustering).

Those steps read one dbt relation into pandas, compute in Python, and write pandas frames back as the
tables a dbt source reads. `Tables` is that contract; `DuckDBTables` (a DuckDB connection, the embedded
default) and `SparkTables` (the Spark session of the `spark` dbt target) implement it, and
`open_tables(settings)` picks one by DBT_TARGET, so the same step builds on either engine:

    with open_tables(settings) as tables:
        refresh_customer_value_models(tables)

Column types are written in one DDL for both engines (date, boolean, varchar, double, bigint, timestamp).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import duckdb
import pandas as pd

from orchestration.settings import Settings
from orchestration.spark_session import get_spark, is_spark_target, spark_setting, stop_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class QueryError(Exception):
    """A query failed on either engine (a missing table, typically): callers fall back without knowing which."""


class Tables(Protocol):
    """Read a query's result into pandas; replace tables of one schema with pandas frames."""

    def read(self, query: str) -> pd.DataFrame:
        """The result of a SELECT (written in SQL both engines accept)."""

    def replace_tables(self, schema: str, tables: dict[str, tuple[str, pd.DataFrame]]) -> None:
        """Create or replace each `schema.name` with the columns `columns` (DDL) and the frame's rows."""


class DuckDBTables:
    """Tables in a DuckDB warehouse: all tables replaced in one transaction (a failure keeps the old ones)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection

    def read(self, query: str) -> pd.DataFrame:
        try:
            return self.connection.execute(query).fetchdf()
        except duckdb.Error as error:
            raise QueryError(str(error)) from error

    def replace_tables(self, schema: str, tables: dict[str, tuple[str, pd.DataFrame]]) -> None:
        connection = self.connection
        connection.execute("begin transaction")
        try:
            connection.execute(f"create schema if not exists {schema}")
            for name, (columns, frame) in tables.items():
                connection.execute(f"create or replace table {schema}.{name} ({columns})")
                if len(frame):
                    connection.register("python_step_frame", frame)
                    connection.execute(f"insert into {schema}.{name} by name select * from python_step_frame")
                    connection.unregister("python_step_frame")
            connection.execute("commit")
        except Exception:
            connection.execute("rollback")
            raise


def spark_ddl(columns: str) -> str:
    """The DuckDB column DDL in Spark's words (varchar -> string; the other types are the same)."""
    return re.sub(r"\bvarchar\b", "string", columns.strip(), flags=re.IGNORECASE)


class SparkTables:
    """Tables in the Spark warehouse, in SPARK_FILE_FORMAT. Each table is overwritten in turn: not atomic
    across tables (Parquet has no transactions), but every run rewrites all of them."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def read(self, query: str) -> pd.DataFrame:
        try:
            return self.spark.sql(query).toPandas()
        except Exception as error:  # noqa: BLE001 - pyspark raises several AnalysisException types
            raise QueryError(str(error).splitlines()[0] if str(error) else repr(error)) from error

    def replace_tables(self, schema: str, tables: dict[str, tuple[str, pd.DataFrame]]) -> None:
        self.spark.sql(f"create schema if not exists {schema}")
        for name, (columns, frame) in tables.items():
            ddl = spark_ddl(columns)
            column_names = [column.strip().split()[0] for column in ddl.split(",") if column.strip()]
            selected = frame.reindex(columns=column_names)
            rows = selected.astype(object).where(selected.notna(), None)
            records = [tuple(_python_value(value) for value in row) for row in rows.itertuples(index=False)]
            spark_frame = self.spark.createDataFrame(records, ddl)
            spark_frame.write.format(spark_setting("SPARK_FILE_FORMAT")).mode("overwrite") \
                .saveAsTable(f"{schema}.{name}")


def _python_value(value: object) -> object:
    """A plain Python value Spark's schema verifier accepts (numpy scalars and pandas timestamps are not)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


@contextmanager
def open_tables(settings: Settings, duckdb_path: Path | None = None) -> Iterator[Tables]:
    """The warehouse of the dbt target in use (DBT_TARGET): DuckDB by default, Spark for `spark`; the DuckDB
    file duckdb_path when given (a step's --warehouse option), whatever the target."""
    if duckdb_path is None and is_spark_target():
        try:
            yield SparkTables(get_spark())
        finally:
            # The embedded metastore admits one process: release it for the dbt build that follows.
            stop_spark()
        return
    with duckdb.connect(str(duckdb_path or settings.warehouse_path), config=settings.duckdb_config) as connection:
        yield DuckDBTables(connection)


def as_tables(warehouse: Tables | duckdb.DuckDBPyConnection) -> Tables:
    """A DuckDB connection (what the DuckDB-only callers and tests pass) as Tables; Tables unchanged."""
    return DuckDBTables(warehouse) if isinstance(warehouse, duckdb.DuckDBPyConnection) else warehouse
