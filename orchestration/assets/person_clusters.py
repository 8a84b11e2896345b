"""The clustering step as Dagster assets: clustering.person_clusters, cluster_profiles and model_selection.

They sit between two parts of the dbt project: they read intermediate.int_person_features and the dbt
source `clustering` (models/staging/clustering/) reads them. Dagster splits the dbt multi-asset around them,
so one run builds the models up to the features, clusters, then builds the rest (see
orchestration/person_clusters.py).
"""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from orchestration.assets import WAREHOUSE_POOL
from orchestration.partitions import backfill_policy, context_refresh_window, daily_partitions, run_analysis_date
from orchestration.person_clusters import (
    ASSIGNMENTS_TABLE,
    FEATURES_TABLE,
    PROFILES_TABLE,
    SELECTION_TABLE,
    analysis_date,
    describe_clusters,
    refresh_person_clusters,
)
from orchestration.progress import report_progress
from orchestration.retries import retry_transient_failures
from orchestration.settings import load_settings
from orchestration.table_io import open_tables

CLUSTERING_GROUP = "clustering"
FEATURES_KEY = AssetKey(FEATURES_TABLE.split("."))
ASSIGNMENTS_KEY = AssetKey(ASSIGNMENTS_TABLE.split("."))
PROFILES_KEY = AssetKey(PROFILES_TABLE.split("."))
SELECTION_KEY = AssetKey(SELECTION_TABLE.split("."))


@multi_asset(
    name="person_clusters",
    specs=[
        AssetSpec(
            key=ASSIGNMENTS_KEY,
            deps=[FEATURES_KEY],
            group_name=CLUSTERING_GROUP,
            description="k-means cluster of every person on standardized behavior and value features: "
            "cluster_key (cluster_1 = highest mean revenue) and the distance to the centroid.",
            kinds={"python", "scikitlearn", "duckdb"},
        ),
        AssetSpec(
            key=PROFILES_KEY,
            deps=[FEATURES_KEY],
            group_name=CLUSTERING_GROUP,
            description="One row per cluster and feature: persons, share, the feature's mean (raw units and "
            "standardized) against its overall mean, and the cluster's readable name.",
            kinds={"python", "duckdb"},
        ),
        AssetSpec(
            key=SELECTION_KEY,
            deps=[FEATURES_KEY],
            group_name=CLUSTERING_GROUP,
            description="One row per k tried: inertia and silhouette score on the seeded sample, the chosen k.",
            kinds={"python", "duckdb"},
        ),
    ],
    pool=WAREHOUSE_POOL,
    partitions_def=daily_partitions,
    backfill_policy=backfill_policy,
)
def person_clusters(context: AssetExecutionContext):
    settings = load_settings()
    as_of_date = run_analysis_date(context, context_refresh_window(context, settings.refresh_lookback_days))
    # The warehouse of the dbt target (DBT_TARGET): DuckDB, or Spark tables (orchestration/table_io.py).
    with retry_transient_failures(context), open_tables(settings) as tables:
        result = refresh_person_clusters(tables, settings.cluster_seed, analysis_date(tables, as_of_date))
    lines = describe_clusters(result)
    for line in lines:
        report_progress(context, f"clusters: {line}")
    yield MaterializeResult(
        asset_key=ASSIGNMENTS_KEY,
        metadata={"dagster/row_count": MetadataValue.int(len(result.assignments)),
                  "k": MetadataValue.int(result.k), "seed": MetadataValue.int(result.seed),
                  "clusters": MetadataValue.md("\n".join(f"- {line}" for line in lines))},
    )
    yield MaterializeResult(asset_key=PROFILES_KEY,
                            metadata={"dagster/row_count": MetadataValue.int(len(result.profiles))})
    yield MaterializeResult(asset_key=SELECTION_KEY,
                            metadata={"dagster/row_count": MetadataValue.int(len(result.selection))})
