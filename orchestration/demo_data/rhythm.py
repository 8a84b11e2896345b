"""When people shop: day-of-week, hour-of-day and the promotion calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np

from orchestration.demo_data.vocabulary import PROMOTIONS

# Monday .. Sunday: weekends carry the most traffic.
DAY_OF_WEEK_FACTORS = np.array([0.90, 0.88, 0.90, 0.95, 1.06, 1.30, 1.24])
STORE_DAY_OF_WEEK_FACTORS = np.array([0.75, 0.72, 0.75, 0.80, 1.00, 1.70, 1.60])

# Hour-of-day weights (local time): quiet night, commute, lunch bump, evening peak at 20-22h.
REGULAR_HOURS = np.array([
    0.9, 0.45, 0.22, 0.12, 0.08, 0.10, 0.25, 0.7, 1.3, 1.6, 1.8, 2.0,
    2.9, 2.6, 1.9, 1.8, 1.8, 2.0, 2.4, 3.0, 3.8, 4.2, 3.9, 2.3,
])
# Night owls shop from 23:00 to 03:00.
NIGHT_OWL_HOURS = np.array([
    5.0, 4.4, 3.2, 1.6, 0.3, 0.1, 0.1, 0.1, 0.2, 0.3, 0.4, 0.5,
    0.7, 0.6, 0.4, 0.4, 0.5, 0.6, 0.8, 1.0, 1.3, 1.8, 3.0, 5.2,
])
STORE_HOURS = np.array([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, 1.6,
    1.8, 1.6, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.4, 1.8, 0.8, 0,
])
# The last simulated day stops early enough that every session ends (and is received) inside the window.
LAST_DAY_LATEST_HOUR = 21


def find_promotion(day: dt.date) -> tuple[float, str, str]:
    """(traffic multiplier, promotion id, promotion name) of a calendar day; (1.0, '', '') on plain days."""
    for month, day_of_month, factor, promotion_id, name in PROMOTIONS:
        if day.month == month and day.day == day_of_month:
            return factor, f"{promotion_id}_{day.year}", name
    return 1.0, "", ""


def weigh_day(day: dt.date) -> float:
    """Online traffic multiplier of a day: weekday rhythm times the promotion spike."""
    return float(DAY_OF_WEEK_FACTORS[day.weekday()]) * find_promotion(day)[0]


def weigh_store_day(day: dt.date) -> float:
    return float(STORE_DAY_OF_WEEK_FACTORS[day.weekday()]) * (1.0 + (find_promotion(day)[0] - 1.0) * 0.5)


def normalize_hours(weights: np.ndarray, last_day: bool) -> np.ndarray:
    weights = weights.astype(float).copy()
    if last_day:
        weights[LAST_DAY_LATEST_HOUR:] = 0.0
    return weights / weights.sum()
