"""The clustering step: k-means on standardized behavior and value features, one cluster per person.

    python -m orchestration.person_clusters [--warehouse PATH] [--seed N]

Reads intermediate.int_person_features (one row per person of dim_persons) and writes three tables the dbt
project reads as the source `clustering` (models/staging/clustering/):

    clustering.person_clusters   one row per person: cluster_key ('cluster_1', ...), cluster_number and the
                                 distance to the cluster's centroid (in standardized units)
    clustering.cluster_profiles  one row per cluster and feature: persons, share, the feature's mean in the
                                 cluster (raw units) and standardized, and its mean over everybody
    clustering.model_selection   one row per k tried: inertia and silhouette score on the sample, the chosen k

The method, step by step (every constant is below, documented where it is defined):
1. Features (CLUSTER_FEATURES): the ten numeric behavior and value columns of int_person_features. Missing
   values are filled: counts, minutes, money and the coupon share with 0 (no session, no order: none of it),
   days_since_* with RECENCY_CAP_DAYS + 1 (never: further away than any capped value); days_since_* above
   RECENCY_CAP_DAYS are capped at it, and negative values clipped at 0.
2. log1p of every count, money, minutes and days feature (they are right-skewed: a few persons with many
   orders or much revenue would otherwise make clusters of their own); the coupon share stays as it is.
3. StandardScaler: every feature mean 0, standard deviation 1 (a constant feature stays 0).
4. k: every k in K_RANGE is fitted on a seeded random sample of at most SAMPLE_SIZE persons and scored by
   the silhouette coefficient of the sample; the best score wins (ties: the smaller k). With too few distinct
   persons for any k of the range, everybody is in cluster_1 (k = 1).
5. KMeans(n_clusters=k, random_state=seed, n_init=10) on all persons.
6. Numbering: clusters ordered by their mean total_revenue (raw), highest first, then by mean count_orders
   and by the centroid: cluster_1 is the most valuable, and the keys do not depend on k-means' internal
   label order. A readable cluster_name comes from the features furthest from the mean (describe_cluster).

The seed is the setting CLUSTER_SEED (default 42): the same features and seed give the same assignments.
The three tables are replaced in one transaction, so a failed step leaves the previous ones in place. The
step runs between two parts of the dbt build (orchestration/assets/person_clusters.py); a dbt-only
workflow runs `dbt build --select +int_person_features`, this command, then `dbt build` of the rest.
"""

from __future__ import annotations

import argparse
import math
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from orchestration.settings import load_settings
from orchestration.table_io import QueryError, Tables, as_tables, open_tables

FEATURES_TABLE = "intermediate.int_person_features"
OUTPUT_SCHEMA = "clustering"
ASSIGNMENTS_TABLE = f"{OUTPUT_SCHEMA}.person_clusters"
PROFILES_TABLE = f"{OUTPUT_SCHEMA}.cluster_profiles"
SELECTION_TABLE = f"{OUTPUT_SCHEMA}.model_selection"

# Values of k tried; the silhouette score on the sample picks one. Not 2: on these features two clusters are
# buyers and non-buyers (the silhouette's favourite split, which the tags already state), not a segmentation.
K_RANGE = range(3, 9)
# Persons the k selection fits and scores (the silhouette score costs the square of it); all persons when fewer.
SAMPLE_SIZE = 20_000
# k-means restarts from different seeded centroids; the fit with the least inertia is kept.
N_INIT = 10
# days_since_* above this many days are capped, and missing ones (never seen) set to the cap + 1.
RECENCY_CAP_DAYS = 365
# A cluster is named after its features whose standardized mean is at least this far from 0 ...
NAME_MIN_DISTANCE = 0.25
# ... at most this many of them, furthest first.
NAME_MAX_FEATURES = 2


@dataclass(frozen=True)
class ClusterFeature:
    """One k-means input column of int_person_features and how it is prepared."""

    name: str
    fill_value: float  # the value of a missing (null) feature
    cap: float | None  # values above it are capped
    is_log_scaled: bool  # log1p before standardizing
    high_label: str  # words for a cluster far above the mean ...
    low_label: str  # ... and far below it


