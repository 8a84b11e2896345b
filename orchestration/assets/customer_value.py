"""The customer-value model step as Dagster assets: clv.model_fits and clv.person_predictions.

They sit between two parts of the dbt project: they read intermediate.int_person_purchase_histories and
the dbt source `clv` (models/staging/clv/) reads them. Dagster splits the dbt multi-asset around them, so
one run builds the models up to the histories, fits, then builds the rest (see orchestration/customer_value.py).
"""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from orchestration.assets import WAREHOUSE_POOL
from orchestration.customer_value import (
    FITS_TABLE,
    HISTORIES_TABLE,
    PREDICTIONS_TABLE,
    describe_fits,
    refresh_customer_value_models,
)
from orchestration.partitions import backfill_policy, daily_partitions
from orchestration.progress import report_progress
from orchestration.retries import retry_transient_failures
from orchestration.settings import load_settings
from orchestration.table_io import open_tables

CUSTOMER_VALUE_GROUP = "clv"
HISTORIES_KEY = AssetKey(HISTORIES_TABLE.split("."))
FITS_KEY = AssetKey(FITS_TABLE.split("."))
PREDICTIONS_KEY = AssetKey(PREDICTIONS_TABLE.split("."))


@multi_asset(
    name="customer_value_models",
    specs=[
        AssetSpec(
            key=FITS_KEY,
            deps=[HISTORIES_KEY],
            group_name=CUSTOMER_VALUE_GROUP,
            description="BG/NBD and Gamma-Gamma maximum-likelihood fits per reference date (analysis date and "
            "back-test cut-off): one row per parameter with standard errors and fit diagnostics.",
            kinds={"python", "scipy", "duckdb"},
        ),
        AssetSpec(
            key=PREDICTIONS_KEY,
            deps=[HISTORIES_KEY],
            group_name=CUSTOMER_VALUE_GROUP,
            description="Per reference date and person: P(alive), expected purchases over the horizon, "
            "expected spend per purchase and predicted customer value.",
            kinds={"python", "duckdb"},
        ),
    ],
    pool=WAREHOUSE_POOL,
    partitions_def=daily_partitions,
    backfill_policy=backfill_policy,
)
def customer_value_models(context: AssetExecutionContext):
    settings = load_settings()
    # The warehouse of the dbt target (DBT_TARGET): DuckDB, or Spark tables (orchestration/table_io.py).
    with retry_transient_failures(context), open_tables(settings) as tables:
        results = refresh_customer_value_models(tables)
    # The tables hold one row per parameter of each fit and one per person of each reference date.
    fits = sum(len(fit.parameters) for result in results for fit in (result.bg_nbd, result.gamma_gamma))
    predictions = sum(result.persons for result in results)
    lines = describe_fits(results)
    for line in lines:
        report_progress(context, f"customer value: {line}")
    yield MaterializeResult(
        asset_key=FITS_KEY,
        metadata={"dagster/row_count": MetadataValue.int(fits), "fits": MetadataValue.md("\n".join(
            f"- {line}" for line in lines) or "no buyers")},
    )
    yield MaterializeResult(asset_key=PREDICTIONS_KEY, metadata={"dagster/row_count": MetadataValue.int(predictions)})
