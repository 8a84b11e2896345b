"""Raw ingest: one asset per raw source folder, all registered by one step (orchestration/raw_files.py)."""

from pathlib import Path

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from pydantic import Field

from orchestration.assets import WAREHOUSE_POOL
from orchestration.progress import report_progress
from orchestration.raw_files import SourceLoad, load_raw_directory, read_options
from orchestration.retries import retry_transient_failures
from orchestration.settings import RAW_SOURCES, export_dbt_environment, load_settings

RAW_GROUP = "raw"
# The ingest's file manifest (raw._loaded_files, see raw_files.py): written by the same step.
LOADED_FILES_TABLE = "_loaded_files"


def raw_asset_key(source: str) -> AssetKey:
    """The asset key of a raw source: the warehouse table it fills, raw.<source>."""
    return AssetKey([RAW_GROUP, source])


class RawIngestConfig(Config):
    raw_dir: str = Field(
        default="",
        description="Folder holding one subfolder per raw source. Empty: the RAW_DIR setting "
        "(default data/demo/raw).",
    )


def _load_metadata(load: SourceLoad, raw_dir: Path) -> dict[str, object]:
    return {
        "dagster/row_count": MetadataValue.int(load.total_rows),
        "raw_dir": MetadataValue.path(str(raw_dir / load.source)),
        "files_found": MetadataValue.int(load.files_found),
        "files_loaded": MetadataValue.int(load.files_loaded),
        "files_unchanged": MetadataValue.int(load.files_unchanged),
        "files_removed": MetadataValue.int(load.files_removed),
        "rows_loaded": MetadataValue.int(load.rows_loaded),
        "rows_rejected_by_reader": MetadataValue.int(load.rows_rejected_by_reader),
        "ignored_files": MetadataValue.json(load.ignored_files),
    }


@multi_asset(
    name="raw_sources",
    specs=[
        AssetSpec(
            key=raw_asset_key(source),
            group_name=RAW_GROUP,
            description=(
                f"raw.{source}: every file under the raw folder `{source}/` (JSON lines, CSV or Parquet), "
                "one row per record with its text in `payload`. Loaded incrementally: unchanged files are "
                "skipped, changed files replaced, removed files' rows deleted."
            ),
            kinds={"duckdb"},
        )
        for source in RAW_SOURCES
    ]
    + [
        AssetSpec(
            key=raw_asset_key(LOADED_FILES_TABLE),
            group_name=RAW_GROUP,
            description="raw._loaded_files: one row per raw file currently loaded (source, size, modification "
            "time, load id, rows); how the ingest recognises unchanged files.",
            kinds={"duckdb"},
        )
    ],
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def raw_sources(context: AssetExecutionContext, config: RawIngestConfig):
    settings = load_settings()
    export_dbt_environment(settings)
    raw_dir = Path(config.raw_dir).resolve() if config.raw_dir else settings.raw_dir
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"Raw folder {raw_dir} does not exist (set RAW_DIR or the raw_dir config).")
    report_progress(context, f"ingest from {raw_dir}")
    selected = [source for source in RAW_SOURCES if raw_asset_key(source) in context.selected_asset_keys]
    with retry_transient_failures(context), duckdb.connect(
        str(settings.warehouse_path), config=settings.duckdb_config
    ) as connection:
        loads = load_raw_directory(
            connection, raw_dir, progress=lambda message: report_progress(context, message), sources=selected,
            options=read_options(settings),
        )
        loaded_files = connection.execute(f"select count(*) from raw.{LOADED_FILES_TABLE}").fetchall()[0][0]
    for load in loads:
        yield MaterializeResult(asset_key=raw_asset_key(load.source), metadata=_load_metadata(load, raw_dir))
    if raw_asset_key(LOADED_FILES_TABLE) in context.selected_asset_keys:
        yield MaterializeResult(
            asset_key=raw_asset_key(LOADED_FILES_TABLE),
            metadata={"dagster/row_count": MetadataValue.int(loaded_files)},
        )
