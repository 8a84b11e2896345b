"""rpt_experiment_results on the full demo warehouse against the generator's ground truth (truth/experiment.json).

The generator assigns every true person to control or treatment (50/50, stable across devices) and sends an
Experiment Viewed at every checkout once the experiment has started; truth/experiment.json counts, per
variation, the real shoppers (no test accounts) exposed, and those with a paid exposed checkout session. As
every checkout is exposed while the experiment runs, that is "an Order Completed at or after the first
exposure", which the mart measures with its default 90-day window (longer than the whole run).

The warehouse sees the same realized sample, so its counts differ from the truth only by identity
resolution (a split or merged person) and test accounts, not by sampling: tolerances are tight.
"""

from __future__ import annotations

import json
import math

import pytest

pytestmark = pytest.mark.slow

EXPERIMENT_ID = "checkout_redesign"
# Persons exposed / converted per variation: within 2% of the truth's counts.
COUNT_TOLERANCE = 0.02
# Conversion rates and the relative lift: within 0.01 of the truth's (its binomial standard error is ~0.014).
RATE_TOLERANCE = 0.01
# The project's default z (dbt_project.yml confidence_interval_z).
Z = 1.959964


def normal_cdf(value: float) -> float:
    return 0.5 * (1.0 + math.erf(value / math.sqrt(2.0)))


@pytest.fixture(scope="module")
def truth(demo_warehouse) -> dict:
    return json.loads((demo_warehouse.truth_dir / "experiment.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results(demo_warehouse) -> dict[str, dict]:
    columns = ["variation_id", "is_control", "persons_exposed", "persons_converted", "conversion_rate",
               "absolute_lift", "absolute_lift_ci_lower", "absolute_lift_ci_upper", "relative_lift",
               "relative_lift_ci_lower", "relative_lift_ci_upper", "p_value", "persons_in_multiple_variations"]
    rows = demo_warehouse.query(
        f"select {', '.join(columns)} from marts.rpt_experiment_results where experiment_id = ?", [EXPERIMENT_ID]
    )
    return {row[0]: dict(zip(columns, row)) for row in rows}


def test_one_row_per_variation_with_the_control_flagged(results):
    assert set(results) == {"control", "treatment"}
    assert results["control"]["is_control"] and not results["treatment"]["is_control"]
    assert results["control"]["absolute_lift"] is None and results["control"]["p_value"] is None


def test_persons_exposed_and_converted_match_the_truth(results, truth):
    for variation in ("control", "treatment"):
        expected, measured = truth["variations"][variation], results[variation]
        for measure in ("persons_exposed", "persons_converted"):
            assert measured[measure] == pytest.approx(expected[measure], rel=COUNT_TOLERANCE), (variation, measure)
        assert measured["conversion_rate"] == pytest.approx(expected["person_conversion_rate"], abs=RATE_TOLERANCE)


def test_the_relative_lift_is_recovered_and_its_interval_covers_the_realized_lift(results, truth):
    treatment = results["treatment"]
    realized = truth["realized_relative_lift_persons"]
    assert treatment["relative_lift"] == pytest.approx(realized, abs=RATE_TOLERANCE)
    assert treatment["relative_lift_ci_lower"] < realized < treatment["relative_lift_ci_upper"]
    assert treatment["absolute_lift_ci_lower"] < treatment["absolute_lift"] < treatment["absolute_lift_ci_upper"]
    # The treatment's effect (payment step x1.1) is large enough to be detected in this sample.
    assert treatment["p_value"] < 0.01


def test_persons_are_never_in_two_variations(results):
    # Assignment is by true person, so two variations in one warehouse person would mean a wrong merge.
    assert results["treatment"]["persons_in_multiple_variations"] == 0


def test_statistics_follow_their_formulas(results):
    control, treatment = results["control"], results["treatment"]
    n_c, x_c = control["persons_exposed"], control["persons_converted"]
    n_t, x_t = treatment["persons_exposed"], treatment["persons_converted"]
    p_c, p_t = x_c / n_c, x_t / n_t
    standard_error = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    log_standard_error = math.sqrt(1 / x_t - 1 / n_t + 1 / x_c - 1 / n_c)
    pooled = (x_t + x_c) / (n_t + n_c)
    z_score = (p_t - p_c) / math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    expected = {
        "absolute_lift": p_t - p_c,
        "absolute_lift_ci_lower": p_t - p_c - Z * standard_error,
        "absolute_lift_ci_upper": p_t - p_c + Z * standard_error,
        "relative_lift": p_t / p_c - 1,
        "relative_lift_ci_lower": p_t / p_c * math.exp(-Z * log_standard_error) - 1,
        "relative_lift_ci_upper": p_t / p_c * math.exp(Z * log_standard_error) - 1,
        "p_value": 2 * normal_cdf(-abs(z_score)),
    }
    for name, value in expected.items():
        # Rounded to 6 decimals in the mart; the normal CDF approximation is within 7.5e-8.
        assert treatment[name] == pytest.approx(value, abs=1.1e-6), name


def test_participants_have_their_true_variation(demo_warehouse):
    """Each exposed warehouse person, mapped to the true person most of its identifiers belong to, was exposed
    to the variation the generator assigned to that true person."""
    persons = demo_warehouse.truth_dir / "persons.parquet"
    rows = demo_warehouse.query(
        """
        select
            count(*) as participants,
            count(true_person_map.true_person_id) as mapped,
            count_if(participants.variation_id = persons.experiment_variation) as matching
        from intermediate.int_experiment_participants_converted as participants
        left join true_person_map using (person_id)
        left join read_parquet(?) as persons using (true_person_id)
        where participants.experiment_id = ?
        """,
        [str(persons), EXPERIMENT_ID],
    )
    participants, mapped, matching = rows[0]
    assert participants > 1000
    assert mapped == participants
    assert matching >= 0.999 * participants
