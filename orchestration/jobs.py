"""Jobs of the code location."""

from dagster import AssetSelection, define_asset_job

# Raw ingest, then every dbt seed, model and test, the Python steps between and after them, the
# quality checks and the publication, for one reporting day (a partition: the job is partitioned like its
# assets, orchestration/partitions.py) or a range of days in one run.
refresh_warehouse = define_asset_job(
    name="refresh_warehouse",
    selection=AssetSelection.all(),
    description="Load new raw files into the warehouse and refresh it as of the partition's day: incremental "
    "models re-process what changed plus the lookback window; every check runs; the published copy is swapped "
    "in only when the blocking checks passed.",
)
