"""Erasure requests (right to be forgotten): a few real shoppers ask to be forgotten near the window's end.

Each request names one identifier the person showed in clean rows, typed as a person would give it (a
phone with spaces and dashes, an e-mail in capitals), so staging must normalize it before hashing. The
privacy desk's export repeats one request the next day (a duplicate) and carries one request the warehouse
cannot act on (an identifier type the identity graph does not know).

Persons are drawn from real shoppers outside every campaign audience and the checkout experiment, whose
identifier is theirs alone: forgetting them leaves the campaign and experiment truths as they are.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orchestration.demo_data import defects
from orchestration.demo_data.population import KIND_HUMAN
from orchestration.demo_data.text import SHANGHAI_OFFSET_MS, format_timestamps
from orchestration.demo_data.world import STREAM_ERASURES, World

# How many persons are forgotten through each kind of identifier.
ERASURES_BY_IDENTIFIER = (("phone", 2), ("email", 2), ("user_id", 2), ("crm_id", 2))
# Requests arrive over the last days of the window.
REQUEST_DAYS = 14
SOURCE = "erasure_requests"
FILE_NAME = "erasure_requests.csv"


def _identifier_values(world: World, kind: str) -> np.ndarray:
    """The normal form of every person's identifier of `kind` (None where the person has none)."""
    population = world.population
    if kind == "phone":
        return np.array([f"+86{number}" if number else None for number in population.phone_number], dtype=object)
    return np.array(getattr(population, kind).to_pylist(), dtype=object)


def _as_given(kind: str, value: str, number: int) -> str:
    """The identifier as a person would type it: phones with separators, e-mails in capitals."""
    if kind == "phone":
        digits = value[3:]
        if number % 2:
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if kind == "email":
        return value.upper() if number % 2 else value.capitalize()
    return value


def choose_erasures(world: World, seen: dict[str, np.ndarray], untouchable: np.ndarray,
                    random: np.random.Generator) -> list[tuple[int, str, str]]:
    """(person, identifier type, normal-form value) of the persons to forget, at most the planned number per
    type, each person once: real shoppers the truth saw with that identifier, not `untouchable`, whose value
    no other person shares."""
    population = world.population
    chosen: list[tuple[int, str, str]] = []
    taken = untouchable.copy()
    for kind, count in ERASURES_BY_IDENTIFIER:
        values = _identifier_values(world, kind)
        present = np.array([value is not None for value in values])
        _, first, counts = np.unique(values[present].astype(str), return_index=True, return_counts=True)
        unique_value = np.zeros(population.count, dtype=bool)
        unique_value[np.flatnonzero(present)[first[counts == 1]]] = True
        candidates = np.flatnonzero(
            (population.kind == KIND_HUMAN) & seen[kind] & unique_value & ~taken
        )
        picks = random.choice(candidates, size=min(count, len(candidates)), replace=False) if len(candidates) else []
        for person in sorted(int(person) for person in picks):
            chosen.append((person, kind, str(values[person])))
            taken[person] = True
    return chosen


def build_erasure_requests(world: World, chosen: list[tuple[int, str, str]],
                           random: np.random.Generator) -> tuple[pa.Table, np.ndarray, np.ndarray, list[dict]]:
    """The export rows in file order, each row's window day and defect code, and the truth of each request."""
    window = world.window
    first_day = max(0, window.days - REQUEST_DAYS)
    days = np.sort(random.integers(first_day, window.days, len(chosen)))
    requested_ms = np.array([window.day_start_ms(int(day)) for day in days], dtype=np.int64)
    requested_ms += random.integers(9 * 3_600_000, 18 * 3_600_000, len(chosen))
    stamps = format_timestamps(requested_ms, offset_ms=SHANGHAI_OFFSET_MS, suffix=b"+08:00",
                               milliseconds=False).to_pylist()
    rows, truth = [], []
    for number, ((person, kind, value), day, stamp) in enumerate(zip(chosen, days, stamps), start=1):
        request_id = f"ER{number:05d}"
        rows.append({"request_id": request_id, "identifier_type": kind,
                     "identifier_value": _as_given(kind, value, number), "requested_at": stamp,
                     "note": "customer asked by phone" if number % 2 else "", "day": int(day),
                     "defect": defects.CLEAN})
        truth.append({"request_id": request_id, "true_person_id": world.population.true_person_id[person].as_py(),
                      "identifier_type": kind, "identifier_value": value, "requested_at": stamp})
    if rows:
        # The desk's export repeats the first request the day after, and passes on one it cannot act on.
        repeated = dict(rows[0], day=min(rows[0]["day"] + 1, window.days - 1), defect=defects.DUPLICATE)
        unknown = dict(rows[-1], request_id=f"ER{len(rows) + 1:05d}", identifier_type="passport",
                       identifier_value="E12345678", note="", defect=defects.INVALID_IDENTIFIER)
        rows.extend([repeated, unknown])
    rows.sort(key=lambda row: row["day"])
    day = np.array([row["day"] for row in rows], dtype=np.int64)
    defect = np.array([row["defect"] for row in rows], dtype=np.int8)
    columns = ("request_id", "identifier_type", "identifier_value", "requested_at", "note")
    table = pa.table({name: pa.array([row[name] for row in rows], pa.string()) for name in columns})
    return table, day, defect, truth


def write_erasure_requests(world: World, ledger, writer) -> None:
    """Choose the persons, write one CSV per request day under erasure_requests/, tell the truth ledger."""
    random = world.random_stream(0, STREAM_ERASURES)
    untouchable = ledger.experiment_exposed.copy()
    for outcome in ledger.outcomes:
        untouchable[outcome.touched] = True
        untouchable[outcome.holdout] = True
    chosen = choose_erasures(world, ledger.seen, untouchable, random)
    table, days, defect, truth = build_erasure_requests(world, chosen, random)
    for day in np.unique(days):
        writer.write_csv(SOURCE, str(world.window.date(int(day))), FILE_NAME,
                         table.filter(pa.array(days == day)))
    ledger.record_erasures([person for person, _, _ in chosen], truth)
    ledger.count_rows(SOURCE, defect)
