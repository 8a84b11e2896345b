"""The clustering step (orchestration/person_clusters.py): feature preparation, k selection on blobs of known
k, reproducibility from the seed, deterministic cluster numbering, the tables it writes, and its place in the
Dagster job (between two parts of the dbt build)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from orchestration import person_clusters
from orchestration.person_clusters import (
    FEATURE_NAMES,
    RECENCY_CAP_DAYS,
    cluster_persons,
    describe_cluster,
    fill_features,
    refresh_person_clusters,
    select_k,
)


def blobs(centers: int, seed: int = 0) -> np.ndarray:
    points, _ = make_blobs(n_samples=150 * centers, centers=centers, n_features=4, cluster_std=0.6,
                           center_box=(-10, 10), random_state=seed)
    return StandardScaler().fit_transform(points)


def synthetic_persons(seed: int = 7) -> pd.DataFrame:
    """Three well-separated kinds of person: 60 big spenders, 80 occasional buyers, 100 visitors who never
    bought (their order features null, as int_person_features has them)."""
    rng = np.random.default_rng(seed)
    groups = []
    for kind, size, orders, revenue, active in (("big", 60, 40, 20_000, 20), ("occasional", 80, 3, 300, 5),
                                                 ("visitor", 100, 0, 0, 1)):
        buyer = orders > 0
        groups.append(pd.DataFrame({
            "person_id": [f"{kind}_{number:03d}" for number in range(size)],
            "active_days_last_30_days": rng.poisson(active, size),
            "count_sessions_last_30_days": rng.poisson(active * 1.5, size),
            "avg_session_minutes": rng.gamma(4, 0.5, size),
            "days_since_last_visit": rng.integers(0, 20, size),
            "count_orders": rng.poisson(orders, size) + (1 if buyer else 0),
            "total_revenue": rng.normal(revenue, revenue / 10, size).clip(1) if buyer else np.zeros(size),
            "avg_order_value": rng.normal(500, 50, size) if buyer else np.full(size, np.nan),
            "coupon_order_share": rng.uniform(0, 0.3, size) if buyer else np.full(size, np.nan),
            "days_since_last_order": rng.integers(0, 60, size) if buyer else np.full(size, np.nan),
            "predicted_clv": rng.normal(revenue, revenue / 10, size).clip(1) if buyer else np.full(size, np.nan),
        }))
    return pd.concat(groups, ignore_index=True)


# --- Features ---


def test_missing_values_are_filled_capped_and_clipped():
    features = pd.DataFrame({name: [None, None] for name in FEATURE_NAMES} | {"person_id": ["a", "b"]})
    features.loc[1, "days_since_last_visit"] = 400
    features.loc[1, "days_since_last_order"] = 12
    features.loc[1, "total_revenue"] = -5.0
    filled = fill_features(features)
    # Never seen: the cap + 1; longer ago than the cap: the cap; counts and money: 0; negative money: 0.
    assert filled.loc[0, "days_since_last_visit"] == RECENCY_CAP_DAYS + 1
    assert filled.loc[1, "days_since_last_visit"] == RECENCY_CAP_DAYS
    assert filled.loc[1, "days_since_last_order"] == 12
    assert filled.loc[0, "count_orders"] == 0 and filled.loc[0, "predicted_clv"] == 0
    assert filled.loc[1, "total_revenue"] == 0
    assert not filled.isna().any().any()


# --- k selection ---


@pytest.mark.parametrize("centers", [3, 5])
def test_silhouette_finds_the_number_of_blobs(centers):
    selection = select_k(blobs(centers), seed=42, k_range=range(2, 9))
    assert list(selection["k"]) == list(range(2, 9))
    assert selection.loc[selection["is_chosen"], "k"].tolist() == [centers]
    assert selection["inertia"].is_monotonic_decreasing


def test_k_selection_uses_a_seeded_sample():
    matrix = blobs(3)
    first = select_k(matrix, seed=1, k_range=range(2, 5), sample_size=200)
    again = select_k(matrix, seed=1, k_range=range(2, 5), sample_size=200)
    pd.testing.assert_frame_equal(first, again)
    assert set(first["sample_size"]) == {200}
    assert first.loc[first["is_chosen"], "k"].tolist() == [3]


def test_too_few_distinct_persons_make_one_cluster():
    features = synthetic_persons().iloc[[0, 0, 0, 0]].assign(person_id=["a", "b", "c", "d"])
    result = cluster_persons(features, seed=42)
    assert result.k == 1
    assert set(result.assignments["cluster_key"]) == {"cluster_1"}
    assert result.selection["is_chosen"].tolist() == [True]


def test_no_persons_make_empty_tables():
    result = cluster_persons(pd.DataFrame(columns=["person_id", *FEATURE_NAMES]), seed=42)
    assert result.assignments.empty and result.profiles.empty and result.selection.empty


# --- Reproducibility and numbering ---


def test_same_features_and_seed_give_the_same_clusters():
    features = synthetic_persons()
    first, second = cluster_persons(features, seed=42), cluster_persons(features, seed=42)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)
    pd.testing.assert_frame_equal(first.profiles, second.profiles)


def test_the_three_kinds_are_found_and_numbered_by_revenue():
    result = cluster_persons(synthetic_persons(), seed=42)
    assert result.k == 3
    kinds = result.assignments.assign(kind=result.assignments["person_id"].str.split("_").str[0])
    # Every kind is one cluster, and cluster_1 is the one with the most revenue.
    assert kinds.groupby("kind")["cluster_key"].nunique().eq(1).all()
    assert kinds.groupby("kind")["cluster_key"].first().to_dict() == {
        "big": "cluster_1", "occasional": "cluster_2", "visitor": "cluster_3"}
    revenue = result.profiles[result.profiles["feature_name"] == "total_revenue"].set_index("cluster_key")
    assert revenue["feature_mean"].is_monotonic_decreasing
    assert revenue.loc["cluster_3", "cluster_name"].startswith("non-buyers")
    assert revenue.loc["cluster_3", "share_with_value"] == 1.0  # total_revenue is 0, not null, for visitors
    order_value = result.profiles[result.profiles["feature_name"] == "avg_order_value"].set_index("cluster_key")
    assert order_value.loc["cluster_3", "share_with_value"] == 0.0
    assert result.profiles.groupby("cluster_key")["share_of_persons"].first().sum() == pytest.approx(1.0)


def test_numbering_does_not_depend_on_row_order_or_seed():
    features = synthetic_persons()
    reference = cluster_persons(features, seed=42).assignments.set_index("person_id")["cluster_key"]
    shuffled = features.sample(frac=1.0, random_state=3)
    for seed in (42, 7, 2024):
        assignments = cluster_persons(shuffled, seed=seed).assignments.set_index("person_id")["cluster_key"]
        # Well-separated kinds: another seed (or order) may start k-means elsewhere, but finds the same
        # clusters, and the numbering by revenue gives them the same keys.
        pd.testing.assert_series_equal(assignments.sort_index(), reference.sort_index())


def test_cluster_names_come_from_the_features_furthest_from_the_mean():
    means = dict.fromkeys(FEATURE_NAMES, 0.0) | {"total_revenue": 1.2, "days_since_last_visit": -0.9,
                                                  "count_orders": 0.3}
    assert describe_cluster(means, buyer_share=0.9) == "high spend, recent visitors"
    assert describe_cluster(dict.fromkeys(FEATURE_NAMES, 0.1), buyer_share=0.5) == "average"
    # Nobody bought: named non-buyers and by behavior features only.
    assert describe_cluster(means | {"active_days_last_30_days": 0.5}, buyer_share=0.0) == (
        "non-buyers, recent visitors")


# --- The tables ---


@pytest.fixture()
def warehouse(tmp_path):
    path = tmp_path / "profile.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema intermediate")
        connection.register("features_frame", synthetic_persons())
        connection.execute("create table intermediate.int_person_features as select * from features_frame")
    return path


def test_the_step_writes_the_three_tables(warehouse):
    with duckdb.connect(str(warehouse)) as connection:
        result = refresh_person_clusters(connection, seed=42, as_of_date=pd.Timestamp("2026-10-31").date())
        persons = connection.execute(
            "select count(*), count(distinct cluster_key) from clustering.person_clusters").fetchone()
        profiles = connection.execute("select count(*) from clustering.cluster_profiles").fetchone()[0]
        chosen = connection.execute(
            "select k, seed, as_of_date from clustering.model_selection where is_chosen").fetchall()
    assert persons == (240, 3)
    assert profiles == 3 * len(FEATURE_NAMES)
    assert chosen == [(3, 42, pd.Timestamp("2026-10-31").date())]
    assert result.k == 3


def test_a_failed_write_leaves_the_previous_tables(warehouse, monkeypatch):
    with duckdb.connect(str(warehouse)) as connection:
        refresh_person_clusters(connection, seed=42)
        before = connection.execute("select * from clustering.person_clusters order by person_id").fetchall()
        real_cluster_persons = person_clusters.cluster_persons

        def broken_profiles(features, seed, *arguments):
            result = real_cluster_persons(features, seed, *arguments)
            result.profiles["cluster_number"] = "not a number"  # the insert of the second table fails
            return result

        monkeypatch.setattr(person_clusters, "cluster_persons", broken_profiles)
        connection.execute("delete from intermediate.int_person_features where person_id like 'big%'")
        with pytest.raises(duckdb.Error):
            refresh_person_clusters(connection, seed=42)
        after = connection.execute("select * from clustering.person_clusters order by person_id").fetchall()
    assert after == before


def test_the_command_line_clusters_the_warehouse(warehouse, capsys):
    assert person_clusters.main(["--warehouse", str(warehouse), "--seed", "42"]) == 0
    output = capsys.readouterr().out
    assert output.startswith("k = 3 (seed 42")
    assert "cluster_1: 60 persons" in output


# --- Orchestration ---


def test_the_clustering_step_runs_between_two_parts_of_the_dbt_build():
    """Needs the integrated project (int_person_features and the clustering source in the manifest)."""
    from dagster import AssetKey

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    features = AssetKey(["intermediate", "int_person_features"])
    for table in ("person_clusters", "cluster_profiles", "model_selection"):
        node = graph.get(AssetKey(["clustering", table]))
        assert features in node.parent_keys
        assert AssetKey(["staging", f"stg_clustering__{table}"]) in node.child_keys
    names = [node.name for node in defs.resolve_job_def("refresh_warehouse").nodes]
    assert "person_clusters" in names
    assert sum(name.startswith("dbt_models") for name in names) >= 2, names