CLUSTER_FEATURES = (
    ClusterFeature("active_days_last_30_days", 0, None, True, "often active", "rarely active"),
    ClusterFeature("count_sessions_last_30_days", 0, None, True, "many sessions", "few sessions"),
    ClusterFeature("avg_session_minutes", 0, None, True, "long sessions", "short sessions"),
    ClusterFeature("days_since_last_visit", RECENCY_CAP_DAYS + 1, RECENCY_CAP_DAYS, True,
                   "lapsed visitors", "recent visitors"),
    ClusterFeature("count_orders", 0, None, True, "frequent buyers", "few orders"),
    ClusterFeature("total_revenue", 0, None, True, "high spend", "low spend"),
    ClusterFeature("avg_order_value", 0, None, True, "big baskets", "small baskets"),
    ClusterFeature("coupon_order_share", 0, None, False, "coupon users", "full-price buyers"),
    ClusterFeature("days_since_last_order", RECENCY_CAP_DAYS + 1, RECENCY_CAP_DAYS, True,
                   "lapsed buyers", "recent buyers"),
    ClusterFeature("predicted_clv", 0, None, True, "high predicted value", "low predicted value"),
)
FEATURE_NAMES = tuple(feature.name for feature in CLUSTER_FEATURES)
# Features that only buyers have: a cluster (almost) without buyers is named "non-buyers" instead of by them ...
ORDER_FEATURES = frozenset({"count_orders", "total_revenue", "avg_order_value", "coupon_order_share",
                            "days_since_last_order", "predicted_clv"})
# ... when under this share of its persons have an order.
NON_BUYER_MAX_SHARE = 0.05

ASSIGNMENTS_COLUMNS = """
    person_id varchar,
    cluster_key varchar,
    cluster_number bigint,
    distance_to_centroid double
"""

PROFILES_COLUMNS = """
    cluster_key varchar,
    cluster_number bigint,
    cluster_name varchar,
    count_persons bigint,
    share_of_persons double,
    feature_name varchar,
    feature_position bigint,
    feature_mean double,
    standardized_mean double,
    overall_mean double,
    share_with_value double
"""

SELECTION_COLUMNS = """
    k bigint,
    inertia double,
    silhouette_score double,
    is_chosen boolean,
    seed bigint,
    sample_size bigint,
    count_persons bigint,
    as_of_date date,
    fitted_at timestamp
"""


@dataclass(frozen=True)
class ClusteringResult:
    """What the step computed: the three tables as frames and the chosen k."""

    assignments: pd.DataFrame
    profiles: pd.DataFrame
    selection: pd.DataFrame
    k: int
    seed: int

    @property
    def chosen_silhouette(self) -> float | None:
        chosen = self.selection[self.selection["is_chosen"]]
        return None if chosen.empty else _finite_or_none(chosen["silhouette_score"].iloc[0])


def _finite_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def fill_features(features: pd.DataFrame) -> pd.DataFrame:
    """The features as the model sees them before the log and scaling: missing filled, capped, clipped at 0."""
    filled = pd.DataFrame(index=features.index)
    for feature in CLUSTER_FEATURES:
        values = pd.to_numeric(features[feature.name], errors="coerce").astype(float)
        missing = values.isna()
        values = values.clip(lower=0, upper=feature.cap)
        filled[feature.name] = values.mask(missing, feature.fill_value)
    return filled


def transform_features(filled: pd.DataFrame) -> np.ndarray:
    """log1p of the skewed features, then standardized (mean 0, standard deviation 1)."""
    matrix = np.column_stack([
        np.log1p(filled[feature.name].to_numpy()) if feature.is_log_scaled else filled[feature.name].to_numpy()
        for feature in CLUSTER_FEATURES
    ])
    return StandardScaler().fit_transform(matrix)


def _fit_kmeans(matrix: np.ndarray, k: int, seed: int) -> KMeans:
    with warnings.catch_warnings():
        # Fewer distinct points than k: k-means says so and returns duplicate centroids; the silhouette
        # check below rejects such a k.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(n_clusters=k, random_state=seed, n_init=N_INIT).fit(matrix)


def select_k(matrix: np.ndarray, seed: int, k_range: range = K_RANGE,
             sample_size: int = SAMPLE_SIZE) -> pd.DataFrame:
    """One row per k of k_range that the sample allows: inertia and silhouette score on a seeded sample of at
    most sample_size rows; is_chosen on the best score (ties: the smaller k). Empty when no k >= 2 is possible
    (fewer than 3 rows or fewer than 2 distinct ones)."""
    rows = len(matrix)
    if rows > sample_size:
        positions = np.sort(np.random.default_rng(seed).choice(rows, size=sample_size, replace=False))
        sample = matrix[positions]
    else:
        sample = matrix
    distinct = len(np.unique(sample, axis=0)) if len(sample) else 0
    results = []
    for k in k_range:
        # The silhouette needs 2 <= labels <= rows - 1, and k-means at most one cluster per distinct point.
        if k < 2 or k > min(distinct, len(sample) - 1):
            continue
        model = _fit_kmeans(sample, k, seed)
        labels_found = len(np.unique(model.labels_))
        score = (float(silhouette_score(sample, model.labels_))
                 if 2 <= labels_found <= len(sample) - 1 else None)
        results.append({"k": k, "inertia": float(model.inertia_), "silhouette_score": score,
                        "sample_size": len(sample)})
    selection = pd.DataFrame(results, columns=["k", "inertia", "silhouette_score", "sample_size"])
    scored = selection.dropna(subset=["silhouette_score"])
    selection["is_chosen"] = False
    if not scored.empty:
        best = scored.sort_values(["silhouette_score", "k"], ascending=[False, True]).index[0]
        selection.loc[best, "is_chosen"] = True
    return selection


