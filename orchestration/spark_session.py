"""The local Spark session of the `spark` dbt target, for the Python steps that read and write tables.

dbt-spark's `method: session` starts Spark inside the dbt process with the `server_side_parameters` of
profiles.yml; the ingest (orchestration/spark_raw_files.py) and the table I/O of the Python steps
(orchestration/table_io.py) start the same Spark with the same settings, read from the same environment
variables with the same defaults, so every process sees one warehouse directory and one metastore:

    SPARK_MASTER              local[2]                       Spark master (local: threads = cores)
    SPARK_DRIVER_MEMORY       4g                             heap of the (local) driver
    SPARK_WAREHOUSE_DIR       warehouse/spark/tables         where managed tables' files live
    SPARK_METASTORE_DIR       warehouse/spark/metastore_db   the Hive metastore (embedded Derby database)
    SPARK_SHUFFLE_PARTITIONS  4                              spark.sql.shuffle.partitions (small data: few)
    SPARK_FILE_FORMAT         parquet                        table format; delta/iceberg for incremental runs

The session time zone is UTC, as in DuckDB. The embedded Derby metastore admits one process at a time:
the ingest, each dbt invocation and each Python step run one after another, and a process that used Spark
stops it (stop_spark) before the next one starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import PROJECT_DIR

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULTS = {
    "SPARK_MASTER": "local[2]",
    "SPARK_DRIVER_MEMORY": "4g",
    "SPARK_WAREHOUSE_DIR": "warehouse/spark/tables",
    "SPARK_METASTORE_DIR": "warehouse/spark/metastore_db",
    "SPARK_SHUFFLE_PARTITIONS": "4",
    "SPARK_FILE_FORMAT": "parquet",
}
PATH_VARIABLES = ("SPARK_WAREHOUSE_DIR", "SPARK_METASTORE_DIR")


def is_spark_target() -> bool:
    """True when dbt builds on Spark (DBT_TARGET=spark): the Python steps then use Spark tables too."""
    return os.environ.get("DBT_TARGET", "duckdb") == "spark"


def spark_setting(name: str) -> str:
    """One SPARK_* setting; paths absolute (relative ones are under the project), as dbt must see them."""
    value = os.environ.get(name) or DEFAULTS[name]
    if name in PATH_VARIABLES and not Path(value).is_absolute():
        value = str(PROJECT_DIR / value)
    return value


def export_spark_environment() -> None:
    """Put the absolute SPARK_* paths in the environment so dbt (profiles.yml) opens the same metastore."""
    for name in DEFAULTS:
        os.environ[name] = spark_setting(name)


def spark_conf() -> dict[str, str]:
    """The Spark settings of profiles.yml's `spark` target (server_side_parameters), from the environment."""
    metastore_dir = spark_setting("SPARK_METASTORE_DIR")
    return {
        "spark.master": spark_setting("SPARK_MASTER"),
        "spark.driver.memory": spark_setting("SPARK_DRIVER_MEMORY"),
        "spark.sql.warehouse.dir": spark_setting("SPARK_WAREHOUSE_DIR"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore_dir};create=true",
        # -Xss64m: Java serialization of the tasks of int_identifiers_resolved's deep plan overflows the default
        # thread stack
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={Path(metastore_dir).parent} -Duser.timezone=UTC -Xss64m"
        ),
        "spark.sql.shuffle.partitions": spark_setting("SPARK_SHUFFLE_PARTITIONS"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.analyzer.maxIterations": "1000",
        "spark.sql.optimizer.maxIterations": "1000",
        "spark.sql.ansi.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def get_spark() -> SparkSession:
    """The process's Spark session with the dbt target's settings (started on first use, ~6 s locally)."""
    from pyspark.sql import SparkSession

    Path(spark_setting("SPARK_WAREHOUSE_DIR")).mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("user_profile").enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def stop_spark() -> None:
    """Stop the session and its JVM, releasing the embedded metastore for the next process (dbt)."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
    gateway = getattr(SparkContext, "_gateway", None)
    if gateway is not None:
        gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None
