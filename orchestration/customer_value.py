"""The customer-value model step: fit BG/NBD and Gamma-Gamma per reference date and write the predictions.

    python -m orchestration.customer_value [--warehouse PATH]

Reads intermediate.int_person_purchase_histories (one row per reference date and person: the buy-till-you-
die summary, the horizon to predict and the models' time unit, all set by dbt vars) and writes two tables
the dbt project reads as the source `clv` (models/staging/clv/):

    clv.model_fits          one row per reference date, model and parameter: estimate, standard error and
                            the fit's diagnostics (status, customers, log-likelihood, convergence)
    clv.person_predictions  one row per reference date and person: P(alive), expected purchases over the
                            horizon, expected spend per purchase, predicted customer value

Both tables are replaced in one transaction, so a failed fit leaves the previous ones in place. The step
runs between two parts of the dbt build: `make run` schedules it through Dagster
(orchestration/assets/customer_value.py); a dbt-only workflow runs `dbt build --select
+int_person_purchase_histories`, this command, then `dbt build` of the rest.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.lifetime_value import (
    ModelFit,
    expected_average_value,
    expected_purchases,
    fit_bg_nbd,
    fit_gamma_gamma,
    frequency_monetary_correlation,
    probability_alive,
)
from orchestration.settings import load_settings
from orchestration.table_io import Tables, as_tables, open_tables

HISTORIES_TABLE = "intermediate.int_person_purchase_histories"
OUTPUT_SCHEMA = "clv"
FITS_TABLE = f"{OUTPUT_SCHEMA}.model_fits"
PREDICTIONS_TABLE = f"{OUTPUT_SCHEMA}.person_predictions"

FITS_COLUMNS = """
    reference_date date,
    is_backtest boolean,
    model varchar,
    parameter varchar,
    estimate double,
    standard_error double,
    status varchar,
    customers bigint,
    log_likelihood double,
    converged boolean,
    iterations bigint,
    message varchar,
    time_unit_days bigint,
    frequency_monetary_correlation double,
    fitted_at timestamp
"""

PREDICTIONS_COLUMNS = """
    reference_date date,
    is_backtest boolean,
    person_id varchar,
    prediction_horizon_days bigint,
    probability_alive double,
    expected_purchases double,
    expected_average_order_value double,
    predicted_clv double,
    bg_nbd_status varchar,
    gamma_gamma_status varchar
