"""rpt_campaign_performance on the full demo warehouse against the generator's ground truth (truth/campaigns.json).

The generator sends each campaign to a random 75% of its audience and holds out the rest, exporting one
record per held-out person (holdout: true, sent_at = the campaign's send hour). truth/campaigns.json counts,
per campaign, the true persons touched and held out and those with a paid order (online or store; later
refunds included) at or after their send time (held out: the send hour) and less than 7 days after it -
the mart's definition with its defaults.

The warehouse measures the same realized sample, so differences come only from identity resolution (a
store order whose buyer cannot be linked) and are far below sampling error: each rate must lie within half
a binomial standard error of the truth's rate.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 10, 31)  # the demo data's last day
WINDOW_DAYS = 7
# Persons touched and held out: within 1% of the truth's counts.
COUNT_TOLERANCE = 0.01
# Rates: within this many binomial standard errors of the truth's rate (sqrt(p (1 - p) / n)).
STANDARD_ERRORS = 0.5
Z = 1.959964

COLUMNS = ["campaign_id", "campaign_name", "channel", "first_sent_date", "count_touches_sent", "count_touches_opened",
           "count_touches_clicked", "persons_touched", "persons_ordering", "purchase_rate", "count_attributed_orders",
           "attributed_revenue", "holdout_persons", "holdout_persons_ordering", "holdout_purchase_rate", "uplift",
           "uplift_ci_lower", "uplift_ci_upper", "incremental_persons", "is_window_complete"]


def rate_tolerance(rate: float, persons: int) -> float:
    return STANDARD_ERRORS * math.sqrt(rate * (1 - rate) / persons)


@pytest.fixture(scope="module")
def truth(demo_warehouse) -> dict[str, dict]:
    campaigns = json.loads((demo_warehouse.truth_dir / "campaigns.json").read_text(encoding="utf-8"))["campaigns"]
    return {campaign["campaign_id"]: campaign for campaign in campaigns}


@pytest.fixture(scope="module")
def report(demo_warehouse) -> dict[str, dict]:
    rows = demo_warehouse.query(f"select {', '.join(COLUMNS)} from marts.rpt_campaign_performance")
    return {row[0]: dict(zip(COLUMNS, row)) for row in rows}


def test_one_row_per_campaign_with_its_name_channel_and_send_day(report, truth):
    assert set(report) == set(truth) and len(truth) >= 8
    for campaign_id, expected in truth.items():
        row = report[campaign_id]
        assert (row["campaign_name"], row["channel"], str(row["first_sent_date"])) == (
            expected["campaign_name"], expected["channel"], expected["send_date"])
        assert row["count_touches_sent"] == expected["touched"]
        assert row["count_touches_clicked"] <= row["count_touches_opened"] <= row["count_touches_sent"]


def test_touched_and_holdout_persons_match_the_truth(report, truth):
    for campaign_id, expected in truth.items():
        row = report[campaign_id]
        assert row["persons_touched"] == pytest.approx(expected["touched"], rel=COUNT_TOLERANCE), campaign_id
        assert row["holdout_persons"] == pytest.approx(expected["holdout"], rel=COUNT_TOLERANCE), campaign_id


def test_purchase_rates_match_the_truth_within_sampling_error(report, truth):
    for campaign_id, expected in truth.items():
        row = report[campaign_id]
        touched_rate, holdout_rate = expected["touched_purchase_rate_7d"], expected["holdout_purchase_rate_7d"]
        assert row["purchase_rate"] == pytest.approx(
            touched_rate, abs=rate_tolerance(touched_rate, expected["touched"])), campaign_id
        assert row["holdout_purchase_rate"] == pytest.approx(
            holdout_rate, abs=rate_tolerance(holdout_rate, expected["holdout"])), campaign_id


def test_uplift_recovers_the_realized_uplift_and_its_interval_covers_it(report, truth):
    for campaign_id, expected in truth.items():
        row = report[campaign_id]
        realized = expected["realized_uplift_7d"]
        tolerance = math.hypot(
            rate_tolerance(expected["touched_purchase_rate_7d"], expected["touched"]),
            rate_tolerance(expected["holdout_purchase_rate_7d"], expected["holdout"]),
        )
        assert row["uplift"] == pytest.approx(realized, abs=tolerance), campaign_id
        assert row["uplift_ci_lower"] < realized < row["uplift_ci_upper"], campaign_id
        # Touched persons shop more (the generator doubles their session rate for 7 days).
        assert row["uplift"] > 0, campaign_id


def test_uplift_interval_and_incremental_persons_follow_their_formulas(report):
    for campaign_id, row in report.items():
        n_t, n_h = row["persons_touched"], row["holdout_persons"]
        p_t, p_h = row["persons_ordering"] / n_t, row["holdout_persons_ordering"] / n_h
        standard_error = math.sqrt(p_t * (1 - p_t) / n_t + p_h * (1 - p_h) / n_h)
        assert row["uplift_ci_lower"] == pytest.approx(p_t - p_h - Z * standard_error, abs=1.1e-6), campaign_id
        assert row["uplift_ci_upper"] == pytest.approx(p_t - p_h + Z * standard_error, abs=1.1e-6), campaign_id
        assert row["incremental_persons"] == pytest.approx((p_t - p_h) * n_t, abs=1e-5), campaign_id


def test_the_window_is_complete_once_its_last_day_has_passed(report):
    # Every demo campaign is sent between 10:00 and 21:00 Shanghai time, so its 7-day window ends on the
    # reporting day send day + 7: complete when that day is at or before the analysis date.
    for campaign_id, row in report.items():
        ends_on = row["first_sent_date"] + dt.timedelta(days=WINDOW_DAYS)
        assert row["is_window_complete"] == (ends_on <= AS_OF), campaign_id
    assert not all(row["is_window_complete"] for row in report.values())


def test_each_order_is_credited_to_at_most_one_campaign(demo_warehouse, report):
    """Last-touch attribution: the credited orders add up to the orders placed inside any sent touch's window,
    counted once (computed here independently of the models)."""
    rows = demo_warehouse.query(
        f"""
        select count(distinct orders.order_id)
        from intermediate.int_orders_attributed as orders
        inner join intermediate.int_campaign_touches_attributed as touches
            on orders.person_id = touches.person_id
            and orders.ordered_at >= touches.sent_at
            and orders.ordered_at < touches.sent_at + interval {WINDOW_DAYS} day
        inner join staging.stg_marketing__campaign_touches as holdout_flags using (touch_id)
        where not holdout_flags.is_holdout and orders.status in ('paid', 'refunded')
            and orders.ordered_date <= date '{AS_OF}'
        """
    )
    assert rows[0][0] > 0
    assert sum(row["count_attributed_orders"] for row in report.values()) == rows[0][0]
    window_orders = dict(demo_warehouse.query(
        "select campaign_id, sum(count_orders) from intermediate.int_campaign_recipients_converted "
        "where not is_holdout group by campaign_id"
    ))
    for campaign_id, row in report.items():
        # An order credited to a campaign is an order of one of its touched persons inside their window.
        assert 0 < row["count_attributed_orders"] <= window_orders[campaign_id], campaign_id
