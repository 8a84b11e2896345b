"""Customer lifetime value models: how many more purchases a customer will make (BG/NBD) and what each
purchase will be worth (Gamma-Gamma), fitted by maximum likelihood with numpy and scipy only.

Every function takes per-customer summaries as arrays (anything numpy accepts), all in ONE time unit of
the caller's choice (days, weeks, ...):

    frequency       x     repeat purchases: purchases after the first one (a whole number >= 0)
    recency         t_x   time from the first to the last purchase (ignored where x = 0)
    age             T     time from the first purchase to the end of the calibration period (T >= t_x)
    monetary_value  mbar  mean value of the repeat purchases (ignored where x = 0)

The fitted `alpha` (BG/NBD) is in that time unit and `gamma` (Gamma-Gamma) in the money unit; r, a, b,
p and q have no unit. Predict in the units the model was fitted in.

References (equation numbers as printed there):
    [FHL05]  Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An Alternative to the
             Pareto/NBD Model", Marketing Science 24(2): the likelihood, eq. (6); the conditional
             expectation E[Y(t) | X = x, t_x, T], eq. (10).
    [FHL05x] Fader, Hardie & Lee (2005), "Implementing the BG/NBD Model for Customer Base Analysis in
             Excel": ln L = A1 + A2 + ln(exp(A3) + delta(x>0) exp(A4)).
    [FHL08]  Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model".
    [FHL05b] Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
             Analysis", Journal of Marketing Research 42(4): the Gamma-Gamma spend model.
    [FH13]   Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value": the likelihood of mbar
             given x and E[M | p, q, gamma, x, mbar] = p (gamma + x mbar) / (p x + q - 1).

Fitting works on log-parameters (so they stay positive) with L-BFGS-B, an analytic gradient and several
starting points, on rescaled data (times divided by the mean age, values by the mean monetary value) so
the same search bounds suit any unit; identical (x, t_x, T) rows are fitted once with a weight, so
millions of customers fit in seconds. Standard errors come from a central finite-difference Hessian of
the negative log-likelihood in the natural parameters (differences of the analytic gradient).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special

BG_NBD = "bg_nbd"
GAMMA_GAMMA = "gamma_gamma"
BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "gamma")

FITTED = "fitted"
NOT_CONVERGED = "not_converged"
INSUFFICIENT_DATA = "insufficient_data"

# Search box for the log-parameters on rescaled data (e^-12 .. e^12, about 6e-6 .. 1.6e5). An optimum on
# its edge means the likelihood keeps rising towards 0 or infinity: the data do not identify that
# parameter, and the fit is reported as not converged.
LOG_PARAMETER_BOUND = 12.0
# |a - 1| below this: eq. (10) of [FHL05] is 0/0 or loses digits, so expected_purchases interpolates in a.
A_NEAR_ONE = 0.005
# Largest gradient component of the mean negative log-likelihood (per customer, per log-parameter) at
# which a stop of the optimizer counts as convergence.
ACCEPTED_GRADIENT = 1e-6


@dataclass(frozen=True)
class ModelFit:
    """The result of fit_bg_nbd or fit_gamma_gamma; the prediction functions take it as their model."""

    model: str  # 'bg_nbd' or 'gamma_gamma'
    parameters: dict[str, float]  # bg_nbd: r, alpha, a, b; gamma_gamma: p, q, gamma
    standard_errors: dict[str, float | None]  # from the inverse Hessian of the negative log-likelihood
    log_likelihood: float  # total at the optimum, in the caller's units
    customers: int  # rows used (gamma_gamma: repeat customers only)
    converged: bool
    iterations: int
    message: str  # optimizer message, or why it was not fitted
    status: str  # 'fitted', 'not_converged', 'insufficient_data'


# ---------------------------------------------------------------------------------------------------
# Input handling


def _to_vector(values) -> np.ndarray:
    return np.asarray(values, dtype=float).ravel()


def _check_same_length(**vectors: np.ndarray) -> None:
    lengths = {name: len(vector) for name, vector in vectors.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays differ in length: {lengths}")


def _validate_frequency(frequency: np.ndarray) -> None:
    if not np.all(np.isfinite(frequency)):
        raise ValueError("frequency holds NaN or infinite values")
    if np.any(frequency < 0) or np.any(frequency != np.floor(frequency)):
        raise ValueError("frequency must be a whole number of repeat purchases >= 0")


def _validate_recency_and_age(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Checks 0 <= t_x <= T; returns recency with the (ignored) values of x = 0 rows set to 0."""
    recency = np.where(frequency > 0, recency, 0.0)
    if not (np.all(np.isfinite(recency)) and np.all(np.isfinite(age))):
        raise ValueError("recency or age holds NaN or infinite values")
    if np.any(recency < 0) or np.any(age < 0):
        raise ValueError("recency and age must be >= 0")
    tolerance = 1e-9 * np.maximum(age, 1.0)
    if np.any(recency > age + tolerance):
        raise ValueError("recency must not exceed age (t_x <= T)")
    return np.minimum(recency, age)


