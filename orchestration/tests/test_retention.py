"""Retention cohorts, session paths and stickiness on the full demo warehouse: the marts' invariants, and each
mart recomputed here from its inputs by a plain (deliberately naive) pandas implementation of the rule."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

# The project's defaults (dbt_project.yml), which the demo refresh runs with.
MAX_PERIODS = {"day": 30, "week": 12, "month": 6}
PATH_MAX_STEPS = 10



@pytest.fixture(scope="module")
def retention(demo_warehouse) -> pd.DataFrame:
    return demo_warehouse.frame("select * from marts.rpt_retention_cohorts")


@pytest.fixture(scope="module")
def as_of(demo_warehouse) -> pd.Timestamp:
    (latest,) = demo_warehouse.query("select max(activity_date) from marts.fct_person_daily_activity")[0]
    return pd.Timestamp(latest)


def period_start(dates: pd.Series, grain: str) -> pd.Series:
    if grain == "day":
        return dates
    if grain == "week":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    return dates.dt.to_period("M").dt.start_time


def periods_between(start: pd.Series, end: pd.Series, grain: str) -> pd.Series:
    if grain == "day":
        return (end - start).dt.days
    if grain == "week":
        return (end - start).dt.days // 7
    return (end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month


def test_retention_invariants(retention):
    assert len(retention) > 0
    assert set(retention["grain"]) == set(MAX_PERIODS)
    assert set(retention["mode"]) == {"on", "on_or_after"}
    period_zero = retention[retention["period_number"] == 0]
    assert (period_zero["retention_rate"] == 1.0).all()
    assert (period_zero["retained_persons"] == period_zero["cohort_persons"]).all()
    assert (retention["period_number"] <= retention["grain"].map(MAX_PERIODS)).all()
    assert retention["retention_rate"].between(0, 1).all()

    modes = retention.pivot_table(
        index=["grain", "cohort_start", "period_number"], columns="mode", values="retained_persons"
    )
    assert modes.notna().all().all(), "every cohort period has both modes"
    assert (modes["on"] <= modes["on_or_after"]).all()

    on_or_after = retention[retention["mode"] == "on_or_after"].sort_values(["grain", "cohort_start", "period_number"])
    increase = on_or_after.groupby(["grain", "cohort_start"])["retained_persons"].diff()
    assert (increase.dropna() <= 0).all(), "on_or_after must not increase with the period number"


def add_periods(start: pd.Timestamp, periods: int, grain: str) -> pd.Timestamp:
    if grain == "month":
        return start + pd.DateOffset(months=periods)
    return start + pd.Timedelta(days=periods * (7 if grain == "week" else 1))


def test_retention_periods_started_and_complete(retention, as_of):
    for row in retention.itertuples(index=False):
        cohort_start = pd.Timestamp(row.cohort_start)
        assert pd.Timestamp(row.period_start) == add_periods(cohort_start, row.period_number, row.grain)
        assert pd.Timestamp(row.period_start) <= as_of, f"{row}: the period has not started"
        assert row.is_complete == (
            add_periods(cohort_start, row.period_number + 1, row.grain) <= as_of + pd.Timedelta(days=1)
        )
    # after a cohort's last listed period comes one not yet started, unless the last is the last reported one
    last = retention.groupby(["grain", "cohort_start"])["period_number"].max()
    for (grain, cohort_start), period_number in last.items():
        if period_number < MAX_PERIODS[grain]:
            assert add_periods(pd.Timestamp(cohort_start), period_number + 1, grain) > as_of, (grain, cohort_start)


def test_retention_matches_a_naive_recount(demo_warehouse, retention):
    """Every person's active periods listed, and 'on or after N' asked directly of them (not via the last period)."""
    activity = demo_warehouse.frame("select person_id, activity_date from marts.fct_person_daily_activity")
    activity["activity_date"] = pd.to_datetime(activity["activity_date"])
    activity["cohort_date"] = activity.groupby("person_id")["activity_date"].transform("min")
    expected = []
    for grain, max_period in MAX_PERIODS.items():
        rows = activity.assign(
            cohort_start=period_start(activity["cohort_date"], grain),
            period_number=periods_between(
                period_start(activity["cohort_date"], grain), period_start(activity["activity_date"], grain), grain
            ),
        )
        periods = rows.groupby(["cohort_start", "person_id"])["period_number"].agg(set)
        for cohort_start, person_periods in periods.groupby(level="cohort_start"):
            listed = retention[
                (retention["grain"] == grain) & (pd.to_datetime(retention["cohort_start"]) == cohort_start)
            ]["period_number"]
            for period_number in range(max_period + 1):
                if period_number > listed.max():
                    break
                expected.append((grain, cohort_start, period_number, "on", len(person_periods), sum(
                    period_number in active for active in person_periods
                )))
                expected.append((grain, cohort_start, period_number, "on_or_after", len(person_periods), sum(
                    any(number >= period_number for number in active) for active in person_periods
                )))
    expected = pd.DataFrame(
        expected, columns=["grain", "cohort_start", "period_number", "mode", "cohort_persons", "retained_persons"]
    ).set_index(["grain", "cohort_start", "period_number", "mode"]).sort_index()
    actual = retention.assign(cohort_start=pd.to_datetime(retention["cohort_start"])).set_index(
        ["grain", "cohort_start", "period_number", "mode"]
    )[["cohort_persons", "retained_persons"]].sort_index()
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False)


