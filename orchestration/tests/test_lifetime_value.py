"""The customer lifetime value models (orchestration/lifetime_value.py) and the CDNOW sample
(orchestration/cdnow.py): the published CDNOW fits, values worked out by hand or by a separate route,
a Monte Carlo check of the predictions, and parameter recovery on simulated customers.

The CDNOW tests need the lifetimes wheel: downloaded once into data/cdnow (network), offline afterwards."""

from __future__ import annotations

import csv
import io
import math
import urllib.error
import zipfile
from datetime import date

import numpy as np
import pytest
from scipy import integrate, special

from orchestration import cdnow
from orchestration.lifetime_value import (
    BG_NBD,
    BG_NBD_PARAMETERS,
    GAMMA_GAMMA,
    GAMMA_GAMMA_PARAMETERS,
    ModelFit,
    bg_nbd_log_likelihood,
    expected_average_value,
    expected_purchases,
    fit_bg_nbd,
    fit_gamma_gamma,
    frequency_monetary_correlation,
    gamma_gamma_log_likelihood,
    probability_alive,
)

# Fader, Hardie & Lee (2005): BG/NBD on the CDNOW calibration period (39 weeks), log-likelihood -9582.4;
# Fader & Hardie (2013): Gamma-Gamma on its 946 repeat customers.
PAPER_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_LOG_LIKELIHOOD = -9582.4
PAPER_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}

# Parameters for the hand-computed checks.
HAND_BG_NBD = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
HAND_GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "gamma": 15.0}


def make_fit(model: str, parameters: dict[str, float]) -> ModelFit:
    """A fit with the given parameters, as if estimated."""
    return ModelFit(model=model, parameters=dict(parameters), standard_errors=dict.fromkeys(parameters),
                    log_likelihood=math.nan, customers=0, converged=True, iterations=0, message="given",
                    status="fitted")


def simulate_customers(customers: int, bg_nbd: dict, gamma_gamma: dict, seed: int, horizon: float = 0.0
                       ) -> dict[str, np.ndarray]:
    """Customers drawn from the BG/NBD and Gamma-Gamma processes, first purchase at time 0, observed for
    an age T of 26..78 whole days (in weeks), then `horizon` weeks more.

    Each customer has a purchase rate lambda ~ Gamma(r, rate alpha) and a dropout probability
    p ~ Beta(a, b): repeat purchases come as a Poisson process until the customer drops out right after one
    of them (the K-th, K ~ Geometric(p)). Of N ~ Poisson(lambda T) events in (0, T] the customer makes
    x = min(N, K); the x-th of N uniform event times is T * Beta(x, N - x + 1). Alive at T iff K > N; a live
    customer then makes min(Poisson(lambda horizon), K - N) purchases. Spend: nu ~ Gamma(q, rate gamma),
    the mean of x purchases ~ Gamma(p x, rate x nu)."""
    generator = np.random.default_rng(seed)
    rate = generator.gamma(bg_nbd["r"], 1.0 / bg_nbd["alpha"], customers)
    dropout = generator.beta(bg_nbd["a"], bg_nbd["b"], customers)
    age = generator.integers(26 * 7, 78 * 7 + 1, customers) / 7.0
    events = generator.poisson(rate * age)
    last_purchase = generator.geometric(dropout)
    frequency = np.minimum(events, last_purchase)
    recency = np.where(frequency > 0, age * generator.beta(np.maximum(frequency, 1), events - frequency + 1), 0.0)
    alive = last_purchase > events
    future_purchases = np.where(alive, np.minimum(generator.poisson(rate * horizon), last_purchase - events), 0)
    spend_rate = generator.gamma(gamma_gamma["q"], 1.0 / gamma_gamma["gamma"], customers)
    repeat = np.maximum(frequency, 1)
    monetary_value = np.where(frequency > 0,
                              generator.gamma(gamma_gamma["p"] * repeat, 1.0 / (repeat * spend_rate)), 0.0)
    return {"frequency": frequency.astype(float), "recency": recency, "age": age,
            "monetary_value": monetary_value, "alive": alive, "future_purchases": future_purchases}


