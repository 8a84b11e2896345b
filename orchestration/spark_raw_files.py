"""The ingest step on Spark: registers the raw files as Spark tables `raw.<source>` and `raw._loaded_files`.

The tables have exactly the columns of the DuckDB ingest (orchestration/raw_files.py, whose docstring
defines them), so the staging models read both engines alike: JSON lines are kept verbatim in `payload`
(malformed ones included, for staging to quarantine), CSV and Parquet rows become a JSON object text of
their columns, and an unreadable file becomes one row with `_parse_error` set. Files are read by Spark's
own readers, so this runs unchanged on a cluster (the raw directory must then be visible to the executors).

Loading is idempotent but rewrites a whole source: Parquet tables cannot delete one file's rows, so a
source with any new, changed or vanished file is read again in full and its table overwritten (unchanged
sources are skipped by comparing `raw._loaded_files`, the manifest of file sizes and modification times).

    python -m orchestration.spark_raw_files --raw-dir data/demo/raw
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orchestration.raw_files import DATE_FOLDER, SourceLoad, discover_files, file_format, new_load_id
from orchestration.settings import RAW_SOURCES
from orchestration.spark_session import get_spark, spark_setting, stop_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RAW_SCHEMA_DDL = (
    "_raw_row_id string, _file_path string, _file_date date, _row_number bigint, _load_id string, "
    "_loaded_at timestamp, _parse_error string, payload string"
)
MANIFEST_SCHEMA_DDL = (
    "source string, raw_root string, file_path string, file_size bigint, file_modified_ns bigint, "
    "load_id string, loaded_at timestamp, row_count bigint, rejected_row_count bigint"
)
CORRUPT_RECORD = "_corrupt_record"
# Parquet timestamps as ISO-8601 text with an offset (UTC session): parse_timestamp_utc reads them as UTC.
JSON_OPTIONS = {"ignoreNullFields": "false", "timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"}


def _csv_header(path: Path) -> list[str]:
    """The column names of a CSV file's header row (read locally: one line, cheaper than a Spark job)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    return next(csv.reader(io.StringIO(first_line)), [])


def _file_rows(spark: SparkSession, path: Path) -> DataFrame:
    """(_row_number, _parse_error, payload) of one file, read by Spark's reader for its format (lazy).

    _row_number: the position in the file. Spark reads a file smaller than spark.sql.files.maxPartitionBytes
    (128 MB) as one split, in order, so monotonically_increasing_id follows the file; gzip files are never split.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    kind = file_format(path)
    location = "file://" + str(path) if "://" not in str(path) else str(path)
    in_file_order = Window.orderBy(F.monotonically_increasing_id())
    no_error = F.lit(None).cast("string").alias("_parse_error")
    if kind == "json_lines":
        lines = spark.read.text(location).withColumn("_row_number", F.row_number().over(in_file_order))
        return lines.where(F.trim(F.regexp_replace("value", "\r", "")) != "").select(
            F.col("_row_number").cast("bigint"), no_error, F.regexp_replace("value", "\r$", "").alias("payload"),
        )
    if kind == "parquet":
        rows = spark.read.option("recursiveFileLookup", "true").parquet(location)
        payload = F.to_json(F.struct(*[F.col(f"`{name}`") for name in rows.columns]), JSON_OPTIONS)
        return rows.select(F.row_number().over(in_file_order).cast("bigint").alias("_row_number"), no_error,
                           payload.alias("payload"))
    names = _csv_header(path)
    if not names or len(set(names)) != len(names):
        raise ValueError(f"CSV header is empty or repeats a column name: {names}")
    schema = ", ".join(f"`{name}` string" for name in names) + f", {CORRUPT_RECORD} string"
    rows = (
        spark.read.schema(schema)
        .option("header", "true").option("multiLine", "true").option("escape", '"')
        .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT_RECORD)
        .csv(location)
    )
    is_malformed = F.col(CORRUPT_RECORD).isNotNull()
    return rows.select(
        F.row_number().over(in_file_order).cast("bigint").alias("_row_number"),
        F.when(is_malformed, F.lit("malformed CSV row: its fields do not match the header")).alias("_parse_error"),
        F.when(is_malformed, F.col(CORRUPT_RECORD)).otherwise(
            F.to_json(F.struct(*[F.col(f"`{name}`") for name in names]), JSON_OPTIONS)
        ).alias("payload"),
    )


def _raw_rows(
    spark: SparkSession, path: Path, relative_path: str, load_id: str, loaded_at: datetime, error: str | None = None
) -> DataFrame:
    """One file's rows with the lineage columns; with `error`, the one row standing for an unreadable file."""
    from pyspark.sql import functions as F

    date_match = DATE_FOLDER.search(relative_path)
    common = [
        F.lit(relative_path).alias("_file_path"),
        (F.lit(date_match.group(1)).cast("date") if date_match else F.lit(None).cast("date")).alias("_file_date"),
        F.lit(load_id).alias("_load_id"),
        F.lit(loaded_at).cast("timestamp").alias("_loaded_at"),
    ]
    if error is not None:
        rows = spark.createDataFrame([(relative_path + ":file", 0, f"unreadable file: {error[:500]}", None)],
                                     "_raw_row_id string, _row_number bigint, _parse_error string, payload string")
    else:
        rows = _file_rows(spark, path).withColumn(
            "_raw_row_id", F.concat(F.lit(relative_path + ":"), F.col("_row_number").cast("string"))
        )
    return rows.select("_raw_row_id", *common, "_row_number", "_parse_error", "payload")


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def ensure_raw_schema(spark: SparkSession) -> None:
    """Create the raw schema, one (possibly empty) table per source, and the file manifest."""
    file_format_name = spark_setting("SPARK_FILE_FORMAT")
    spark.sql("create schema if not exists raw")
    for source in RAW_SOURCES:
        spark.sql(f"create table if not exists raw.{source} ({RAW_SCHEMA_DDL}) using {file_format_name}")
    spark.sql(f"create table if not exists raw._loaded_files ({MANIFEST_SCHEMA_DDL}) using {file_format_name}")


