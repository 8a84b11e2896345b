"""The mess real data has, injected on purpose and counted exactly.

Every damaged row is an extra row: a copy of a clean row of the same day (same folder) that is then
damaged in exactly one way (or, for duplicates, left identical). The clean rows therefore stay exactly
the simulated business, and each reason count in mess.json is the number of rows carrying it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orchestration.demo_data import defects
from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.behavior import EVENT, PAGE, SCREEN, TRACK, TRACK_EVENTS
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.world import World

DAY_MS = 86_400_000
# Share of clean rows copied into each defect, per source.
EVENT_DEFECT_SHARES = {
    defects.DUPLICATE: 0.01,
    defects.MALFORMED_RECORD: 0.0005,
    defects.BAD_TIMESTAMP: 0.0005,
    defects.FUTURE_TIMESTAMP: 0.002,
    defects.TOO_LATE: 0.001,
    defects.UNPLANNED_EVENT: 0.003,
    defects.MISSING_REQUIRED: 0.002,
    defects.TYPE_MISMATCH: 0.002,
    defects.INVALID_IDENTIFIER: 0.0005,
}
ORDER_DEFECT_SHARES = {
    defects.DUPLICATE: 0.005,
    defects.TYPE_MISMATCH: 0.002,
    defects.INVALID_AMOUNT: 0.002,
    defects.INVALID_VALUE: 0.001,
}
ITEM_DUPLICATE_SHARE = 0.003
CUSTOMER_DUPLICATE_SHARE = 0.01
TICKET_DEFECT_SHARES = {defects.INVALID_VALUE: 0.0025, defects.TYPE_MISMATCH: 0.0025}
# Browsing calls are the ones copied into damaged rows; checkout and order calls never are.
BROWSE_EVENTS = np.array([EVENT[name] for name in (
    "Products Searched", "Product List Viewed", "Product Viewed", "Promotion Viewed", "Application Opened",
    "Product Added")])
TYPED_EVENTS = np.array([EVENT[name] for name in (
    "Products Searched", "Product List Viewed", "Product Viewed", "Promotion Viewed", "Product Added")])


def _draw_rows(random: np.random.Generator, candidates: np.ndarray, share: float, base: int) -> np.ndarray:
    """About share * base rows drawn from candidates (with replacement when there are few)."""
    wanted = random.binomial(base, share) if base else 0
    if wanted == 0 or len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(random.choice(candidates, size=wanted, replace=wanted > len(candidates)))


def damage_events(world: World, events: Columns, random: np.random.Generator) -> Columns:
    """Damaged copies of today's clean calls (clean = no defect, sent and received on the same day)."""
    window = world.window
    clean = (events["defect"] == defects.CLEAN) & (events["trait_defect"] == defects.TRAIT_CLEAN)
    same_day = window.day_of(events["timestamp_ms"]) == window.day_of(events["received_ms"])
    clean &= same_day & ~events["is_server"]
    base = int(clean.sum())
    kind, code = events["kind"], events["code"]
    track = kind == TRACK
    browse = clean & (((kind == PAGE) | (kind == SCREEN)) | (track & np.isin(code, BROWSE_EVENTS)))
    browse_track = browse & track
    typed = clean & track & np.isin(code, TYPED_EVENTS)
    pools = {
        defects.DUPLICATE: np.flatnonzero(clean),
        defects.MALFORMED_RECORD: np.flatnonzero(browse),
        defects.BAD_TIMESTAMP: np.flatnonzero(browse),
        defects.FUTURE_TIMESTAMP: np.flatnonzero(browse),
        defects.TOO_LATE: np.flatnonzero(browse),
        defects.UNPLANNED_EVENT: np.flatnonzero(browse_track),
        defects.MISSING_REQUIRED: np.flatnonzero(typed),
        defects.TYPE_MISMATCH: np.flatnonzero(typed),
        defects.INVALID_IDENTIFIER: np.flatnonzero(browse),
    }
    copies = []
    for reason, share in EVENT_DEFECT_SHARES.items():
        rows = _draw_rows(random, pools[reason], share, base)
        if not len(rows):
            continue
        copy = events.take(rows)
        count = len(rows)
        copy["defect"] = np.full(count, reason, dtype=np.int8)
        copy["defect_detail"] = random.integers(0, 1 << 20, count)
        if reason != defects.DUPLICATE:
            copy["serial"] = world.next_serials("event_serial", count)
        received = copy["received_ms"]
        if reason == defects.FUTURE_TIMESTAMP:
            # The device clock runs ahead: its timestamp lies 11 minutes to 3 days after receipt.
            copy["timestamp_ms"] = received + random.integers(11 * 60_000, 3 * DAY_MS, count)
            copy["sent_ms"] = received - random.integers(50, 900, count)
        elif reason == defects.TOO_LATE:
            # A device held these calls for more than 30 days before sending them.
            copy["timestamp_ms"] = received - random.integers(31 * DAY_MS, 75 * DAY_MS, count)
            copy["sent_ms"] = received - random.integers(50, 900, count)
        elif reason == defects.UNPLANNED_EVENT:
            copy["code"] = (len(TRACK_EVENTS) + random.integers(0, len(words.UNPLANNED_EVENTS), count)).astype(
                copy["code"].dtype)
        elif reason == defects.INVALID_IDENTIFIER:
            copy["has_anonymous"] = np.zeros(count, dtype=bool)
            copy["has_user"] = np.zeros(count, dtype=bool)
        copies.append(copy)
    return Columns.concat(copies)