def integrate_purchases_if_alive(parameters: dict, horizon: float, frequency: float, age: float) -> float:
    """A separate route to E[Y(t) | alive, x, T]: posterior lambda ~ Gamma(r + x, alpha + T) and
    p ~ Beta(a, b + x); a live customer buys (1 - exp(-lambda p t)) / p in expectation, and
    E_lambda[exp(-lambda p t)] = ((alpha + T) / (alpha + T + p t))^(r + x) (the gamma Laplace transform)."""
    r, alpha, a, b = (parameters[name] for name in BG_NBD_PARAMETERS)
    shape, scale = r + frequency, alpha + age

    def integrand(dropout):
        purchases = (1.0 - (scale / (scale + dropout * horizon)) ** shape) / dropout
        return purchases * dropout ** (a - 1.0) * (1.0 - dropout) ** (b + frequency - 1.0)

    value, _ = integrate.quad(integrand, 0.0, 1.0, limit=200, epsrel=1e-11)
    return value / special.beta(a, b + frequency)


# ---------------------------------------------------------------------------------------------------
# CDNOW


@pytest.fixture(scope="module")
def transactions():
    try:
        return cdnow.cdnow_transactions()
    except cdnow.CdnowDownloadError as error:
        if isinstance(error.__cause__, urllib.error.HTTPError):
            raise  # PyPI answered, but not with the file: a real failure
        pytest.skip(f"CDNOW sample not cached and no network: {error}")


@pytest.fixture(scope="module")
def summary(transactions):
    return cdnow.cdnow_calibration_summary(transactions)


def test_cdnow_sample_parses(transactions):
    assert len(transactions) == 6919
    assert transactions[0] == (1, date(1997, 1, 1), 2, 29.33)
    assert {row.customer_id for row in transactions} == set(range(1, 2358))
    assert min(row.purchase_date for row in transactions) == date(1997, 1, 1)
    assert max(row.purchase_date for row in transactions) == date(1998, 6, 30)


def test_calibration_summary_counts_repeat_purchase_days(transactions, summary):
    assert len(summary.frequency) == 2357
    assert int(np.sum(summary.frequency > 0)) == 946
    # Counting raw transactions instead of purchase days would give 959 repeat customers: 13 customers'
    # only "repeat" purchases are second orders on their first purchase day.
    calibration = [row for row in transactions if row.purchase_date <= date(1997, 9, 30)]
    per_customer = np.bincount([row.customer_id for row in calibration])
    assert int(np.sum(per_customer > 1)) == 959


def test_calibration_summary_matches_the_published_summary(summary):
    """The wheel also ships the summary Fader & Hardie publish (x, t_x, T, zbar rounded to 2 decimals)."""
    with zipfile.ZipFile(cdnow.download_wheel()) as archive:
        text = archive.read("lifetimes/datasets/cdnow_customers_summary_with_transactions.csv").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["ID"]) for row in rows] == list(range(1, 2358))
    published = {column: np.array([float(row[column]) for row in rows]) for column in ("x", "t_x", "T", "zbar")}
    np.testing.assert_array_equal(summary.frequency, published["x"])
    np.testing.assert_allclose(summary.recency, published["t_x"], atol=0.0051)
    np.testing.assert_allclose(summary.age, published["T"], atol=0.0051)
    np.testing.assert_allclose(summary.monetary_value, published["zbar"], atol=0.0051)


def test_cdnow_bg_nbd_reproduces_the_paper(summary):
    fit = fit_bg_nbd(summary.frequency, summary.recency, summary.age)
    assert (fit.model, fit.status, fit.converged, fit.customers) == (BG_NBD, "fitted", True, 2357)
    for name, published in PAPER_BG_NBD.items():
        assert fit.parameters[name] == pytest.approx(published, rel=0.01), name
        assert 0 < fit.standard_errors[name] < fit.parameters[name], name
    assert fit.log_likelihood == pytest.approx(PAPER_LOG_LIKELIHOOD, abs=0.1)
    # The reported log-likelihood is the per-customer one summed at the optimum.
    per_customer = bg_nbd_log_likelihood(fit.parameters, summary.frequency, summary.recency, summary.age)
    assert per_customer.sum() == pytest.approx(fit.log_likelihood, rel=1e-12)