def order_clusters(filled: pd.DataFrame, labels: np.ndarray, centers: np.ndarray) -> dict[int, int]:
    """k-means label -> cluster number (1 = highest mean total_revenue, then mean count_orders, then the
    centroid coordinates), so numbering does not depend on the order k-means happened to label them."""
    keys = []
    for label in range(len(centers)):
        members = filled[labels == label]
        keys.append((-members["total_revenue"].mean(), -members["count_orders"].mean(),
                     *(-round(float(value), 9) for value in centers[label]), label))
    return {key[-1]: number for number, key in enumerate(sorted(keys), start=1)}


def describe_cluster(standardized_means: dict[str, float], buyer_share: float) -> str:
    """A readable name: the NAME_MAX_FEATURES features furthest from the mean (at least NAME_MIN_DISTANCE
    standard deviations), e.g. 'high spend, frequent buyers'; 'non-buyers, ...' when under NON_BUYER_MAX_SHARE
    of the cluster bought anything."""
    parts = []
    candidates = dict(standardized_means)
    if buyer_share < NON_BUYER_MAX_SHARE:
        parts.append("non-buyers")
        candidates = {name: value for name, value in candidates.items() if name not in ORDER_FEATURES}
    labels = {feature.name: feature for feature in CLUSTER_FEATURES}
    furthest = sorted(candidates.items(), key=lambda item: (-abs(item[1]), FEATURE_NAMES.index(item[0])))
    for name, value in furthest:
        if len(parts) >= NAME_MAX_FEATURES or abs(value) < NAME_MIN_DISTANCE:
            break
        parts.append(labels[name].high_label if value > 0 else labels[name].low_label)
    return ", ".join(parts) or "average"


def cluster_persons(features: pd.DataFrame, seed: int, k_range: range = K_RANGE,
                    sample_size: int = SAMPLE_SIZE) -> ClusteringResult:
    """Cluster the persons of `features` (person_id + FEATURE_NAMES): see the module docstring."""
    features = features.sort_values("person_id").reset_index(drop=True)
    filled = fill_features(features)
    if features.empty:
        return ClusteringResult(_empty_assignments(), _empty_profiles(), _selection_frame(pd.DataFrame(), seed),
                                0, seed)
    matrix = transform_features(filled)
    selection = select_k(matrix, seed, k_range, sample_size)
    if selection["is_chosen"].any():
        k = int(selection.loc[selection["is_chosen"], "k"].iloc[0])
        model = _fit_kmeans(matrix, k, seed)
        labels, centers = model.labels_, model.cluster_centers_
    else:  # too few (distinct) persons to compare two clusters: everybody in cluster_1
        k = 1
        labels, centers = np.zeros(len(matrix), dtype=int), matrix.mean(axis=0, keepdims=True)
        selection = pd.DataFrame([{"k": 1, "inertia": float(((matrix - centers) ** 2).sum()),
                                   "silhouette_score": None, "sample_size": len(matrix), "is_chosen": True}])
    numbers = order_clusters(filled, labels, centers)
    cluster_numbers = np.array([numbers[label] for label in labels], dtype=np.int64)
    distances = np.linalg.norm(matrix - centers[labels], axis=1)
    assignments = pd.DataFrame({
        "person_id": features["person_id"].astype(str),
        "cluster_key": [f"cluster_{number}" for number in cluster_numbers],
        "cluster_number": cluster_numbers,
        "distance_to_centroid": distances.astype(float),
    })
    profiles = _profiles(features, filled, matrix, cluster_numbers)
    selection["count_persons"] = len(features)
    return ClusteringResult(assignments, profiles, _selection_frame(selection, seed), k, seed)


