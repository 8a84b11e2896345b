"""The simulated shop as it evolves day by day: calendar, population, catalog and running state."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.demo_data.catalog import Catalog, build_catalog
from orchestration.demo_data.population import KIND_BOT, KIND_TEST, Population, build_population
from orchestration.demo_data.text import MILLISECONDS_PER_DAY, SHANGHAI_OFFSET_MS

EVENT_DICTIONARY = Path(__file__).resolve().parents[2] / "seeds" / "event_dictionary.csv"
EPOCH = dt.date(1970, 1, 1)

# Independent random streams, so one part of the simulation can change without reshuffling the others.
STREAM_POPULATION, STREAM_CATALOG, STREAM_SESSIONS, STREAM_FUNNEL, STREAM_DAY = 1, 2, 3, 4, 5
STREAM_STORES, STREAM_CRM, STREAM_TICKETS, STREAM_CAMPAIGNS, STREAM_MESS, STREAM_TRUNCATION = 6, 7, 8, 9, 10, 11
STREAM_STORE_ORDERS, STREAM_CRM_START, STREAM_ORDER_HISTORY, STREAM_ERASURES = 12, 13, 14, 15
# Order numbers of the order history before the window (history.py) count up from here, below the window's
# (which start at 0), so both kinds stay unique and a history order's number is lower than any window order's.
HISTORY_FIRST_ORDER_SERIAL = -100_000_000


@dataclass(frozen=True)
class TrackingPlan:
    """The event dictionary: required properties and their JSON types per event name."""

    required: dict[str, tuple[tuple[str, str], ...]]

    @classmethod
    def read(cls, path: Path = EVENT_DICTIONARY) -> TrackingPlan:
        required = {}
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                properties = tuple(
                    tuple(part.split(":", 1)) for part in (row["required_properties"] or "").split(";") if part
                )
                required[row["event_name"]] = properties
        return cls(required=required)


@dataclass(frozen=True)
class Window:
    """The simulated days: day index 0 is the first day, `days - 1` the end date (Shanghai calendar)."""

    start: dt.date
    days: int

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    @property
    def start_epoch_day(self) -> int:
        return (self.start - EPOCH).days

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def day_start_ms(self, day: int) -> int:
        """UTC epoch milliseconds of local midnight starting the day."""
        return (self.start_epoch_day + day) * MILLISECONDS_PER_DAY - SHANGHAI_OFFSET_MS

    @property
    def end_ms(self) -> int:
        """UTC epoch milliseconds of local midnight after the last day."""
        return self.day_start_ms(self.days)

    def day_of(self, epoch_ms: np.ndarray) -> np.ndarray:
        """Window day index of UTC epoch milliseconds (Shanghai calendar)."""
        local = np.asarray(epoch_ms, dtype=np.int64) + SHANGHAI_OFFSET_MS
        return local // MILLISECONDS_PER_DAY - self.start_epoch_day


class World:
    """Everything the day loop reads and updates."""

    def __init__(self, persons: int, days: int, end_date: dt.date, seed: int):
        self.seed = seed
        self.window = Window(start=end_date - dt.timedelta(days=days - 1), days=days)
        self.plan = TrackingPlan.read()
        self.population: Population = build_population(
            self.random_stream(0, STREAM_POPULATION), persons, days, self.window.start_epoch_day, seed)
        self.catalog: Catalog = build_catalog(self.random_stream(0, STREAM_CATALOG))
        population = self.population
        count = population.count
        random = self.random_stream(1, STREAM_POPULATION)
        self.favorite_category = random.choice(len(self.catalog.category_names), size=count,
                                            p=self.catalog.category_shares / self.catalog.category_shares.sum())
        self.is_test = population.kind == KIND_TEST
        self.is_bot = population.kind == KIND_BOT
        # Running state.
        self.has_account = population.will_have_account & (population.first_seen_day < 0)
        self.seen_online = population.first_seen_day < 0
        self.last_session_end_ms = np.full(count, np.iinfo(np.int64).min // 2, dtype=np.int64)
        self.campaign_boost_until_ms = np.zeros(count, dtype=np.int64)
        self.campaign_coupon = np.full(count, -1, dtype=np.int32)
        self.event_serial = 0
        self.order_serial = 0
        self.history_order_serial = HISTORY_FIRST_ORDER_SERIAL
        self.ticket_serial = 0
        self.touch_serial = 0

    def random_stream(self, day: int, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, stream, day])

    def next_serials(self, name: str, count: int) -> np.ndarray:
        """`count` fresh serial numbers from the named counter."""
        first = getattr(self, name)
        setattr(self, name, first + count)
        return np.arange(first, first + count, dtype=np.int64)