def test_cdnow_gamma_gamma_reproduces_the_paper(summary):
    fit = fit_gamma_gamma(summary.frequency, summary.monetary_value)
    assert (fit.model, fit.status, fit.converged, fit.customers) == (GAMMA_GAMMA, "fitted", True, 946)
    for name, published in PAPER_GAMMA_GAMMA.items():
        assert fit.parameters[name] == pytest.approx(published, rel=0.01), name
        assert 0 < fit.standard_errors[name] < fit.parameters[name], name
    per_customer = gamma_gamma_log_likelihood(fit.parameters, summary.frequency, summary.monetary_value)
    assert len(per_customer) == 946
    assert per_customer.sum() == pytest.approx(fit.log_likelihood, rel=1e-12)
    # Spend per purchase and frequency are only weakly correlated in CDNOW (0.11), as the model assumes.
    assert frequency_monetary_correlation(summary.frequency, summary.monetary_value) == pytest.approx(0.11, abs=0.01)


def test_cdnow_conditional_expectation_of_the_paper():
    """Fader, Hardie & Lee (2005) work eq. (10) through for a customer with x = 2, t_x = 30.43, T = 38.86:
    1.226 expected purchases in the next 39 weeks."""
    fit = make_fit(BG_NBD, PAPER_BG_NBD)
    assert expected_purchases(fit, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=0.0005)


def test_fits_do_not_depend_on_the_time_unit(summary):
    """Days instead of weeks: alpha scales by 7, the rest stays; ln L moves by -sum(x) ln 7 (the density of
    purchase times is per day instead of per week)."""
    weeks = fit_bg_nbd(summary.frequency, summary.recency, summary.age)
    days = fit_bg_nbd(summary.frequency, summary.recency * 7, summary.age * 7)
    for name in ("r", "a", "b"):
        assert days.parameters[name] == pytest.approx(weeks.parameters[name], rel=1e-4)
        assert days.standard_errors[name] == pytest.approx(weeks.standard_errors[name], rel=1e-3)
    assert days.parameters["alpha"] == pytest.approx(7 * weeks.parameters["alpha"], rel=1e-4)
    assert days.standard_errors["alpha"] == pytest.approx(7 * weeks.standard_errors["alpha"], rel=1e-3)
    assert days.log_likelihood == pytest.approx(weeks.log_likelihood - summary.frequency.sum() * math.log(7),
                                                rel=1e-9)


def test_identical_customers_are_weighted_not_distorted(summary):
    once = fit_bg_nbd(summary.frequency, summary.recency, summary.age)
    twice = fit_bg_nbd(*(np.concatenate([column, column]) for column in
                         (summary.frequency, summary.recency, summary.age)))
    assert twice.customers == 2 * once.customers
    assert twice.log_likelihood == pytest.approx(2 * once.log_likelihood, rel=1e-9)
    for name in BG_NBD_PARAMETERS:
        assert twice.parameters[name] == pytest.approx(once.parameters[name], rel=1e-4)
        assert twice.standard_errors[name] == pytest.approx(once.standard_errors[name] / math.sqrt(2), rel=1e-3)


def test_cached_wheel_is_read_offline(transactions, monkeypatch):
    def no_network(*arguments, **keywords):
        raise AssertionError("network used although the wheel is cached")

    monkeypatch.setattr(cdnow.urllib.request, "urlopen", no_network)
    assert cdnow.cdnow_transactions() == transactions