def _overwrite(spark: SparkSession, source: str, frames: list[DataFrame], file_format_name: str) -> None:
    """Replace raw.<source> with the union of its files' rows."""
    table = spark.createDataFrame([], RAW_SCHEMA_DDL)
    for frame in frames:
        table = table.unionByName(frame)
    table.write.format(file_format_name).mode("overwrite").saveAsTable(f"raw.{source}")


def load_raw_directory(
    spark: SparkSession,
    raw_dir: Path,
    progress: Callable[[str], None] = lambda message: None,
    sources: Iterable[str] = RAW_SOURCES,
) -> list[SourceLoad]:
    """Bring raw.<source> in line with the files under raw_dir/<source>/; returns what changed."""
    from pyspark.sql import functions as F

    raw_dir = raw_dir.resolve()
    ensure_raw_schema(spark)
    file_format_name = spark_setting("SPARK_FILE_FORMAT")
    load_id = new_load_id()
    manifest = spark.table("raw._loaded_files").toPandas()
    manifest_parts = []
    loads = []
    for source in sources:
        started = time.monotonic()
        load = SourceLoad(source=source)
        files, load.ignored_files = discover_files(raw_dir / source)
        load.files_found = len(files)
        known_rows = manifest[manifest["source"] == source]
        known = {
            row.file_path: (int(row.file_size), int(row.file_modified_ns), row.raw_root)
            for row in known_rows.itertuples()
        }
        on_disk = {path.relative_to(raw_dir / source).as_posix(): path for path in files}
        unchanged = {
            relative_path for relative_path, path in on_disk.items()
            if known.get(relative_path) == (path.stat().st_size, path.stat().st_mtime_ns, str(raw_dir))
        }
        if unchanged == set(on_disk) and set(known) == set(on_disk):
            load.files_unchanged = len(on_disk)
            manifest_parts.append(known_rows)
        else:
            # A Parquet table cannot drop one file's rows: the source is read again in full and overwritten.
            loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
            frames = {}
            for relative_path, path in on_disk.items():
                try:
                    frames[relative_path] = _raw_rows(spark, path, relative_path, load_id, loaded_at)
                except (ValueError, OSError, UnicodeDecodeError) as error:
                    frames[relative_path] = _raw_rows(spark, path, relative_path, load_id, loaded_at,
                                                      _first_line(error))
            try:
                _overwrite(spark, source, list(frames.values()), file_format_name)
            except Exception:  # noqa: BLE001 - find the unreadable files one by one, then write again
                for relative_path, frame in list(frames.items()):
                    try:
                        frame.count()
                    except Exception as error:  # noqa: BLE001 - a corrupt gzip or Parquet file
                        frames[relative_path] = _raw_rows(spark, on_disk[relative_path], relative_path, load_id,
                                                          loaded_at, _first_line(error))
                _overwrite(spark, source, list(frames.values()), file_format_name)
            counts = {
                row["_file_path"]: (int(row["rows"]), int(row["rejected"]))
                for row in spark.table(f"raw.{source}").groupBy("_file_path")
                .agg(F.count("*").alias("rows"), F.count("_parse_error").alias("rejected")).collect()
            }
            entries = []
            for relative_path, path in on_disk.items():
                rows, rejected = counts.get(relative_path, (0, 0))
                stat = path.stat()
                entries.append((source, str(raw_dir), relative_path, stat.st_size, stat.st_mtime_ns, load_id,
                                loaded_at, rows, rejected))
                if relative_path in unchanged:
                    load.files_unchanged += 1
                else:
                    load.files_loaded += 1
                    load.rows_loaded += rows
                    load.rows_rejected_by_reader += rejected
            load.files_removed = len(set(known) - set(on_disk))


            manifest_parts.append(pd.DataFrame(entries, columns=list(manifest.columns)))
        load.total_rows = spark.table(f"raw.{source}").count()
        progress(load.progress_line(time.monotonic() - started))
        loads.append(load)


    parts = [part for part in manifest_parts if len(part)]
    new_manifest = pd.concat(parts, ignore_index=True) if parts else manifest.iloc[0:0]
    new_manifest = new_manifest.astype({"file_size": "int64", "file_modified_ns": "int64", "row_count": "int64",
                                        "rejected_row_count": "int64"})
    manifest_frame = spark.createDataFrame(new_manifest, MANIFEST_SCHEMA_DDL) if len(new_manifest) else \
        spark.createDataFrame([], MANIFEST_SCHEMA_DDL)
    # Materialize before overwriting the table it was read from.
    manifest_frame = manifest_frame.select(*[F.col(name) for name in manifest_frame.columns]).localCheckpoint()
    manifest_frame.write.format(file_format_name).mode("overwrite").saveAsTable("raw._loaded_files")
    return loads


def main(argv: list[str] | None = None) -> int:
    """CLI: load a raw directory into the Spark warehouse of the `spark` dbt target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, required=True, help="raw directory (one folder per source)")
    arguments = parser.parse_args(argv)
    spark = get_spark()
    try:
        load_raw_directory(spark, arguments.raw_dir, progress=print)
    finally:
        stop_spark()
    return 0


if __name__ == "__main__":
    sys.exit(main())
