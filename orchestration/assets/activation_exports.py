"""The activation exports as a Dagster asset: one CSV and Parquet file per exportable segment.

It runs after the dbt models it reads (marts.rpt_segment_exports, marts.dim_segments) and their tests, and
writes <EXPORT_DIR>/<as_of_date>/ atomically (see orchestration/activation_exports.py).
"""

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.activation_exports import EXPORTS_TABLE, SEGMENTS_TABLE, describe_export, export_segments
from orchestration.assets import WAREHOUSE_POOL
from orchestration.partitions import backfill_policy, context_refresh_window, daily_partitions, run_analysis_date
from orchestration.progress import report_progress
from orchestration.retries import retry_transient_failures
from orchestration.settings import load_settings

ACTIVATION_GROUP = "activation"
EXPORTS_KEY = AssetKey(EXPORTS_TABLE.split("."))
SEGMENTS_KEY = AssetKey(SEGMENTS_TABLE.split("."))


@asset(
    key=AssetKey(["exports", "segment_files"]),
    deps=[EXPORTS_KEY, SEGMENTS_KEY],
    group_name=ACTIVATION_GROUP,
    description="Per exportable segment, <EXPORT_DIR>/<as_of_date>/<segment_key>.csv and .parquet (person_id and "
    "contact identifiers of the members with marketing consent and no pending erasure) and a manifest.json; "
    "each date folder is swapped in whole, `latest` points at the newest.",
    kinds={"python", "csv", "parquet"},
    pool=WAREHOUSE_POOL,
    partitions_def=daily_partitions,
    backfill_policy=backfill_policy,
)
def segment_files(context: AssetExecutionContext) -> MaterializeResult:
    settings = load_settings()
    as_of_date = run_analysis_date(context, context_refresh_window(context, settings.refresh_lookback_days))
    with retry_transient_failures(context), duckdb.connect(
        str(settings.warehouse_path), read_only=True, config=settings.duckdb_config
    ) as connection:
        result = export_segments(connection, settings.export_dir, as_of_date)
    lines = describe_export(result)
    report_progress(context, f"exports: {lines[0]}")
    return MaterializeResult(metadata={
        "dagster/row_count": MetadataValue.int(result.rows),
        "folder": MetadataValue.path(str(result.folder)),
        "as_of_date": MetadataValue.text(result.as_of_date),
        "segments": MetadataValue.md("\n".join(f"- {line}" for line in lines[1:]) or "no exportable segment"),
    })