def test_download_is_verified_and_atomic(transactions, tmp_path, monkeypatch):
    wheel_bytes = cdnow.download_wheel().read_bytes()

    def serve(content):
        def urlopen(url, timeout):
            assert url == cdnow.WHEEL_URL
            return io.BytesIO(content)
        return urlopen

    monkeypatch.setattr(cdnow.urllib.request, "urlopen", serve(b"not the wheel"))
    with pytest.raises(ValueError, match="sha256"):
        cdnow.cdnow_transactions(tmp_path / "corrupt")
    assert list((tmp_path / "corrupt").iterdir()) == []

    def offline(url, timeout):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(cdnow.urllib.request, "urlopen", offline)
    with pytest.raises(cdnow.CdnowDownloadError, match="network access once"):
        cdnow.cdnow_transactions(tmp_path / "offline")
    assert list((tmp_path / "offline").iterdir()) == []

    monkeypatch.setattr(cdnow.urllib.request, "urlopen", serve(wheel_bytes))
    assert cdnow.cdnow_transactions(tmp_path / "fresh") == transactions
    assert [path.name for path in (tmp_path / "fresh").iterdir()] == [cdnow.WHEEL_FILE_NAME]


def test_calibration_summary_merges_same_day_purchases():
    rows = [
        (7, date(1997, 1, 1), 1, 10.0),
        (7, date(1997, 1, 1), 1, 5.0),  # same day as the first purchase: part of it, not a repeat
        (7, date(1997, 1, 15), 2, 20.0),
        (7, date(1997, 1, 15), 1, 4.0),  # same day: one repeat purchase worth 24
        (7, date(1997, 1, 29), 1, 12.0),
        (7, date(1997, 10, 1), 1, 99.0),  # after the end: ignored
        (3, date(1997, 9, 2), 1, 8.0),
        (9, date(1997, 10, 2), 1, 8.0),  # first purchase after the end: not a customer yet
    ]
    summary = cdnow.cdnow_calibration_summary(rows, end=date(1997, 9, 30), unit_days=7)
    np.testing.assert_array_equal(summary.frequency, [0, 2])  # customers 3 and 7
    np.testing.assert_allclose(summary.recency, [0, 4])  # 28 days
    np.testing.assert_allclose(summary.age, [4, 272 / 7])
    np.testing.assert_allclose(summary.monetary_value, [0, (24 + 12) / 2])


# ---------------------------------------------------------------------------------------------------
# Values worked out by hand or by a separate route


def test_probability_alive_is_one_without_repeat_purchases():
    fit = make_fit(BG_NBD, HAND_BG_NBD)
    # With x = 0 nobody can have dropped out yet (dropout happens right after a repeat purchase);
    # recency is ignored, even when missing.
    np.testing.assert_array_equal(probability_alive(fit, [0, 0, 0], [0, math.nan, 5], [1, 30, 500]), [1, 1, 1])


def test_probability_alive_by_hand():
    fit = make_fit(BG_NBD, HAND_BG_NBD)
    # r = 0.25, alpha = 4, a = 0.8, b = 2.5; x = 3, t_x = 20, T = 30:
    # odds of having dropped out = a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)
    #   = 0.8 / 4.5 * (34 / 24)^3.25 = 0.177778 * exp(3.25 * 0.348307) = 0.177778 * 3.101969 = 0.551439
    # P(alive) = 1 / (1 + 0.551439) = 0.644563
    assert probability_alive(fit, 3, 20, 30) == pytest.approx(0.644563, abs=1e-6)
    # The same as the share of the "still alive at T" term in the two-term likelihood of eq. (6).
    r, alpha, a, b = (HAND_BG_NBD[name] for name in BG_NBD_PARAMETERS)
    alive_term = special.beta(a, b + 3) * (alpha + 30) ** -(r + 3)
    dropped_term = special.beta(a + 1, b + 2) * (alpha + 20) ** -(r + 3)
    assert probability_alive(fit, 3, 20, 30) == pytest.approx(alive_term / (alive_term + dropped_term), rel=1e-12)


