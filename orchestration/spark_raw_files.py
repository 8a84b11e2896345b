"""The ingest step on Spark: registers the raw files as Spark tables `raw.<source>` and `raw._loaded_files`.

The tables have exactly the columns of the DuckDB ingest (orchestration/raw_files.py, whose docstring
defines them), so the staging models read both engines alike: JSON lines are kept verbatim in `payload`
(malformed ones included, for staging to quarantine), CSV and Parquet rows become a JSON object text of
their columns. Files are read by Spark's own readers, so this runs unchanged on a cluster (the raw directory
must then be visible to the executors). A text file Spark's reader fails on (a damaged gzip, a CSV header
that is not UTF-8), or whose source declares another encoding (SOURCE_ENCODINGS) or whose byte-order mark
names one, is read line by line on the driver instead (orchestration/raw_lines.py), as on DuckDB; a file of
which no line can be read becomes one 'unreadable_file' row. Unlike DuckDB's reader, Spark's text reader
replaces bytes that are not UTF-8 with U+FFFD instead of failing, so on Spark such a line of an undeclared
file loads with the replacement character rather than being quarantined as invalid_encoding.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orchestration import raw_lines
from orchestration.raw_files import DATE_FOLDER, ReadOptions, SourceLoad, discover_files, file_format, new_load_id
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
    "load_id string, loaded_at timestamp, row_count bigint, rejected_row_count bigint, encoding string, "
    "unsplit_bytes bigint"
)
MANIFEST_COLUMN_NAMES = [column.split()[0] for column in MANIFEST_SCHEMA_DDL.split(", ")]
LINE_ROWS_DDL = "_raw_row_id string, _row_number bigint, _parse_error string, payload string"
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


def _line_rows(
    spark: SparkSession, path: Path, relative_path: str, options: ReadOptions, source: str, error: str
) -> tuple[DataFrame, str | None, int]:
    """(rows, encoding, unsplit bytes) of a file read line by line on the driver; one unreadable_file row for a
    Parquet file or a file of which no line can be read."""
    kind = file_format(path)
    try:
        if kind == "parquet":
            raise raw_lines.UnreadableFile(f"unreadable_file: {error}")
        lines = raw_lines.read_text_file(path, kind, options.encodings.get(source), options.max_line_bytes)
        rows = [(f"{relative_path}:{row.id_suffix}", row.row_number, row.parse_error, row.payload)
                for row in lines.rows]
        return spark.createDataFrame(rows, LINE_ROWS_DDL), lines.encoding, lines.unsplit_bytes
    except (raw_lines.UnreadableFile, OSError) as unreadable:
        message = str(unreadable)
        if not message.startswith("unreadable_file: "):
            message = f"unreadable_file: {message}"
        rows = [(relative_path + ":file", 0, message[:600], None)]
        return spark.createDataFrame(rows, LINE_ROWS_DDL), None, path.stat().st_size


@dataclass
class _LineReader:
    """Reads one file of a source line by line (_line_rows) and remembers its encoding and unsplit bytes."""

    spark: SparkSession
    source: str
    options: ReadOptions
    load_id: str
    loaded_at: datetime
    on_disk: dict[str, Path]
    read_by_lines: dict[str, tuple[str | None, int]]

    def __call__(self, relative_path: str, error: str) -> DataFrame:
        path = self.on_disk[relative_path]
        line_rows, encoding, unsplit = _line_rows(self.spark, path, relative_path, self.options, self.source, error)
        self.read_by_lines[relative_path] = (encoding, unsplit)
        return _raw_rows(self.spark, path, relative_path, self.load_id, self.loaded_at, line_rows)


def _needs_lines(path: Path, source: str, options: ReadOptions) -> bool:
    """A text file whose declared or marked encoding is not UTF-8: Spark's UTF-8 readers would garble it."""
    if file_format(path) == "parquet":
        return False
    declared = options.encodings.get(source)
    if declared and raw_lines.canonical_encoding(declared) not in ("utf-8", "utf-8-sig"):
        return True
    return raw_lines.byte_order_mark_encoding(path) not in (None, "utf-8-sig")