def truncate_lines(lines: pa.Array, random: np.random.Generator) -> pa.Array:
    """Cut each line somewhere in its middle (a proper prefix of a JSON object never parses)."""
    texts = lines.to_pylist()
    fractions = random.uniform(0.2, 0.8, len(texts))
    return pa.array([text[: max(5, int(len(text) * fraction))] + "\n" for text, fraction in zip(texts, fractions)],
                    pa.string())


def damage_orders(world: World, orders: Columns, random: np.random.Generator,
                  serial_counter: str = "order_serial") -> Columns:
    """Exact re-exported rows, and new order numbers (from the world's `serial_counter`) with a non-numeric
    amount, a negative total or an unknown status. Rows with a mistyped phone are never copied, so each copy
    has one problem only."""
    clean = np.flatnonzero(orders["phone_defect"] == 0)
    copies = []
    for reason, share in ORDER_DEFECT_SHARES.items():
        rows = _draw_rows(random, clean, share, len(orders))
        if not len(rows):
            continue
        copy = orders.take(rows)
        copy["defect"] = np.full(len(rows), reason, dtype=np.int8)
        copy["defect_detail"] = random.integers(0, 1 << 20, len(rows))
        if reason != defects.DUPLICATE:
            copy["order_serial"] = world.next_serials(serial_counter, len(rows))
        copies.append(copy)
    return Columns.concat(copies)


def damage_items(items: Columns, random: np.random.Generator) -> Columns:
    rows = _draw_rows(random, np.arange(len(items)), ITEM_DUPLICATE_SHARE, len(items))
    copy = items.take(rows)
    copy["defect"] = np.full(len(rows), defects.DUPLICATE, dtype=np.int8)
    return copy


def damage_customers(versions: Columns, random: np.random.Generator) -> Columns:
    clean = np.flatnonzero((versions["phone_defect"] == 0) & (versions["email_defect"] == 0))
    rows = _draw_rows(random, clean, CUSTOMER_DUPLICATE_SHARE, len(versions))
    copy = versions.take(rows)
    copy["defect"] = np.full(len(rows), defects.DUPLICATE, dtype=np.int8)
    return copy


def damage_tickets(world: World, tickets: Columns, random: np.random.Generator) -> Columns:
    copies = []
    for reason, share in TICKET_DEFECT_SHARES.items():
        rows = _draw_rows(random, np.arange(len(tickets)), share, len(tickets))
        if not len(rows):
            continue
        copy = tickets.take(rows)
        copy["defect"] = np.full(len(rows), reason, dtype=np.int8)
        copy["defect_detail"] = random.integers(0, 1 << 20, len(rows))
        copy["ticket_serial"] = world.next_serials("ticket_serial", len(rows))
        copies.append(copy)
    return Columns.concat(copies)