def test_bg_nbd_log_likelihood_by_hand():
    r, alpha, a, b = (HAND_BG_NBD[name] for name in BG_NBD_PARAMETERS)
    values = bg_nbd_log_likelihood(HAND_BG_NBD, [0, 3], [0, 20], [30, 30])
    # x = 0: ln[Gamma(r)/Gamma(r)] + r ln(alpha) - r ln(alpha + T) + ln[B(a, b)/B(a, b)]
    #      = 0.25 * ln(4 / 34) = 0.25 * -2.140066 = -0.535017
    assert values[0] == pytest.approx(-0.5350165, abs=1e-7)
    # x = 3, t_x = 20, T = 30: L = B(a, b+x)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
    #                            + B(a+1, b+x-1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))
    common = math.gamma(r + 3) * alpha ** r / math.gamma(r)
    likelihood = (special.beta(a, b + 3) / special.beta(a, b) * common / (alpha + 30) ** (r + 3)
                  + special.beta(a + 1, b + 2) / special.beta(a, b) * common / (alpha + 20) ** (r + 3))
    assert values[1] == pytest.approx(math.log(likelihood), rel=1e-12)
    assert values[1] == pytest.approx(-11.674249, abs=1e-6)


def test_gamma_gamma_log_likelihood_by_integration():
    """The density of mbar is a gamma (shape p x, rate x nu) mixed over nu ~ Gamma(q, rate gamma)."""
    p, q, gamma = (HAND_GAMMA_GAMMA[name] for name in GAMMA_GAMMA_PARAMETERS)
    frequency, value = 3, 20.0

    def joint(spend_rate):  # gamma density of mbar given nu, times gamma density of nu
        shape = p * frequency
        return math.exp(shape * math.log(frequency * spend_rate) + (shape - 1) * math.log(value)
                        - frequency * spend_rate * value - math.lgamma(shape)
                        + q * math.log(gamma) + (q - 1) * math.log(spend_rate) - gamma * spend_rate - math.lgamma(q))

    density, _ = integrate.quad(joint, 0, np.inf, epsrel=1e-12, limit=200)
    assert gamma_gamma_log_likelihood(HAND_GAMMA_GAMMA, [frequency, 0], [value, 0])[0] == pytest.approx(
        math.log(density), rel=1e-9)


def test_gamma_gamma_conditional_mean_by_hand():
    fit = make_fit(GAMMA_GAMMA, HAND_GAMMA_GAMMA)
    # p = 6, q = 4, gamma = 15; x = 3, mbar = 20: p (gamma + x mbar) / (p x + q - 1) = 6 * 75 / 21 = 21.428571,
    # a weighted average of the population mean p gamma / (q - 1) = 30 (weight 3/21) and mbar (weight 18/21).
    values = expected_average_value(fit, [3, 0], [20, 123])
    assert values[0] == pytest.approx(21.428571, abs=1e-6)
    assert values[0] == pytest.approx(3 / 21 * 30 + 18 / 21 * 20, rel=1e-12)
    assert values[1] == 30  # x = 0: the population mean, whatever monetary_value says


def test_gamma_gamma_means_that_do_not_exist_are_nan():
    # q = 0.9 <= 1: the population mean p gamma / (q - 1) is infinite, so x = 0 gets NaN; for x = 1 the
    # conditional mean exists: p x + q - 1 = 0.1 > 0, 0.2 * (15 + 10) / 0.1 = 50.
    fit = make_fit(GAMMA_GAMMA, {"p": 0.2, "q": 0.9, "gamma": 15.0})
    values = expected_average_value(fit, [0, 1], [0, 10])
    assert math.isnan(values[0])
    assert values[1] == pytest.approx(50.0)
    # p x + q - 1 = 0.05 * 2 + 0.5 - 1 < 0: the conditional mean is infinite too.
    fit = make_fit(GAMMA_GAMMA, {"p": 0.05, "q": 0.5, "gamma": 15.0})
    assert math.isnan(expected_average_value(fit, 2, 10))


def test_expected_purchases_against_direct_integration():
    fit = make_fit(BG_NBD, PAPER_BG_NBD)
    cases = [(39, 0, 0, 38.86), (39, 2, 30.43, 38.86), (52, 7, 35, 38), (5, 1, 1, 10), (200, 15, 70, 78),
             (39, 400, 38, 39)]
    for horizon, frequency, recency, age in cases:
        direct = (integrate_purchases_if_alive(PAPER_BG_NBD, horizon, frequency, age)
                  * probability_alive(fit, frequency, recency, age))
        assert expected_purchases(fit, horizon, frequency, recency, age) == pytest.approx(direct, rel=1e-7)