"""


@dataclass(frozen=True)
class ReferenceFits:
    """The two fits of one reference date and how many persons got predictions."""

    reference_date: str
    is_backtest: bool
    bg_nbd: ModelFit
    gamma_gamma: ModelFit
    persons: int


def _fit_rows(reference_date, is_backtest: bool, fit: ModelFit, time_unit_days: int,
              correlation: float | None, fitted_at: datetime) -> list[dict]:
    parameters = fit.parameters or {}
    return [
        {
            "reference_date": reference_date,
            "is_backtest": is_backtest,
            "model": fit.model,
            "parameter": name,
            "estimate": _finite_or_none(value),
            "standard_error": _finite_or_none((fit.standard_errors or {}).get(name)),
            "status": fit.status,
            "customers": fit.customers,
            "log_likelihood": _finite_or_none(fit.log_likelihood),
            "converged": fit.converged,
            "iterations": fit.iterations,
            "message": fit.message,
            "time_unit_days": time_unit_days,
            "frequency_monetary_correlation": correlation,
            "fitted_at": fitted_at,
        }
        for name, value in parameters.items()
    ]


def _finite_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def predict_reference_date(histories: pd.DataFrame) -> tuple[pd.DataFrame, ModelFit, ModelFit]:
    """Fit both models on one reference date's persons and predict for each of them.

    Frequency is counted in purchase days after the first; recency, age and the horizon are converted from
    days to the models' time unit. A person with no repeat purchase gets the Gamma-Gamma population mean as
    expected spend."""
    unit = float(histories["model_time_unit_days"].iloc[0])
    horizon = float(histories["prediction_horizon_days"].iloc[0]) / unit
    frequency = histories["frequency"].to_numpy(dtype=float)
    recency = histories["recency_days"].to_numpy(dtype=float) / unit
    age = histories["customer_age_days"].to_numpy(dtype=float) / unit
    monetary = histories["avg_repeat_order_value"].to_numpy(dtype=float)
    bg_nbd = fit_bg_nbd(frequency, recency, age)
    gamma_gamma = fit_gamma_gamma(frequency, monetary)
    alive = probability_alive(bg_nbd, frequency, recency, age)
    purchases = expected_purchases(bg_nbd, horizon, frequency, recency, age)
    spend = expected_average_value(gamma_gamma, frequency, monetary)
    predictions = pd.DataFrame({
        "reference_date": histories["reference_date"].to_numpy(),
        "is_backtest": histories["is_backtest"].to_numpy(dtype=bool),
        "person_id": histories["person_id"].to_numpy(),
        "prediction_horizon_days": histories["prediction_horizon_days"].to_numpy(dtype=np.int64),
        "probability_alive": alive,
        "expected_purchases": purchases,
        "expected_average_order_value": spend,
        "predicted_clv": purchases * spend,
        "bg_nbd_status": bg_nbd.status,
        "gamma_gamma_status": gamma_gamma.status,
    })
    # NaN (an unfitted model) is stored as null.
    for column in ("probability_alive", "expected_purchases", "expected_average_order_value", "predicted_clv"):
        predictions[column] = predictions[column].astype(float).where(np.isfinite(predictions[column]), None)
    return predictions, bg_nbd, gamma_gamma


def refresh_customer_value_models(warehouse: Tables | duckdb.DuckDBPyConnection) -> list[ReferenceFits]:
    """Fit per reference date of HISTORIES_TABLE and replace FITS_TABLE and PREDICTIONS_TABLE (on DuckDB or
    Spark: orchestration/table_io.py)."""
    tables = as_tables(warehouse)
    histories = tables.read(f"select * from {HISTORIES_TABLE} order by reference_date, person_id")
    fitted_at = datetime.now(UTC).replace(tzinfo=None)
    prediction_parts: list[pd.DataFrame] = []
    fit_rows: list[dict] = []
    results: list[ReferenceFits] = []
    for reference_date, group in histories.groupby("reference_date", sort=True):
        predictions, bg_nbd, gamma_gamma = predict_reference_date(group)
        is_backtest = bool(group["is_backtest"].iloc[0])
        unit = int(group["model_time_unit_days"].iloc[0])
        correlation = frequency_monetary_correlation(
            group["frequency"].to_numpy(dtype=float), group["avg_repeat_order_value"].to_numpy(dtype=float))
        fit_rows += _fit_rows(reference_date, is_backtest, bg_nbd, unit, None, fitted_at)
        fit_rows += _fit_rows(reference_date, is_backtest, gamma_gamma, unit, correlation, fitted_at)
        prediction_parts.append(predictions)
        results.append(ReferenceFits(str(pd.Timestamp(reference_date).date()), is_backtest, bg_nbd,
                                     gamma_gamma, len(group)))
    predictions = pd.concat(prediction_parts, ignore_index=True) if prediction_parts else pd.DataFrame()
    # Both tables in one replace: on DuckDB one transaction, so a failed fit leaves the previous ones in place.
    tables.replace_tables(OUTPUT_SCHEMA, {
        FITS_TABLE.split(".")[1]: (FITS_COLUMNS, pd.DataFrame(fit_rows)),
        PREDICTIONS_TABLE.split(".")[1]: (PREDICTIONS_COLUMNS, predictions),
    })
    return results


def describe_fits(results: list[ReferenceFits]) -> list[str]:
    """One line per reference date and model: status, customers and parameters."""
    lines = []
    for result in results:
        label = "back-test cut-off" if result.is_backtest else "analysis date"
        for fit in (result.bg_nbd, result.gamma_gamma):
            parameters = ", ".join(f"{name}={value:.4g}" for name, value in (fit.parameters or {}).items())
            lines.append(f"{result.reference_date} ({label}) {fit.model}: {fit.status}, "
                         f"{fit.customers:,} customers, {parameters}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.customer_value", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path,
                        help="DuckDB file (default: the warehouse of the dbt target, DBT_TARGET: duckdb or spark)")
    arguments = parser.parse_args(argv)
    settings = load_settings()
    with open_tables(settings, arguments.warehouse) as tables:
        results = refresh_customer_value_models(tables)
    for line in describe_fits(results):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