def _purchase_history_vectors(frequency, recency, age) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) as float vectors of one length, checked (ValueError otherwise); t_x of x = 0 rows is 0."""
    frequency = _to_vector(frequency)
    recency = _to_vector(recency)
    age = _to_vector(age)
    _check_same_length(frequency=frequency, recency=recency, age=age)
    _validate_frequency(frequency)
    return frequency, _validate_recency_and_age(frequency, recency, age), age


def _build_insufficient_fit(model: str, names: tuple[str, ...], customers: int, message: str) -> ModelFit:
    return ModelFit(
        model=model,
        parameters={name: math.nan for name in names},
        standard_errors={name: None for name in names},
        log_likelihood=math.nan,
        customers=customers,
        converged=False,
        iterations=0,
        message=message,
        status=INSUFFICIENT_DATA,
    )


def _read_parameters(fit: ModelFit, model: str, names: tuple[str, ...]) -> tuple[float, ...] | None:
    """The fit's parameters in order, or None when the fit has none to predict with."""
    if fit.model != model:
        raise ValueError(f"this prediction needs a {model} fit, got a {fit.model} fit")
    values = tuple(float(fit.parameters[name]) for name in names)
    if fit.status == INSUFFICIENT_DATA or not all(math.isfinite(value) and value > 0 for value in values):
        return None
    return values


# ---------------------------------------------------------------------------------------------------
# BG/NBD likelihood