def test_expected_purchases_for_a_short_horizon():
    """For x = 0 the customer is alive with rate posterior Gamma(r, alpha + T): in a short time t the
    expected purchases are about t r / (alpha + T)."""
    fit = make_fit(BG_NBD, PAPER_BG_NBD)
    horizon, age = 1e-4, 38.86
    expected = horizon * PAPER_BG_NBD["r"] / (PAPER_BG_NBD["alpha"] + age)
    assert expected_purchases(fit, horizon, 0, 0, age) == pytest.approx(expected, rel=1e-4)
    assert expected_purchases(fit, 0, [0, 3], [0, 10], [20, 20]).tolist() == [0, 0]


@pytest.mark.parametrize("a", [1.0, 0.999, 1.0004, 0.3, 3.0])
def test_expected_purchases_around_a_equal_to_one(a):
    """Eq. (10) divides by a - 1; the answer must stay finite and right through a = 1."""
    parameters = dict(PAPER_BG_NBD, a=a)
    fit = make_fit(BG_NBD, parameters)
    for horizon, frequency, recency, age in [(39, 0, 0, 38.86), (39, 4, 30, 38.86), (300, 1, 2, 10)]:
        direct = (integrate_purchases_if_alive(parameters, horizon, frequency, age)
                  * probability_alive(fit, frequency, recency, age))
        assert expected_purchases(fit, horizon, frequency, recency, age) == pytest.approx(direct, rel=1e-6)


def test_predictions_match_a_simulation():
    """Monte Carlo: the predictions with the true parameters must match what simulated customers then do,
    in total over 200,000 customers, over those with x = 0 and over those with x >= 3 (within 4 standard
    errors; for x = 0 every customer is alive, exactly as predicted)."""
    horizon = 39.0
    customers = simulate_customers(200_000, PAPER_BG_NBD, HAND_GAMMA_GAMMA, seed=7, horizon=horizon)
    fit = make_fit(BG_NBD, PAPER_BG_NBD)
    frequency, recency, age = customers["frequency"], customers["recency"], customers["age"]
    alive = probability_alive(fit, frequency, recency, age)
    predicted = expected_purchases(fit, horizon, frequency, recency, age)
    actual = customers["future_purchases"]
    for selection in (np.ones(len(actual), dtype=bool), frequency == 0, frequency >= 3):
        surprise = actual[selection] - predicted[selection]
        assert abs(surprise.sum()) <= 4 * surprise.std() * math.sqrt(selection.sum())
        surprise = customers["alive"][selection] - alive[selection]
        assert abs(surprise.sum()) <= 4 * surprise.std() * math.sqrt(selection.sum())


def test_insufficient_data():
    fit = fit_bg_nbd([0, 1, 2], [0, 1, 3], [5, 5, 5])
    assert (fit.status, fit.converged, fit.customers) == ("insufficient_data", False, 3)
    assert all(math.isnan(value) for value in fit.parameters.values())
    assert set(fit.parameters) == set(BG_NBD_PARAMETERS)
    assert all(error is None for error in fit.standard_errors.values())
    assert "minimum_customers" in fit.message
    assert np.isnan(probability_alive(fit, [0, 1], [0, 1], [5, 5])).all()
    assert expected_purchases(fit, 10, [[0, 1], [2, 3]], 1, 5).shape == (2, 2)
    assert np.isnan(expected_purchases(fit, 10, [[0, 1], [2, 3]], 1, 5)).all()

    spend = fit_gamma_gamma([0] * 30 + [1, 2], [0] * 30 + [10, 20])
    assert (spend.status, spend.customers) == ("insufficient_data", 2)
    assert all(math.isnan(value) for value in spend.parameters.values())
    assert np.isnan(expected_average_value(spend, [0, 1, 2], [0, 10, 20])).all()

    # Enough customers, but nobody came back: nothing identifies the purchase rate.
    assert fit_bg_nbd([0] * 50, [0] * 50, [10] * 50).status == "insufficient_data"
    assert fit_bg_nbd([0, 1, 2], [0, 1, 3], [5, 5, 5], minimum_customers=3).status != "insufficient_data"