def _raw_rows(
    spark: SparkSession, path: Path, relative_path: str, load_id: str, loaded_at: datetime,
    line_rows: DataFrame | None = None,
) -> DataFrame:
    """One file's rows with the lineage columns, read by Spark, or `line_rows` read line by line."""
    from pyspark.sql import functions as F

    date_match = DATE_FOLDER.search(relative_path)
    common = [
        F.lit(relative_path).alias("_file_path"),
        (F.lit(date_match.group(1)).cast("date") if date_match else F.lit(None).cast("date")).alias("_file_date"),
        F.lit(load_id).alias("_load_id"),
        F.lit(loaded_at).cast("timestamp").alias("_loaded_at"),
    ]
    if line_rows is not None:
        rows = line_rows
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
    options: ReadOptions | None = None,
) -> list[SourceLoad]:
    """Bring raw.<source> in line with the files under raw_dir/<source>/; returns what changed."""
    from pyspark.sql import functions as F

    options = options or ReadOptions()
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
            loaded_at = datetime.now(UTC).replace(tzinfo=None)
            frames = {}
            read_by_lines: dict[str, tuple[str | None, int]] = {}  # relative path -> (encoding, unsplit bytes)
            by_lines = _LineReader(spark, source, options, load_id, loaded_at, on_disk, read_by_lines)
            for relative_path, path in on_disk.items():
                try:
                    if _needs_lines(path, source, options):
                        frames[relative_path] = by_lines(relative_path, "declared or marked encoding")
                    else:
                        frames[relative_path] = _raw_rows(spark, path, relative_path, load_id, loaded_at)
                except (ValueError, OSError, UnicodeDecodeError) as error:
                    frames[relative_path] = by_lines(relative_path, _first_line(error))
            try:
                _overwrite(spark, source, list(frames.values()), file_format_name)
            except Exception:  # noqa: BLE001 - find the unreadable files one by one, then write again
                for relative_path, frame in list(frames.items()):
                    try:
                        frame.count()
                    except Exception as error:  # noqa: BLE001 - a corrupt gzip or Parquet file
                        frames[relative_path] = by_lines(relative_path, _first_line(error))
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
                if relative_path in read_by_lines:
                    encoding, unsplit = read_by_lines[relative_path]
                else:
                    encoding = None if file_format(path) == "parquet" else (
                        raw_lines.byte_order_mark_encoding(path) or "utf-8")
                    unsplit = 0
                entries.append((source, str(raw_dir), relative_path, stat.st_size, stat.st_mtime_ns, load_id,
                                loaded_at, rows, rejected, encoding, unsplit))
                if relative_path in unchanged:
                    load.files_unchanged += 1
                else:
                    load.files_loaded += 1
                    load.rows_loaded += rows
                    load.rows_rejected_by_reader += rejected
            load.files_removed = len(set(known) - set(on_disk))


            manifest_parts.append(pd.DataFrame(entries, columns=MANIFEST_COLUMN_NAMES))
        load.total_rows = spark.table(f"raw.{source}").count()
        progress(load.progress_line(time.monotonic() - started))
        loads.append(load)


    parts = [part for part in manifest_parts if len(part)]
    new_manifest = pd.concat(parts, ignore_index=True) if parts else manifest.iloc[0:0]
    for name in ("encoding", "unsplit_bytes"):  # a manifest written before these columns existed
        if name not in new_manifest.columns:
            new_manifest[name] = None if name == "encoding" else 0
    new_manifest = new_manifest[MANIFEST_COLUMN_NAMES]
    new_manifest = new_manifest.astype({"file_size": "int64", "file_modified_ns": "int64", "row_count": "int64",
                                        "rejected_row_count": "int64", "unsplit_bytes": "int64"})
    manifest_frame = spark.createDataFrame(new_manifest, MANIFEST_SCHEMA_DDL) if len(new_manifest) else \
        spark.createDataFrame([], MANIFEST_SCHEMA_DDL)
    # Materialize before overwriting the table it was read from.
    manifest_frame = manifest_frame.select(*[F.col(name) for name in manifest_frame.columns]).localCheckpoint()
    # overwriteSchema: a manifest written before the encoding and unsplit_bytes columns takes the new schema.
    manifest_frame.write.format(file_format_name).mode("overwrite").option("overwriteSchema", "true") \
        .saveAsTable("raw._loaded_files")
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