def _find_distinct_columns(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of a 2-d array and, per column, the position of its copy among them
    (np.unique(axis=1) does the same, several times slower)."""
    order = np.lexsort(rows[::-1])
    ordered = rows[:, order]
    starts = np.ones(ordered.shape[1], dtype=bool)
    starts[1:] = np.any(ordered[:, 1:] != ordered[:, :-1], axis=0)
    inverse = np.empty(ordered.shape[1], dtype=np.intp)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[:, starts], inverse


def _sum_weighted(weight: np.ndarray, values: np.ndarray) -> float:
    """sum(weight * values); einsum, because a BLAS dot product is slower here on long vectors."""
    return float(np.einsum("i,i->", weight, values))


def _compute_softplus_and_sigmoid(difference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ln(1 + exp(d)) and exp(d) / (1 + exp(d)) without overflow, sharing one exp."""
    small = np.exp(-np.abs(difference))
    softplus = np.maximum(difference, 0.0) + np.log1p(small)
    sigmoid = np.where(difference >= 0, 1.0, small) / (1.0 + small)
    return softplus, sigmoid


@dataclass(frozen=True)
class _PurchaseHistories:
    """Customers split into those without (x = 0: only T matters) and with repeat purchases, each row with
    a weight (the number of identical customers it stands for)."""

    zero_age: np.ndarray
    zero_weight: np.ndarray
    frequency: np.ndarray  # x > 0 rows from here on
    recency: np.ndarray
    age: np.ndarray
    weight: np.ndarray
    distinct_frequencies: np.ndarray
    frequency_index: np.ndarray  # row -> position in distinct_frequencies
    frequency_weight: np.ndarray  # total weight per distinct frequency

    @classmethod
    def build(cls, zero_age, zero_weight, frequency, recency, age, weight) -> _PurchaseHistories:
        distinct_frequencies, frequency_index = np.unique(frequency, return_inverse=True)
        frequency_weight = np.bincount(frequency_index, weights=weight, minlength=len(distinct_frequencies))
        return cls(zero_age, zero_weight, frequency, recency, age, weight,
                   distinct_frequencies, frequency_index, frequency_weight)

    @classmethod
    def from_rows(cls, frequency, recency, age) -> _PurchaseHistories:
        """One row per customer, in input order within each group (for per-customer likelihoods)."""
        repeat = frequency > 0
        return cls.build(age[~repeat], np.ones(int(np.sum(~repeat))), frequency[repeat], recency[repeat],
                         age[repeat], np.ones(int(np.sum(repeat))))

    @classmethod
    def aggregate(cls, frequency, recency, age) -> _PurchaseHistories:
        """Collapses identical (x, t_x, T) customers into one row weighted by their count."""
        repeat = frequency > 0
        zero_age, zero_count = np.unique(age[~repeat], return_counts=True)
        distinct, inverse = _find_distinct_columns(np.stack([frequency[repeat], recency[repeat], age[repeat]]))
        counts = np.bincount(inverse, minlength=distinct.shape[1]).astype(float)
        return cls.build(zero_age, zero_count.astype(float), distinct[0], distinct[1], distinct[2], counts)

    def rescaled(self, scale: float) -> _PurchaseHistories:
        return _PurchaseHistories.build(self.zero_age / scale, self.zero_weight, self.frequency,
                                        self.recency / scale, self.age / scale, self.weight)

    def total_weight(self) -> float:
        return float(self.zero_weight.sum() + self.weight.sum())

    def total_purchases(self) -> float:
        return _sum_weighted(self.weight, self.frequency)

    def total_age(self) -> float:
        return _sum_weighted(self.zero_weight, self.zero_age) + _sum_weighted(self.weight, self.age)


def _evaluate_bg_nbd(parameters, histories: _PurchaseHistories, gradient: bool, rows: bool = False):
    """Log-likelihood of [FHL05] eq. (6) in the form of [FHL05x]:

        A1 = ln Gamma(r+x) - ln Gamma(r) + r ln(alpha)
        A2 = ln Gamma(a+b) + ln Gamma(b+x) - ln Gamma(b) - ln Gamma(a+b+x)
        A3 = -(r+x) ln(alpha+T)
        A4 = ln(a) - ln(b+x-1) - (r+x) ln(alpha+t_x)            (only x > 0)
        ln L = A1 + A2 + ln(exp(A3) + delta(x>0) exp(A4))

    which for x = 0 reduces to r ln(alpha / (alpha + T)). The last term is computed as
    A3 + ln(1 + exp(A4 - A3)) without overflow. A1 and A2 depend on x alone and are computed once per
    distinct x. Returns (total weighted log-likelihood, gradient of the total with respect to
    (r, alpha, a, b) or None, per-row log-likelihoods (x = 0 rows, x > 0 rows) or None).
    """
    r, alpha, a, b = parameters
    log_alpha = math.log(alpha)
    # Customers without a repeat purchase.
    zero_age, zero_weight = histories.zero_age, histories.zero_weight
    log_alpha_zero_age = np.log(alpha + zero_age)
    total = r * (log_alpha * zero_weight.sum() - _sum_weighted(zero_weight, log_alpha_zero_age))
    # Repeat customers.
    distinct = histories.distinct_frequencies
    distinct_weight = histories.frequency_weight
    a1 = special.gammaln(r + distinct) - special.gammaln(r) + r * log_alpha
    a2 = (special.gammaln(a + b) + special.gammaln(b + distinct) - special.gammaln(b)
          - special.gammaln(a + b + distinct))
    x, weight = histories.frequency, histories.weight
    log_alpha_age = np.log(alpha + histories.age)
    log_alpha_recency = np.log(alpha + histories.recency)
    r_x = r + x
    a3 = -r_x * log_alpha_age
    a4 = math.log(a) - np.log(b + x - 1.0) - r_x * log_alpha_recency
    softplus, share_dropped = _compute_softplus_and_sigmoid(a4 - a3)
    total += _sum_weighted(distinct_weight, a1 + a2) + _sum_weighted(weight, a3 + softplus)
    per_row = None
    if rows:
        per_row = (r * (log_alpha - log_alpha_zero_age), (a1 + a2)[histories.frequency_index] + a3 + softplus)
    if not gradient:
        return total, None, per_row

    # share_dropped: the weight of the "dropped out after t_x" branch exp(A4) in exp(A3) + exp(A4).
    weight_dropped = weight * share_dropped
    weight_alive = weight - weight_dropped
    psi_a_b = special.digamma(a + b)
    psi_a_b_x = special.digamma(a + b + distinct)
    derivative_r = (
        log_alpha * zero_weight.sum() - _sum_weighted(zero_weight, log_alpha_zero_age)
        + _sum_weighted(distinct_weight, special.digamma(r + distinct) - special.digamma(r) + log_alpha)
        - _sum_weighted(weight_alive, log_alpha_age) - _sum_weighted(weight_dropped, log_alpha_recency)
    )
    derivative_alpha = (
        r * zero_weight.sum() / alpha - r * _sum_weighted(zero_weight, 1.0 / (alpha + zero_age))
        + distinct_weight.sum() * r / alpha
        - _sum_weighted(weight_alive, r_x / (alpha + histories.age))
        - _sum_weighted(weight_dropped, r_x / (alpha + histories.recency))
    )
    derivative_a = _sum_weighted(distinct_weight, psi_a_b - psi_a_b_x) + weight_dropped.sum() / a
    derivative_b = (
        _sum_weighted(distinct_weight, psi_a_b + special.digamma(b + distinct) - special.digamma(b) - psi_a_b_x)
        - _sum_weighted(weight_dropped, 1.0 / (b + x - 1.0))
    )
    return total, np.array([derivative_r, derivative_alpha, derivative_a, derivative_b]), per_row


def bg_nbd_log_likelihood(parameters: Mapping[str, float], frequency, recency, age) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood ln L(r, alpha, a, b | x, t_x, T), [FHL05] eq. (6).

    `parameters` holds r, alpha, a, b (a ModelFit's `parameters` will do). Returns one value per row.
    """
    frequency, recency, age = _purchase_history_vectors(frequency, recency, age)
    values = tuple(float(parameters[name]) for name in BG_NBD_PARAMETERS)
    _, _, (zero_rows, repeat_rows) = _evaluate_bg_nbd(
        values, _PurchaseHistories.from_rows(frequency, recency, age), gradient=False, rows=True)
    result = np.empty(len(frequency))
    repeat = frequency > 0
    result[~repeat] = zero_rows
    result[repeat] = repeat_rows
    return result


# ---------------------------------------------------------------------------------------------------
# Gamma-Gamma likelihood


@dataclass(frozen=True)
class _SpendHistories:
    """Repeat customers' (x, mbar); the terms that depend on x alone are computed once per distinct x."""

    frequency: np.ndarray
    monetary_value: np.ndarray
    total_value: np.ndarray  # x * mbar
    distinct_frequencies: np.ndarray
    frequency_index: np.ndarray
    frequency_count: np.ndarray
    sum_log_value: float  # sum of ln mbar
    sum_frequency_log_value: float  # sum of x ln mbar

    @classmethod
    def build(cls, frequency, monetary_value) -> _SpendHistories:
        distinct_frequencies, frequency_index = np.unique(frequency, return_inverse=True)
        log_value = np.log(monetary_value)
        return cls(
            frequency=frequency, monetary_value=monetary_value, total_value=frequency * monetary_value,
            distinct_frequencies=distinct_frequencies, frequency_index=frequency_index,
            frequency_count=np.bincount(frequency_index, minlength=len(distinct_frequencies)).astype(float),
            sum_log_value=float(log_value.sum()), sum_frequency_log_value=_sum_weighted(frequency, log_value),
        )

    def rescaled(self, scale: float) -> _SpendHistories:
        return _SpendHistories.build(self.frequency, self.monetary_value / scale)


def _evaluate_gamma_gamma(parameters, spend: _SpendHistories, gradient: bool, rows: bool = False):
    """Log-likelihood of the mean spend mbar of x repeat purchases ([FH13]; [FHL05b]): given the
    customer's mean spend p / nu, mbar ~ Gamma(p x, x nu), and nu ~ Gamma(q, gamma) across customers, so

        ln f(mbar | p, q, gamma, x) = ln Gamma(p x + q) - ln Gamma(p x) - ln Gamma(q) + q ln(gamma)
                                      + (p x - 1) ln(mbar) + p x ln(x) - (p x + q) ln(gamma + x mbar)

    Returns (total, gradient of the total wrt (p, q, gamma) or None, per-row log-likelihoods or None).
    """
    p, q, gamma = parameters
    distinct = spend.distinct_frequencies
    count = spend.frequency_count
    p_x = p * distinct
    per_frequency = (special.gammaln(p_x + q) - special.gammaln(p_x) - special.gammaln(q)
                     + q * math.log(gamma) + p_x * np.log(distinct))
    x = spend.frequency
    log_gamma_value = np.log(gamma + spend.total_value)
    sum_log_gamma_value = float(log_gamma_value.sum())
    sum_frequency_log_gamma_value = _sum_weighted(x, log_gamma_value)
    total = (_sum_weighted(count, per_frequency) + p * spend.sum_frequency_log_value - spend.sum_log_value
             - p * sum_frequency_log_gamma_value - q * sum_log_gamma_value)
    per_row = None
    if rows:
        per_row = (per_frequency[spend.frequency_index] + (p * x - 1.0) * np.log(spend.monetary_value)
                   - (p * x + q) * log_gamma_value)
    if not gradient:
        return total, None, per_row
    psi_p_x_q = special.digamma(p_x + q)
    derivative_p = (_sum_weighted(count, distinct * (psi_p_x_q - special.digamma(p_x) + np.log(distinct)))
                    + spend.sum_frequency_log_value - sum_frequency_log_gamma_value)
    derivative_q = (_sum_weighted(count, psi_p_x_q - special.digamma(q) + math.log(gamma))
                    - sum_log_gamma_value)
    inverse = 1.0 / (gamma + spend.total_value)
    derivative_gamma = len(x) * q / gamma - p * _sum_weighted(x, inverse) - q * float(inverse.sum())
    return total, np.array([derivative_p, derivative_q, derivative_gamma]), per_row


def _select_repeat_spend(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray, int]:
    """The repeat customers (x > 0) whose monetary value is a positive number, and how many repeat
    customers were left out for a zero, negative or missing value (the model has no room for them)."""
    frequency = _to_vector(frequency)
    monetary_value = _to_vector(monetary_value)
    _check_same_length(frequency=frequency, monetary_value=monetary_value)
    _validate_frequency(frequency)
    repeat = frequency > 0
    with np.errstate(invalid="ignore"):
        usable = repeat & (monetary_value > 0) & np.isfinite(monetary_value)
    return frequency[usable], monetary_value[usable], int(np.sum(repeat & ~usable))


def gamma_gamma_log_likelihood(parameters: Mapping[str, float], frequency, monetary_value) -> np.ndarray:
    """Each repeat customer's Gamma-Gamma log-likelihood of mbar given x ([FH13]).

    `parameters` holds p, q, gamma. Rows with x = 0 are dropped, so the result has one value per repeat
    customer, in input order.
    """
    frequency, monetary_value, left_out = _select_repeat_spend(frequency, monetary_value)
    if left_out:
        raise ValueError(f"{left_out} repeat customers have a zero, negative or missing monetary_value, "
                         "which has no Gamma-Gamma likelihood")
    values = tuple(float(parameters[name]) for name in GAMMA_GAMMA_PARAMETERS)
    _, _, per_row = _evaluate_gamma_gamma(values, _SpendHistories.build(frequency, monetary_value),
                                       gradient=False, rows=True)
    return per_row


# ---------------------------------------------------------------------------------------------------
# Maximum likelihood


@dataclass(frozen=True)
class _Optimum:
    parameters: np.ndarray  # natural parameters, rescaled units
    log_likelihood: float  # rescaled units
    converged: bool
    iterations: int
    message: str


def _maximize(total_and_gradient: Callable, total_weight: float, starts: list[tuple[float, ...]],
              names: tuple[str, ...]) -> _Optimum:
    """Maximizes the log-likelihood over log-parameters with L-BFGS-B, from each start in turn until two
    starts reach the same optimum; keeps the best. `iterations` counts the iterations of all starts."""

    def objective(log_parameters):
        parameters = np.exp(log_parameters)
        total, gradient, _ = total_and_gradient(parameters)
        if not math.isfinite(total) or not np.all(np.isfinite(gradient)):
            return math.inf, np.zeros_like(log_parameters)
        return -total / total_weight, -gradient * parameters / total_weight

    bounds = [(-LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUND)] * len(names)
    results = []
    iterations = 0
    for start in starts:
        result = optimize.minimize(
            objective, np.log(start), jac=True, method="L-BFGS-B", bounds=bounds,
            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
        )
        iterations += int(result.nit)
        if not math.isfinite(result.fun):
            continue
        agrees = any(abs(result.fun - other.fun) <= 1e-9 * max(1.0, abs(result.fun))
                     and np.max(np.abs(result.x - other.x)) < 1e-3 for other in results)
        results.append(result)
        if agrees:
            break
    if not results:
        return _Optimum(np.full(len(names), math.nan), math.nan, False, iterations,
                        "the log-likelihood was not finite at any starting point")
    best = min(results, key=lambda result: result.fun)
    on_edge = [name for name, value in zip(names, best.x) if abs(value) > LOG_PARAMETER_BOUND - 1e-3]
    message = str(best.message)
    converged = bool(best.success)
    largest_gradient = float(np.max(np.abs(best.jac)))
    if not converged and largest_gradient < ACCEPTED_GRADIENT:
        # L-BFGS-B often stops with an "abnormal" line search once rounding noise dominates the last
        # decimals of the likelihood; at a zero gradient that is an optimum all the same.
        converged = True
        message = f"{message} (accepted: largest gradient component {largest_gradient:.1e})"
    if on_edge:
        converged = False
        message = (f"{', '.join(on_edge)} ran to the edge of the search range: the likelihood keeps rising "
                   f"towards 0 or infinity, so the data do not identify it ({message})")
    return _Optimum(np.exp(best.x), float(-best.fun * total_weight), converged, iterations, message)


def _estimate_standard_errors(gradient_of: Callable, parameters: np.ndarray, names: tuple[str, ...]
                              ) -> dict[str, float | None]:
    """Square roots of the diagonal of the inverse Hessian of the negative log-likelihood.

    The Hessian is a central finite difference of the analytic gradient (relative step 1e-5) in the
    natural parameters; None for all parameters when it is singular or ill-conditioned, None for a
    parameter whose variance comes out non-positive (not a maximum in that direction)."""
    size = len(parameters)
    hessian = np.empty((size, size))
    for column in range(size):
        step = 1e-5 * parameters[column]
        forward, backward = parameters.copy(), parameters.copy()
        forward[column] += step
        backward[column] -= step
        hessian[:, column] = -(gradient_of(forward) - gradient_of(backward)) / (2.0 * step)
    hessian = (hessian + hessian.T) / 2.0
    if not np.all(np.isfinite(hessian)):
        return {name: None for name in names}
    try:
        if np.linalg.cond(hessian) > 1e14:
            return {name: None for name in names}
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return {name: None for name in names}
    variances = np.diag(covariance)
    return {name: (float(math.sqrt(variance)) if math.isfinite(variance) and variance > 0 else None)
            for name, variance in zip(names, variances)}


def _decide_status(optimum: _Optimum) -> str:
    return FITTED if optimum.converged else NOT_CONVERGED


def fit_bg_nbd(frequency, recency, age, minimum_customers: int = 20) -> ModelFit:
    """Fits the BG/NBD model of [FHL05] by maximum likelihood (eq. 6, summed over customers).

    frequency x, recency t_x and age T as in the module docstring (one row per customer, one time unit).
    Fewer than `minimum_customers` rows, or not a single repeat purchase, give status 'insufficient_data'
    with NaN parameters. An optimum on the edge of the search range (e.g. a -> 0 when nobody seems to drop
    out) gives status 'not_converged' with the parameters reached; so does an optimizer that stops with a
    non-zero gradient. `iterations` adds up the optimizer iterations of all starting points.
    Raises ValueError on NaN, negative or fractional frequency, t_x > T or arrays of different lengths.
    """
    frequency, recency, age = _purchase_history_vectors(frequency, recency, age)
    customers = len(frequency)
    if customers < minimum_customers:
        return _build_insufficient_fit(BG_NBD, BG_NBD_PARAMETERS, customers,
                                       f"{customers} customers, fewer than minimum_customers={minimum_customers}")
    if not np.any(frequency > 0):
        return _build_insufficient_fit(BG_NBD, BG_NBD_PARAMETERS, customers,
                                       "no customer made a repeat purchase: the purchase rate is not identified")
    if not np.any(age > 0):
        return _build_insufficient_fit(BG_NBD, BG_NBD_PARAMETERS, customers, "every customer has age 0")

    histories = _PurchaseHistories.aggregate(frequency, recency, age)
    scale = histories.total_age() / histories.total_weight()
    scaled = histories.rescaled(scale)
    total_weight = scaled.total_weight()

    def total_and_gradient(parameters):
        return _evaluate_bg_nbd(parameters, scaled, gradient=True)

    # Starting points that all match the observed repeat-purchase rate per unit of (rescaled) age.
    rate = max(scaled.total_purchases() / scaled.total_age(), 1e-3)
    starts = [(1.0, 1.0 / rate, 1.0, 1.0), (0.5, 0.5 / rate, 0.5, 2.0), (2.0, 2.0 / rate, 2.0, 8.0)]
    optimum = _maximize(total_and_gradient, total_weight, starts, BG_NBD_PARAMETERS)
    if not np.all(np.isfinite(optimum.parameters)):
        return _build_insufficient_fit(BG_NBD, BG_NBD_PARAMETERS, customers, optimum.message)

    errors = _estimate_standard_errors(lambda values: total_and_gradient(values)[1], optimum.parameters,
                                       BG_NBD_PARAMETERS)
    # Back to the caller's time unit: alpha scales with time; ln L changes by -x ln(scale) per customer.
    r, alpha, a, b = optimum.parameters
    parameters = {"r": float(r), "alpha": float(alpha * scale), "a": float(a), "b": float(b)}
    if errors["alpha"] is not None:
        errors["alpha"] *= scale
    log_likelihood = optimum.log_likelihood - scaled.total_purchases() * math.log(scale)
    return ModelFit(
        model=BG_NBD, parameters=parameters, standard_errors=errors, log_likelihood=log_likelihood,
        customers=customers, converged=optimum.converged, iterations=optimum.iterations,
        message=optimum.message, status=_decide_status(optimum),
    )


def fit_gamma_gamma(frequency, monetary_value, minimum_customers: int = 20) -> ModelFit:
    """Fits the Gamma-Gamma spend model ([FHL05b], [FH13]) to the repeat customers (frequency > 0).

    monetary_value is each customer's mean repeat-purchase value mbar, ignored where x = 0. The model needs
    mbar > 0: repeat customers with a zero, negative or missing value are left out of the fit, and the
    message says how many (`customers` counts only those used). Fewer than `minimum_customers` usable repeat
    customers give status 'insufficient_data' with NaN parameters. The model assumes spend per purchase is
    independent of frequency: check frequency_monetary_correlation first.
    """
    frequency, monetary_value, left_out = _select_repeat_spend(frequency, monetary_value)
    note = (f"; left out {left_out} repeat customers with a zero, negative or missing monetary_value"
            if left_out else "")
    customers = len(frequency)
    if customers < minimum_customers:
        message = f"{customers} repeat customers, fewer than minimum_customers={minimum_customers}{note}"
        return _build_insufficient_fit(GAMMA_GAMMA, GAMMA_GAMMA_PARAMETERS, customers, message)
    spend = _SpendHistories.build(frequency, monetary_value)
    scale = float(monetary_value.mean())
    scaled = spend.rescaled(scale)

    def total_and_gradient(parameters):
        return _evaluate_gamma_gamma(parameters, scaled, gradient=True)

    # Starting points whose population mean spend p gamma / (q - 1) equals the observed mean (1 rescaled).
    starts = [(1.0, 2.0, 1.0), (4.0, 4.0, 0.75), (10.0, 11.0, 1.0)]
    optimum = _maximize(total_and_gradient, float(customers), starts, GAMMA_GAMMA_PARAMETERS)
    if not np.all(np.isfinite(optimum.parameters)):
        return _build_insufficient_fit(GAMMA_GAMMA, GAMMA_GAMMA_PARAMETERS, customers, optimum.message)

    errors = _estimate_standard_errors(lambda values: total_and_gradient(values)[1], optimum.parameters,
                                       GAMMA_GAMMA_PARAMETERS)
    # Back to the caller's money unit: gamma scales with money; ln f changes by -ln(scale) per customer.
    p, q, gamma = optimum.parameters
    parameters = {"p": float(p), "q": float(q), "gamma": float(gamma * scale)}
    if errors["gamma"] is not None:
        errors["gamma"] *= scale
    log_likelihood = optimum.log_likelihood - customers * math.log(scale)
    return ModelFit(
        model=GAMMA_GAMMA, parameters=parameters, standard_errors=errors, log_likelihood=log_likelihood,
        customers=customers, converged=optimum.converged, iterations=optimum.iterations,
        message=optimum.message + note, status=_decide_status(optimum),
    )


# ---------------------------------------------------------------------------------------------------
# Predictions


def probability_alive(fit: ModelFit, frequency, recency, age) -> np.ndarray:
    """P(alive at T | x, t_x, T) under a BG/NBD fit ([FHL08]; [FHL05] eq. 10's denominator):

        P = 1 / (1 + delta(x>0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))

    which is exactly 1 for x = 0 (in the BG/NBD a customer can only drop out right after a repeat
    purchase). Arrays broadcast; NaN everywhere for a fit without parameters (insufficient data).
    """
    frequency, recency, age = (np.asarray(values, dtype=float) for values in (frequency, recency, age))
    frequency, recency, age = np.broadcast_arrays(frequency, recency, age)
    parameters = _read_parameters(fit, BG_NBD, BG_NBD_PARAMETERS)
    if parameters is None:
        return np.full(frequency.shape, math.nan)
    r, alpha, a, b = parameters
    repeat = frequency > 0
    safe_recency = np.where(repeat, recency, age)
    safe_frequency = np.where(repeat, frequency, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_odds_dropped = (math.log(a) - np.log(b + safe_frequency - 1.0)
                            + (r + safe_frequency) * (np.log(alpha + age) - np.log(alpha + safe_recency)))
    return np.where(repeat, special.expit(-log_odds_dropped), np.where(np.isnan(frequency), math.nan, 1.0))


def _integrate_purchases_if_alive(parameters, horizon: float, frequency: float, age: float) -> float:
    """E[Y(t) | alive at T, x, T] by adaptive integration over the posterior of the dropout probability p.

    Given alive at T, lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x) independently, and a live
    customer makes (1 - exp(-lambda p t)) / p purchases in expectation over (T, T + t]. Integrating lambda out:

        E = integral over (0, 1) of [1 - (1 + p t / (alpha + T))^-(r + x)] / p  Beta(p; a, b + x) dp.

    Valid for every a > 0 and b > 0; slow (scipy.integrate.quad per row), so only the last resort.
    """
    r, alpha, a, b = parameters
    shape = r + frequency
    relative_horizon = horizon / (alpha + age)
    if relative_horizon == 0.0:
        return 0.0
    log_beta = special.betaln(a, b + frequency)

    def integrand(dropout: float) -> float:
        purchases = -math.expm1(-shape * math.log1p(dropout * relative_horizon)) / dropout
        log_density = (a - 1.0) * math.log(dropout) + (b + frequency - 1.0) * math.log1p(-dropout) - log_beta
        return purchases * math.exp(log_density)

    # Split where the integrand bends (p ~ (alpha + T) / ((r + x) t)) and where the posterior sits.
    splits = sorted({min(value, 0.5) for value in (1.0 / (shape * relative_horizon), a / (a + b + frequency))
                     if 0.0 < value < 1.0})
    edges = [0.0, *splits, 1.0]
    return float(sum(integrate.quad(integrand, low, high, limit=200, epsabs=0.0, epsrel=1e-11)[0]
                     for low, high in zip(edges[:-1], edges[1:]) if high > low))


def _is_plausible(values: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Finite and within [0, upper], allowing for rounding."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values >= -1e-12 * (1.0 + upper)) & (values <= upper * (1.0 + 1e-8) + 1e-12)


def _evaluate_purchases_if_alive(parameters, horizon, frequency, age) -> np.ndarray:
    """E[Y(t) | alive at T, x, T]: eq. (10) of [FHL05] without its P(alive) denominator, for a != 1.

    With s = (alpha + T) / (alpha + T + t) and z = 1 - s = t / (alpha + T + t):

        eq. (10):  (a + b + x - 1) / (a - 1) [1 - s^(r+x) 2F1(r + x, b + x; a + b + x - 1; z)]
        Euler's transformation 2F1(A, B; C; z) = (1 - z)^(C-A-B) 2F1(C - A, C - B; C; z) turns it into
                   (a + b + x - 1) / (a - 1) [1 - s^(a-1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)],
                   whose hypergeometric term neither overflows nor underflows for large x.

    Each row takes the first that gives a finite value within [0, (r + x) t / (alpha + T)] (the most a
    customer who never drops out buys): eq. (10), else the Euler form, else numerical integration.
    All arguments are 1-d arrays of one length.
    """
    r, alpha, a, b = parameters
    shrink = (alpha + age) / (alpha + age + horizon)
    upper = (r + frequency) * horizon / (alpha + age)
    with np.errstate(all="ignore"):
        factor = (a + b + frequency - 1.0) / (a - 1.0)
        result = factor * (1.0 - np.power(shrink, r + frequency)
                           * special.hyp2f1(r + frequency, b + frequency, a + b + frequency - 1.0, 1.0 - shrink))
        failed = np.flatnonzero(~_is_plausible(result, upper))
        if len(failed):
            result[failed] = factor[failed] * (1.0 - np.power(shrink[failed], a - 1.0) * special.hyp2f1(
                a + b - 1.0 - r, a - 1.0, a + b + frequency[failed] - 1.0, 1.0 - shrink[failed]))
            failed = failed[~_is_plausible(result[failed], upper[failed])]
    for row in failed:
        result[row] = _integrate_purchases_if_alive(parameters, horizon[row], frequency[row], age[row])
    return np.clip(result, 0.0, upper)


def _compute_purchases_if_alive(parameters, horizon, frequency, age) -> np.ndarray:
    """E[Y(t) | alive at T, x, T] for any a > 0 (1-d arrays of one length).

    At a = 1 eq. (10) is 0/0, and near it the difference loses digits, so for |a - 1| < A_NEAR_ONE the
    value is the cubic through the closed form at a = 1 -/+ 2 A_NEAR_ONE and 1 -/+ A_NEAR_ONE (E is smooth
    in a). Against 80-digit arithmetic its relative error stayed below 1.3e-7 even for horizons thousands of
    times alpha + T, and below 1e-9 away from a = 1.
    """
    r, alpha, a, b = parameters
    if abs(a - 1.0) >= A_NEAR_ONE:
        return _evaluate_purchases_if_alive(parameters, horizon, frequency, age)
    nodes = 1.0 + A_NEAR_ONE * np.array([-2.0, -1.0, 1.0, 2.0])
    result = np.zeros(frequency.shape)
    for node in nodes:
        lagrange = np.prod([(a - other) / (node - other) for other in nodes if other != node])
        result += lagrange * _evaluate_purchases_if_alive((r, alpha, node, b), horizon, frequency, age)
    return np.clip(result, 0.0, None)


def expected_purchases(fit: ModelFit, horizon, frequency, recency, age) -> np.ndarray:
    """Expected purchases in (T, T + horizon] given x, t_x, T under a BG/NBD fit, [FHL05] eq. (10):

        E[Y(t) | x, t_x, T] = (a + b + x - 1) / (a - 1)
                              * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
                                     * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]
                              / (1 + delta(x>0) a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))

    with 2F1 the Gaussian hypergeometric function (scipy.special.hyp2f1); the denominator is 1 / P(alive).
    `horizon` t is in the fit's time unit and broadcasts with the other arrays.

    Edge cases (the answer is always finite, at most P(alive) (r + x) t / (alpha + T)):
    - a < 1: the factor 1 / (a - 1) is negative and E[1/p] diverges, but eq. (10) still holds (analytic
      continuation in a) and is used as is - CDNOW's a = 0.79 is such a case;
    - a at or near 1 (|a - 1| < 0.005): eq. (10) is 0/0 or loses digits; the value is interpolated in a from
      a = 0.99, 0.995, 1.005, 1.01 (see _compute_purchases_if_alive);
    - large x or long horizons, where 2F1 overflows: an Euler-transformed form, then numerical integration
      (see _evaluate_purchases_if_alive).
    NaN everywhere for a fit without parameters (insufficient data); ValueError for a negative horizon.
    """
    horizon, frequency, recency, age = (np.asarray(values, dtype=float)
                                        for values in (horizon, frequency, recency, age))
    horizon, frequency, recency, age = np.broadcast_arrays(horizon, frequency, recency, age)
    if np.any(horizon < 0):
        raise ValueError("horizon must be >= 0")
    alive = probability_alive(fit, frequency, recency, age)
    parameters = _read_parameters(fit, BG_NBD, BG_NBD_PARAMETERS)
    if parameters is None:
        return np.full(frequency.shape, math.nan)
    result = np.full(frequency.size, math.nan)
    defined = np.flatnonzero(np.isfinite(horizon) & np.isfinite(frequency) & np.isfinite(age)
                             & np.isfinite(alive)).astype(np.intp)
    # Only distinct (t, x, T) need computing: customers share few of them when time is in whole days.
    if len(defined):
        rows = np.stack([horizon.ravel()[defined], frequency.ravel()[defined], age.ravel()[defined]])
        distinct, inverse = _find_distinct_columns(rows)
        per_alive = _compute_purchases_if_alive(parameters, distinct[0], distinct[1], distinct[2])
        result[defined] = per_alive[inverse] * alive.ravel()[defined]
    return result.reshape(frequency.shape)


def expected_average_value(fit: ModelFit, frequency, monetary_value) -> np.ndarray:
    """Expected value of a customer's future purchases under a Gamma-Gamma fit ([FHL05b]; [FH13]):

        E[M | p, q, gamma, x, mbar] = p (gamma + x mbar) / (p x + q - 1)       for x > 0
        E[M | p, q, gamma]          = p gamma / (q - 1)                          for x = 0 (population mean)

    monetary_value is ignored where x = 0. Edge cases: when q <= 1 the population mean is infinite (the
    spend scale 1/nu has no mean) and x = 0 rows get NaN; a repeat row likewise gets NaN when
    p x + q - 1 <= 0. NaN everywhere for a fit without parameters (insufficient data).
    """
    frequency, monetary_value = (np.asarray(values, dtype=float) for values in (frequency, monetary_value))
    frequency, monetary_value = np.broadcast_arrays(frequency, monetary_value)
    parameters = _read_parameters(fit, GAMMA_GAMMA, GAMMA_GAMMA_PARAMETERS)
    if parameters is None:
        return np.full(frequency.shape, math.nan)
    p, q, gamma = parameters
    repeat = frequency > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = p * frequency + q - 1.0
        conditional = p * (gamma + frequency * np.where(repeat, monetary_value, 0.0)) / denominator
        conditional = np.where(denominator > 0, conditional, math.nan)
    population = p * gamma / (q - 1.0) if q > 1.0 else math.nan
    return np.where(repeat, conditional, np.where(np.isnan(frequency), math.nan, population))


def frequency_monetary_correlation(frequency, monetary_value) -> float | None:
    """Pearson correlation of frequency and monetary value over the repeat customers (x > 0).

    A diagnostic: the Gamma-Gamma model assumes spend per purchase is independent of how often a customer
    buys, so this should be close to 0 (it is 0.11 on the CDNOW sample). None with fewer than two repeat
    customers or when either column is constant.
    """
    frequency = _to_vector(frequency)
    monetary_value = _to_vector(monetary_value)
    _check_same_length(frequency=frequency, monetary_value=monetary_value)
    repeat = frequency > 0
    frequency, monetary_value = frequency[repeat], monetary_value[repeat]
    if len(frequency) < 2 or np.ptp(frequency) == 0 or np.ptp(monetary_value) == 0:
        return None
    return float(np.corrcoef(frequency, monetary_value)[0, 1])