def test_invalid_inputs_are_refused():
    with pytest.raises(ValueError, match="recency must not exceed age"):
        fit_bg_nbd([1] * 30, [6] * 30, [5] * 30)
    with pytest.raises(ValueError, match="whole number"):
        fit_bg_nbd([1.5] * 30, [1] * 30, [5] * 30)
    with pytest.raises(ValueError, match="NaN"):
        fit_bg_nbd([1] * 29 + [math.nan], [1] * 30, [5] * 30)
    with pytest.raises(ValueError, match="differ in length"):
        fit_bg_nbd([1] * 30, [1] * 29, [5] * 30)
    with pytest.raises(ValueError, match="no Gamma-Gamma likelihood"):
        gamma_gamma_log_likelihood(HAND_GAMMA_GAMMA, [1, 2], [10, 0])
    with pytest.raises(ValueError, match="bg_nbd fit"):
        probability_alive(make_fit(GAMMA_GAMMA, HAND_GAMMA_GAMMA), 1, 1, 2)
    with pytest.raises(ValueError, match="horizon"):
        expected_purchases(make_fit(BG_NBD, HAND_BG_NBD), -1, 1, 1, 2)


def test_gamma_gamma_leaves_out_unusable_spend(summary):
    """Repeat customers with a zero, negative or missing mean spend have no Gamma-Gamma likelihood: the fit
    leaves them out, counts only the others and says so."""
    frequency = np.concatenate([summary.frequency, [1, 2, 3]])
    monetary_value = np.concatenate([summary.monetary_value, [0, -5, math.nan]])
    fit = fit_gamma_gamma(frequency, monetary_value)
    assert (fit.status, fit.customers) == ("fitted", 946)
    assert "left out 3 repeat customers" in fit.message
    reference = fit_gamma_gamma(summary.frequency, summary.monetary_value)
    assert fit.parameters == pytest.approx(reference.parameters, rel=1e-9)


def test_frequency_monetary_correlation_needs_variation():
    assert frequency_monetary_correlation([0, 1], [0, 10]) is None
    assert frequency_monetary_correlation([1, 1, 1], [5, 10, 20]) is None
    assert frequency_monetary_correlation([0, 1, 2, 3], [99, 10, 20, 30]) == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------------
# Parameter recovery


def test_parameters_are_recovered_from_simulated_customers():
    """20,000 simulated customers: every estimate within 4 of its standard errors of the truth, and within a
    relative tolerance of about 4.5 standard deviations of the estimate (measured over 100 seeds)."""
    truth_bg_nbd = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}
    truth_gamma_gamma = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    tolerance = {"r": 0.08, "alpha": 0.1, "a": 0.3, "b": 0.35, "p": 0.25, "q": 0.1, "gamma": 0.3}
    customers = simulate_customers(20_000, truth_bg_nbd, truth_gamma_gamma, seed=20_000)
    purchases = fit_bg_nbd(customers["frequency"], customers["recency"], customers["age"])
    spend = fit_gamma_gamma(customers["frequency"], customers["monetary_value"])
    assert purchases.status == spend.status == "fitted"
    assert spend.customers == int(np.sum(customers["frequency"] > 0))
    for fit, truth in ((purchases, truth_bg_nbd), (spend, truth_gamma_gamma)):
        for name, true_value in truth.items():
            estimate, error = fit.parameters[name], fit.standard_errors[name]
            assert abs(estimate - true_value) < 4 * error, (name, estimate, error)
            assert estimate == pytest.approx(true_value, rel=tolerance[name]), name
    correlation = frequency_monetary_correlation(customers["frequency"], customers["monetary_value"])
    assert abs(correlation) < 0.05  # independent by construction
