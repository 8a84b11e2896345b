"""Jobs of the code location."""

from dagster import AssetSelection, define_asset_job

# Raw ingest, then every dbt seed, model, snapshot and test, then the source-freshness checks
# (the checks of the selected assets come with them).
refresh_warehouse = define_asset_job(
    name="refresh_warehouse",
    selection=AssetSelection.all(),
    description="Load new raw files into the warehouse and rebuild every dbt model, running all checks.",
)