def _profiles(features: pd.DataFrame, filled: pd.DataFrame, matrix: np.ndarray,
              cluster_numbers: np.ndarray) -> pd.DataFrame:
    persons = len(features)
    rows = []
    for number in sorted(set(cluster_numbers.tolist())):
        members = cluster_numbers == number
        standardized = dict(zip(FEATURE_NAMES, matrix[members].mean(axis=0).tolist(), strict=True))
        name = describe_cluster(standardized, float((filled.loc[members, "count_orders"] > 0).mean()))
        for position, feature in enumerate(FEATURE_NAMES, start=1):
            rows.append({
                "cluster_key": f"cluster_{number}",
                "cluster_number": number,
                "cluster_name": name,
                "count_persons": int(members.sum()),
                "share_of_persons": float(members.sum()) / persons,
                "feature_name": feature,
                "feature_position": position,
                "feature_mean": float(filled.loc[members, feature].mean()),
                "standardized_mean": float(standardized[feature]),
                "overall_mean": float(filled[feature].mean()),
                "share_with_value": float(features.loc[members, feature].notna().mean()),
            })
    return pd.DataFrame(rows, columns=_empty_profiles().columns)


def _empty_assignments() -> pd.DataFrame:
    return pd.DataFrame({"person_id": pd.Series(dtype=str), "cluster_key": pd.Series(dtype=str),
                         "cluster_number": pd.Series(dtype=np.int64),
                         "distance_to_centroid": pd.Series(dtype=float)})


def _empty_profiles() -> pd.DataFrame:
    return pd.DataFrame(columns=["cluster_key", "cluster_number", "cluster_name", "count_persons",
                                 "share_of_persons", "feature_name", "feature_position", "feature_mean",
                                 "standardized_mean", "overall_mean", "share_with_value"])


def _selection_frame(selection: pd.DataFrame, seed: int) -> pd.DataFrame:
    columns = ["k", "inertia", "silhouette_score", "is_chosen", "seed", "sample_size", "count_persons"]
    selection = selection.reindex(columns=columns).copy()
    selection["seed"] = seed
    return selection


def analysis_date(warehouse: Tables | duckdb.DuckDBPyConnection, pinned: str) -> date | None:
    """The analysis date the features are as of: the pinned AS_OF, else the latest reporting day of any clean
    event or order (the dbt macro as_of_date's rule); None when there is neither."""
    if pinned:
        return date.fromisoformat(pinned)
    try:
        latest = as_tables(warehouse).read("""
            select max(activity_date) as latest_day from (
                select max(event_date) as activity_date from staging.stg_events__events
                union all
                select max(ordered_date) as activity_date from staging.stg_orders__orders
            ) as latest_days
        """).iloc[0, 0]
    except QueryError:
        return None
    return None if pd.isna(latest) else pd.Timestamp(latest).date()


def refresh_person_clusters(warehouse: Tables | duckdb.DuckDBPyConnection, seed: int,
                            as_of_date: date | None = None) -> ClusteringResult:
    """Cluster every person of FEATURES_TABLE and replace the three clustering tables."""
    tables = as_tables(warehouse)
    features = tables.read(f"select person_id, {', '.join(FEATURE_NAMES)} from {FEATURES_TABLE} order by person_id")
    result = cluster_persons(features, seed)
    selection = result.selection.copy()
    selection["as_of_date"] = as_of_date
    selection["fitted_at"] = datetime.now(UTC).replace(tzinfo=None)
    # The three tables in one replace (on DuckDB one transaction: a failure keeps the previous ones).
    tables.replace_tables(OUTPUT_SCHEMA, {
        ASSIGNMENTS_TABLE.split(".")[1]: (ASSIGNMENTS_COLUMNS, result.assignments),
        PROFILES_TABLE.split(".")[1]: (PROFILES_COLUMNS, result.profiles),
        SELECTION_TABLE.split(".")[1]: (SELECTION_COLUMNS, selection),
    })
    return result


def describe_clusters(result: ClusteringResult) -> list[str]:
    """The chosen k with its silhouette score, then one line per cluster: key, persons, share and name."""
    if result.assignments.empty:
        return ["no persons to cluster"]
    score = result.chosen_silhouette
    silhouette = f", silhouette {score:.3f}" if score is not None else ""
    lines = [f"k = {result.k} (seed {result.seed}{silhouette}) on {len(result.assignments):,} persons"]
    clusters = result.profiles.drop_duplicates("cluster_key").sort_values("cluster_number")
    for row in clusters.itertuples():
        lines.append(f"{row.cluster_key}: {row.count_persons:,} persons ({row.share_of_persons:.0%}), "
                     f"{row.cluster_name}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.person_clusters",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: the warehouse of DBT_TARGET)")
    parser.add_argument("--seed", type=int, help="random seed (default: the CLUSTER_SEED setting, 42)")
    arguments = parser.parse_args(argv)
    settings = load_settings()
    seed = settings.cluster_seed if arguments.seed is None else arguments.seed
    with open_tables(settings, arguments.warehouse) as tables:
        result = refresh_person_clusters(tables, seed, analysis_date(tables, settings.as_of_date))
    for line in describe_clusters(result):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
