"""Active persons, PostHog lifecycle, per-person lifecycle stages and the churn warning on the full demo warehouse:
the marts' invariants, each mart recomputed here from fct_person_daily_activity by a plain (deliberately naive)
pandas implementation of its rule, and the churn warning's back-test against the generator's true churners."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

# The project's defaults (dbt_project.yml), which the demo refresh runs with.
SILENT_AFTER_DAYS = 14
CHURNED_AFTER_DAYS = 60
NEW_WITHIN_DAYS = 7
REACTIVATED_WITHIN_DAYS = 14
RECENT_DAYS = 7
BASELINE_DAYS = 28
RATIO = 0.5
MIN_BASELINE = 4
OUTCOME_DAYS = 30
STEP_DAYS = 7



@pytest.fixture(scope="module")
def activity(demo_warehouse) -> pd.DataFrame:
    days = demo_warehouse.frame("select person_id, activity_date, active_platforms, count_events "
                                 "from marts.fct_person_daily_activity")
    days["activity_date"] = pd.to_datetime(days["activity_date"])
    return days


@pytest.fixture(scope="module")
def as_of(activity) -> pd.Timestamp:
    return activity["activity_date"].max()


def day(value) -> pd.Timestamp:
    return pd.Timestamp(value)


def test_active_persons_all_rows_match_a_naive_count(demo_warehouse, activity):
    report = demo_warehouse.frame("select * from marts.rpt_active_persons")
    report["activity_date"] = pd.to_datetime(report["activity_date"])
    assert (report["count_active_persons"] <= report["count_active_persons_last_7_days"]).all()
    assert (report["count_active_persons_last_7_days"] <= report["count_active_persons_last_30_days"]).all()
    assert (report["count_new_persons"] + report["count_returning_persons"] == report["count_active_persons"]).all()

    totals = report[(report["platform"] == "all") & (report["channel"] == "all")].set_index("activity_date")
    calendar = pd.date_range(activity["activity_date"].min(), activity["activity_date"].max(), freq="D")
    assert list(totals.index.sort_values()) == list(calendar)
    first_days = activity.groupby("person_id")["activity_date"].min()
    for current in calendar:
        window = activity[activity["activity_date"] <= current]
        expected = (
            window.loc[window["activity_date"] == current, "person_id"].nunique(),
            window.loc[window["activity_date"] > current - pd.Timedelta(days=7), "person_id"].nunique(),
            window.loc[window["activity_date"] > current - pd.Timedelta(days=30), "person_id"].nunique(),
            int((first_days == current).sum()),
        )
        row = totals.loc[current]
        got = (row["count_active_persons"], row["count_active_persons_last_7_days"],
               row["count_active_persons_last_30_days"], row["count_new_persons"])
        assert got == expected, (current, got, expected)
    assert totals["count_new_persons"].sum() == activity["person_id"].nunique()

    # A person counts on each platform they used, so platform rows cover the total but may exceed it.
    platforms = report[(report["platform"] != "all") & (report["channel"] == "all")]
    platform_sums = platforms.groupby("activity_date")["count_active_persons"].sum()
    assert (platform_sums.reindex(totals.index) >= totals["count_active_persons"]).all()
    per_platform = activity.assign(platform=activity["active_platforms"].fillna("none").str.split(",")).explode(
        "platform").groupby(["activity_date", "platform"])["person_id"].nunique()
    got_platform = platforms.set_index(["activity_date", "platform"])["count_active_persons"]
    assert (got_platform[got_platform > 0].sort_index() == per_platform.sort_index()).all()
    channels = report[(report["platform"] == "all") & (report["channel"] != "all")]
    channel_sums = channels.groupby("activity_date")["count_active_persons"].sum()
    assert (channel_sums.reindex(totals.index) >= totals["count_active_persons"]).all()
    latest = totals.loc[totals.index.max()]
    print(f"\nrpt_active_persons on {totals.index.max().date()}: DAU {latest['count_active_persons']}, "
          f"WAU {latest['count_active_persons_last_7_days']}, MAU {latest['count_active_persons_last_30_days']}, "
          f"DAU/MAU {latest['stickiness']:.3f}; {len(report)} rows, "
          f"{report[['platform', 'channel']].drop_duplicates().shape[0]} platform/channel combinations")


def period_start(dates: pd.Series, grain: str) -> pd.Series:
    if grain == "day":
        return dates
    if grain == "week":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    return dates.dt.to_period("M").dt.start_time


def next_period(start: pd.Timestamp, grain: str) -> pd.Timestamp:
    return start + (pd.DateOffset(months=1) if grain == "month" else pd.Timedelta(days=7 if grain == "week" else 1))


def test_lifecycle_statuses_reconcile_with_active_persons(demo_warehouse, activity, as_of):
    lifecycle = demo_warehouse.frame("select * from marts.rpt_lifecycle")
    lifecycle["period_start"] = pd.to_datetime(lifecycle["period_start"])
    assert (lifecycle["persons"] > 0).all()
    counts = lifecycle.pivot_table(index=["grain", "period_start"], columns="status", values="persons",
                                   aggfunc="sum", fill_value=0)
    for grain in ("day", "week", "month"):
        periods = activity.assign(period_start=period_start(activity["activity_date"], grain))
        active = periods.groupby("period_start")["person_id"].nunique()
        current = period_start(pd.Series([as_of]), grain).iloc[0]
        by_period = counts.loc[grain]
        assert by_period.index.max() <= current
        # active persons of a period = new + returning + resurrecting
        statuses = by_period.reindex(active.index, fill_value=0)
        assert (statuses["new"] + statuses["returning"] + statuses["resurrecting"] == active).all(), grain
        # dormant(t) = active(t-1) - returning(t), for every period after an active one up to the current one
        for previous, active_persons in active.items():
            following = next_period(previous, grain)
            if following > current:
                continue
            row = by_period.loc[following] if following in by_period.index else pd.Series(0, index=by_period.columns)
            assert row.get("dormant", 0) == active_persons - row.get("returning", 0), (grain, following)
        # new persons over all periods = every person once
        assert by_period["new"].sum() == activity["person_id"].nunique()
        complete = lifecycle[lifecycle["grain"] == grain].set_index("period_start")["is_complete"]
        assert complete[complete.index < current].all()
        current_is_over = next_period(current, grain) <= as_of + pd.Timedelta(days=1)
        assert (complete[complete.index == current] == current_is_over).all()
    print("\nrpt_lifecycle, latest complete week:",
          counts.loc["week"].loc[lambda weeks: weeks.index < period_start(pd.Series([as_of]), "week").iloc[0]]
          .iloc[-1].to_dict())


def test_lifecycle_stages_follow_their_rules(demo_warehouse, activity, as_of):
    stages = demo_warehouse.frame("select * from marts.dim_person_lifecycle_stages")
    assert len(stages) == activity["person_id"].nunique()
    stages = stages.set_index("person_id")
    ordered = activity.sort_values(["person_id", "activity_date"])
    gaps = ordered.groupby("person_id")["activity_date"].diff().dt.days
    returns = ordered[gaps > CHURNED_AFTER_DAYS].groupby("person_id")["activity_date"].max()
    first = ordered.groupby("person_id")["activity_date"].min()
    last = ordered.groupby("person_id")["activity_date"].max()
    since_last = (as_of - last).dt.days
    since_first = (as_of - first).dt.days
    since_return = (as_of - returns.reindex(last.index)).dt.days

    def expected_stage(person_id) -> str:
        if since_last[person_id] >= CHURNED_AFTER_DAYS:
            return "churned"
        if since_last[person_id] >= SILENT_AFTER_DAYS:
            return "silent"
        if since_first[person_id] < NEW_WITHIN_DAYS:
            return "new"
        if since_return[person_id] < REACTIVATED_WITHIN_DAYS:
            return "reactivated"
        return "active"

    expected = pd.Series({person_id: expected_stage(person_id) for person_id in last.index})
    assert (stages["lifecycle_stage"].sort_index() == expected.sort_index()).all()
    assert (stages["days_since_last_active"].sort_index() == since_last.sort_index()).all()
    assert not (stages["has_churn_warning"] & ~stages["is_churn_warning_eligible"]).any()
    print("\ndim_person_lifecycle_stages:", stages["lifecycle_stage"].value_counts().to_dict(),
          f"flagged {int(stages['has_churn_warning'].sum())}")


def naive_backtest(activity: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    # Data starts with event tracking: the order history before it is not a full view of activity.
    first_day = activity.loc[activity["count_events"] > 0, "activity_date"].min()
    rows = []
    reference = as_of
    while reference - pd.Timedelta(days=RECENT_DAYS + BASELINE_DAYS - 1) >= first_day:
        if reference + pd.Timedelta(days=OUTCOME_DAYS) <= as_of:
            recent_start = reference - pd.Timedelta(days=RECENT_DAYS - 1)
            baseline_start = recent_start - pd.Timedelta(days=BASELINE_DAYS)
            dates = activity["activity_date"]
            recent = activity[(dates >= recent_start) & (dates <= reference)].groupby("person_id").size()
            baseline = activity[(dates >= baseline_start) & (dates < recent_start)].groupby("person_id").size()
            later = set(activity.loc[(dates > reference) & (dates <= reference + pd.Timedelta(days=OUTCOME_DAYS)),
                                     "person_id"])
            eligible = baseline[baseline >= MIN_BASELINE]
            recent = recent.reindex(eligible.index, fill_value=0)
            flagged = recent < RATIO * eligible * RECENT_DAYS / BASELINE_DAYS
            churned = ~eligible.index.isin(list(later))
            rows.append({
                "reference_date": reference, "count_eligible_persons": len(eligible),
                "count_flagged_persons": int(flagged.sum()), "count_churned_persons": int(churned.sum()),
                "count_flagged_churned_persons": int((flagged & churned).sum()),
            })
        reference -= pd.Timedelta(days=STEP_DAYS)
    return pd.DataFrame(rows).set_index("reference_date").sort_index()


def test_churn_warning_backtest_flags_persons_who_churn_more(demo_warehouse, activity, as_of):
    backtest = demo_warehouse.frame("select * from marts.rpt_churn_warning_backtest order by reference_date")
    backtest["reference_date"] = pd.to_datetime(backtest["reference_date"])
    assert len(backtest) >= 1
    expected = naive_backtest(activity, as_of)
    got = backtest.set_index("reference_date")[expected.columns]
    assert got.equals(expected.astype(got.dtypes)), (got, expected)

    assert (backtest["count_flagged_persons"] + backtest["count_not_flagged_persons"]
            == backtest["count_eligible_persons"]).all()
    assert (backtest["churn_rate_flagged"] > backtest["churn_rate_not_flagged"]).all()
    assert (backtest["lift"] > 1).all()
    total = backtest[[column for column in backtest.columns if column.startswith("count_")]].sum()
    precision = total["count_flagged_churned_persons"] / total["count_flagged_persons"]
    not_flagged_rate = total["count_not_flagged_churned_persons"] / total["count_not_flagged_persons"]
    recall = total["count_flagged_churned_persons"] / total["count_churned_persons"]
    lift = precision / (total["count_churned_persons"] / total["count_eligible_persons"])
    print("\nchurn warning back-test (eligible persons, per reference date):")
    print(backtest[["reference_date", "count_eligible_persons", "count_flagged_persons",
                    "count_flagged_churned_persons", "count_churned_persons", "churn_rate_flagged",
                    "churn_rate_not_flagged", "flag_precision", "flag_recall", "lift"]].to_string(index=False))
    print(f"all dates: flagged {total['count_flagged_persons']}, of whom churned "
          f"{total['count_flagged_churned_persons']} (precision {precision:.1%}); not flagged churn rate "
          f"{not_flagged_rate:.1%}; recall {recall:.1%}; lift {lift:.2f}")
    assert precision > not_flagged_rate


def test_flagged_persons_are_mostly_the_generators_decliners(demo_warehouse):
    """Against the truth: of the eligible persons of the back-test, those flagged are far more often persons the
    generator made churn (persona churner, churn date within the outcome horizon) than those not flagged."""
    persons_file = demo_warehouse.truth_dir / "persons.parquet"
    shares = demo_warehouse.query(
        """
        with scored as (
            select
                scored.has_churn_warning,
                coalesce(truth.is_churner and truth.churn_date <= scored.reference_date + interval 30 day, false)
                    as is_true_churner
            from intermediate.int_persons_churn_scored as scored
            left join true_person_map using (person_id)
            left join read_parquet(?) as truth using (true_person_id)
            where scored.is_eligible and scored.has_full_baseline and scored.has_full_outcome_horizon
        )
        select has_churn_warning, count(*), avg(case when is_true_churner then 1.0 else 0.0 end)
        from scored group by has_churn_warning order by has_churn_warning
        """,
        [str(persons_file)],
    )
    share = {flag: (count, rate) for flag, count, rate in shares}
    print(f"\ntrue churners (generator) among flagged: {share[True][1]:.1%} of {share[True][0]}; "
          f"among not flagged: {share[False][1]:.1%} of {share[False][0]}")
    assert share[True][1] > 2 * share[False][1]
