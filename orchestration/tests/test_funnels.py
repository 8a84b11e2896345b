"""Funnels measured against the demo generator's ground truth (truth/funnel.json).

The generator's funnel is session based: a true person reaches a step when one of their online sessions
makes that call (Product Viewed, Product Added, Checkout Started, Payment Info Entered, Order Completed, in
that order within the session); test accounts, bots and store kiosks are left out. The warehouse funnel that
answers the same question is `purchase_in_session` (same steps, within_session, the whole window).

A fair comparison needs care with identities: resolution cannot link every anonymous browser of a person, so
one true person can be several warehouse persons, which inflates person counts at the anonymous steps
(viewing, adding). So
1. every warehouse person is mapped to the true person holding most of its identifiers (bdg_person_identifiers
   x truth/identifiers.parquet, phones and emails through the keyed hash); a true person's level is the best
   level of their warehouse persons; test accounts and bots are dropped (store kiosks: their shared
   identifiers vote for nobody; a person whose only product view was at a kiosk stays, a handful at step 1);
   persons per step are then compared in true-person space;
2. the steps from Checkout Started on need a signed-in account, so they are one person per account in the
   warehouse too: their step-to-step conversion is compared directly in rpt_funnel_steps.
Tolerances are three binomial standard errors: a person count n of a step with N persons at the step before
and conversion p = n / N may be off by 3 * sqrt(N p (1 - p)), a conversion by 3 * sqrt(p (1 - p) / N). The
differences that remain (events the mess quarantines, a handful of identity errors) must stay inside them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

STEPS = ("product_viewed", "product_added", "checkout_started", "payment_info_entered", "order_completed")
SIGNED_IN_FROM = 3  # Checkout Started and later need a signed-in account


def true_person_levels(demo_warehouse, funnel_key: str) -> dict[str, int]:
    """Best level per evaluated true person (test accounts and bots left out) of the warehouse funnel."""
    rows = demo_warehouse.query(
        """
        select true_person_map.true_person_id, max(progress.max_step_reached)
        from marts.fct_person_funnel_progress as progress
        inner join true_person_map using (person_id)
        where progress.funnel_key = ? and not true_person_map.is_test_account and not true_person_map.is_bot
        group by all
        """,
        [funnel_key],
    )
    return {true_person: int(level) for true_person, level in rows}


def truth_persons(truth_dir: Path) -> list[int]:
    funnel = json.loads((truth_dir / "funnel.json").read_text())
    return [funnel["all_platforms"]["persons"][step] for step in STEPS]


def compare_person_counts(measured: list[int], truth: list[int]) -> list[str]:
    """Problems where a step's person count is off by more than three binomial standard errors."""
    problems = []
    for index, (ours, theirs) in enumerate(zip(measured, truth)):
        base = truth[index - 1] if index else truth[0]
        share = theirs / base
        tolerance = 3 * math.sqrt(max(base * share * (1 - share), theirs if index == 0 else 0.0, 1.0))
        if abs(ours - theirs) > tolerance:
            problems.append(f"{STEPS[index]}: {ours} persons, truth {theirs}, tolerance {tolerance:.1f}")
    return problems


def compare_conversions(measured: list[float], truth: list[int], first_step: int) -> list[str]:
    """Problems where a step-to-step conversion is off by more than three binomial standard errors."""
    problems = []
    for index in range(first_step, len(truth)):
        expected = truth[index] / truth[index - 1]
        tolerance = 3 * math.sqrt(expected * (1 - expected) / truth[index - 1])
        if abs(measured[index] - expected) > tolerance:
            problems.append(f"{STEPS[index]}: conversion {measured[index]:.4f}, truth {expected:.4f}, "
                            f"tolerance {tolerance:.4f}")
    return problems


def test_session_funnel_persons_match_truth_in_true_person_space(demo_warehouse):
    levels = true_person_levels(demo_warehouse, "purchase_in_session")
    measured = [sum(1 for level in levels.values() if level >= step) for step in range(1, len(STEPS) + 1)]
    truth = truth_persons(demo_warehouse.truth_dir)
    assert compare_person_counts(measured, truth) == [], (measured, truth)
    conversions = [1.0] + [measured[i] / measured[i - 1] for i in range(1, len(STEPS))]
    assert compare_conversions(conversions, truth, first_step=1) == [], (conversions, truth)


def test_signed_in_step_conversions_match_truth_directly(demo_warehouse):
    rows = demo_warehouse.query(
        """
        select step_number, persons, conversion_rate_from_previous_step
        from marts.rpt_funnel_steps
        where funnel_key = 'purchase_in_session' and breakdown_dimension = 'all'
        order by step_number
        """
    )
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5]
    conversions = [row[2] if row[2] is not None else 1.0 for row in rows]
    truth = truth_persons(demo_warehouse.truth_dir)
    assert compare_conversions(conversions, truth, first_step=SIGNED_IN_FROM) == [], (conversions, truth)


def test_comparison_detects_a_wrong_funnel():
    """The comparison can fail: counts inflated like unmapped anonymous persons, or a conversion five points
    off, are caught; the truth itself passes."""
    truth = [3661, 2875, 1978, 1741, 1615]
    assert compare_person_counts(truth, truth) == []
    assert compare_person_counts([4099, 3023, 1978, 1741, 1615], truth) != []
    conversions = [1.0] + [truth[i] / truth[i - 1] for i in range(1, 5)]
    assert compare_conversions(conversions, truth, first_step=1) == []
    conversions[4] -= 0.05
    assert compare_conversions(conversions, truth, first_step=1) != []
