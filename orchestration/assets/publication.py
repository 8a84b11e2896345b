"""The published warehouse as a Dagster asset: the last step of a refresh (orchestration/publication.py).

It depends on every dbt asset in a published schema (marts, quality), read from the dbt manifest through the
same translator that names the dbt assets, and on the activation exports: so it runs after all of them,
and only when all of them succeeded. A failed step upstream, a dbt test of error severity (it fails the
dbt step) or a failed blocking asset check skips it, and BI readers keep the previous publication.
"""

import json
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.assets import WAREHOUSE_POOL
from orchestration.assets.activation_exports import segment_files
from orchestration.assets.dbt import dbt_manifest_path, dbt_translator
from orchestration.progress import report_progress
from orchestration.publication import PUBLISHED_SCHEMAS, describe_publication, publish_warehouse
from orchestration.retries import retry_transient_failures
from orchestration.settings import load_settings

PUBLICATION_GROUP = "publication"
PUBLISHED_WAREHOUSE_KEY = AssetKey(["published", "warehouse"])
# dbt resources that become relations (and so assets with a warehouse key); tests and sources do not.
RELATION_RESOURCE_TYPES = ("model", "seed", "snapshot")


def published_dbt_asset_keys(manifest: Mapping[str, Any]) -> list[AssetKey]:
    """The asset keys of the dbt relations the publication copies: those in a schema of PUBLISHED_SCHEMAS."""
    keys = {
        dbt_translator.get_asset_key(node)
        for node in manifest.get("nodes", {}).values()
        if node["resource_type"] in RELATION_RESOURCE_TYPES
        and node.get("config", {}).get("materialized") != "ephemeral"
    }
    return sorted((key for key in keys if key.path[0] in PUBLISHED_SCHEMAS), key=lambda key: key.path)


@asset(
    key=PUBLISHED_WAREHOUSE_KEY,
    deps=[*published_dbt_asset_keys(json.loads(dbt_manifest_path.read_text())), segment_files.key],
    group_name=PUBLICATION_GROUP,
    description="What BI tools read: PUBLISHED_PATH (default warehouse/published/profile.duckdb), a DuckDB file "
    "holding a copy of every table of the schemas marts and quality and, in _publication, the publication's id, "
    "time, analysis date, run and row counts. Built beside the published file and swapped in with one atomic "
    "rename once every upstream step and blocking check passed; open it read-only.",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def published_warehouse(context: AssetExecutionContext) -> MaterializeResult:
    settings = load_settings()
    with retry_transient_failures(context):
        # The analysis date as the build recorded it (marts.rpt_data_coverage).
        result = publish_warehouse(settings, context.run.run_id)
    for line in describe_publication(settings):
        report_progress(context, f"published: {line}")
    if result.removed_partials:
        report_progress(context, f"published: removed {len(result.removed_partials)} partial file(s) of "
                                 "interrupted publications")
    return MaterializeResult(metadata={
        "dagster/row_count": MetadataValue.int(result.count_rows),
        "path": MetadataValue.path(str(result.path)),
        "publication_id": MetadataValue.text(result.publication_id),
        "as_of_date": MetadataValue.text(result.as_of_date.isoformat() if result.as_of_date else ""),
        "tables": MetadataValue.int(len(result.tables)),
        "bytes": MetadataValue.int(result.bytes),
        "seconds": MetadataValue.float(round(result.seconds, 2)),
    })