@pytest.fixture(scope="module")
def transitions(demo_warehouse) -> pd.DataFrame:
    return demo_warehouse.frame("select * from marts.rpt_path_transitions")


def test_path_starts_equal_sessions(demo_warehouse, transitions):
    sessions = dict(demo_warehouse.query("select platform, count(*) from marts.fct_sessions group by platform"))
    starts = transitions[transitions["from_step"] == "$start"].groupby("platform")["transitions"].sum().to_dict()
    assert starts.pop("all") == sum(sessions.values())
    assert starts == sessions
    assert (transitions.loc[transitions["from_step"] == "$start", "step_index"] == 0).all()
    assert (transitions["to_step"] != "$start").all() and (transitions["from_step"] != "$end").all()
    assert transitions["step_index"].max() <= PATH_MAX_STEPS
    assert (transitions["persons"] <= transitions["transitions"]).all()
    # every platform row is part of 'all' (no minimum-transitions filter by default)
    by_platform = transitions[transitions["platform"] != "all"].groupby(["step_index", "from_step", "to_step"])
    everyone = transitions[transitions["platform"] == "all"].set_index(["step_index", "from_step", "to_step"])
    assert (by_platform["transitions"].sum().sort_index() == everyone["transitions"].sort_index()).all()


def test_path_flow_is_conserved(transitions):
    """Into each step at position i as many transitions arrive as leave it at position i, except where the
    step limit cuts the path (position path_max_steps, whose onward transitions other than $end are dropped)."""
    everyone = transitions[transitions["platform"] == "all"]
    inflow = everyone[everyone["to_step"] != "$end"].assign(position=lambda rows: rows["step_index"] + 1)
    inflow = inflow.groupby(["position", "to_step"])["transitions"].sum()
    outflow = everyone[everyone["from_step"] != "$start"].groupby(["step_index", "from_step"])["transitions"].sum()
    outflow.index.names = inflow.index.names
    inside = inflow[inflow.index.get_level_values("position") < PATH_MAX_STEPS]
    assert (outflow.reindex(inside.index, fill_value=0) == inside).all()
    at_limit = inflow[inflow.index.get_level_values("position") == PATH_MAX_STEPS]
    assert (outflow.reindex(at_limit.index, fill_value=0) <= at_limit).all()


def test_path_transitions_match_a_naive_recount(demo_warehouse, transitions):
    events = demo_warehouse.frame(
        "select session_id, event_number_in_session, event_type, event_name, page_name "
        "from intermediate.int_events_sessionized order by session_id, event_number_in_session"
    )
    counts: dict[tuple, int] = {}

    def count(path: list[str]) -> None:
        framed = ["$start"] + path + ["$end"]
        for index, (from_step, to_step) in enumerate(zip(framed, framed[1:])):
            if index < PATH_MAX_STEPS or (index == PATH_MAX_STEPS and to_step == "$end"):
                counts[(index, from_step, to_step)] = counts.get((index, from_step, to_step), 0) + 1

    path: list[str] = []
    previous_session = None
    for session_id, event_type, event_name, page_name in zip(
        events["session_id"], events["event_type"], events["event_name"], events["page_name"]
    ):
        if session_id != previous_session:
            if path:
                count(path)
            path, previous_session = [], session_id
        step = (
            (page_name if isinstance(page_name, str) else event_name)
            if event_type in ("page", "screen")
            else event_name
        )
        if not path or path[-1] != step:
            path.append(step)
    count(path)
    everyone = transitions[transitions["platform"] == "all"]
    actual = dict(zip(zip(everyone["step_index"], everyone["from_step"], everyone["to_step"]), everyone["transitions"]))
    assert actual == counts


def test_stickiness_sums_to_active_persons(demo_warehouse, as_of):
    stickiness = demo_warehouse.frame("select * from marts.rpt_stickiness")
    activity = demo_warehouse.frame("select person_id, activity_date from marts.fct_person_daily_activity")
    activity["activity_date"] = pd.to_datetime(activity["activity_date"])
    assert set(stickiness["grain"]) == {"week", "month"}
    for grain in ("week", "month"):
        rows = stickiness[stickiness["grain"] == grain].assign(period_start=lambda r: pd.to_datetime(r["period_start"]))
        starts = period_start(activity["activity_date"], grain)
        active_persons = activity.groupby(starts)["person_id"].nunique()
        persons = rows.groupby("period_start")["persons"].sum()
        pd.testing.assert_series_equal(
            persons.sort_index(), active_persons.sort_index(), check_names=False, check_dtype=False
        )
        shares = rows.groupby("period_start")["share_of_active_persons"].sum()
        assert ((shares - 1).abs() < 1e-9).all()
        days = activity.assign(period_start=starts).groupby(["period_start", "person_id"]).size()
        expected = days.groupby(level="period_start").value_counts().rename("persons")
        expected.index.names = ["period_start", "active_days"]
        actual = rows.set_index(["period_start", "active_days"])["persons"]
        pd.testing.assert_series_equal(actual.sort_index(), expected.sort_index(), check_names=False, check_dtype=False)
        limit = 7 if grain == "week" else 31
        assert rows["active_days"].between(1, limit).all()
        assert (rows["is_complete"] == (rows["period_start"] + (
            pd.Timedelta(days=7) if grain == "week" else pd.DateOffset(months=1)
        ) <= as_of + pd.Timedelta(days=1))).all()


def test_cohort_day_against_the_true_first_activity(demo_warehouse):
    """A cohort day (first active day) is never before the person's true first activity, and for most persons
    new in the data's window it is that very day (later when their first events carried no identifier that
    links them - anonymous browsing before an unlinked login, say)."""
    truth = demo_warehouse.truth_dir
    rows = demo_warehouse.query(
        """
        with window_start as (select min(activity_date) as first_day from marts.fct_person_daily_activity)
        select
            count(*),
            count(*) filter (where cohorts.cohort_date < persons.first_seen_date),
            count(*) filter (where persons.first_seen_date >= window_start.first_day),
            count(*) filter (
                where persons.first_seen_date >= window_start.first_day
                and cohorts.cohort_date = persons.first_seen_date
            )
        from intermediate.int_retention_periods_numbered as cohorts
        inner join true_person_map using (person_id)
        inner join read_parquet(?) as persons using (true_person_id)
        cross join window_start
        where
            cohorts.grain = 'day' and cohorts.period_number = 0
            and not true_person_map.is_test_account and not true_person_map.is_bot
        """,
        [str(truth / "persons.parquet")],
    )
    persons, before_truth, new_persons, same_day = rows[0]
    assert persons > 1000 and new_persons > 500
    assert before_truth == 0
    assert same_day / new_persons > 0.75  # 84% on the default demo data set
