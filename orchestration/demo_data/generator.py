"""The day loop: simulate one day, write what was exported that day, keep the truth, repeat."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.demo_data import defects
from orchestration.demo_data.behavior import (
    EVENT,
    Day,
    annotate_events,
    choose_products,
    compact_events,
    create_blank_events,
    deliver,
    describe_day,
    expand_events,
    plan_sessions,
    price_baskets,
    shape_sessions,
    time_sessions,
    update_devices,
)
from orchestration.demo_data.campaigns import (
    Campaign,
    assign_holdout_touches,
    build_touch_table,
    plan_campaigns,
    send_campaign,
)
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.commerce import (
    PAID,
    REFUNDED,
    STORE_CHANNEL,
    create_online_orders,
    plan_store_visits,
    ring_up_store_orders,
    schedule_refunds,
)
from orchestration.demo_data.crm import CrmState, record_customer_versions, render_customer_lines
from orchestration.demo_data.erasures import write_erasure_requests
from orchestration.demo_data.history import write_order_history
from orchestration.demo_data.mess import (
    damage_customers,
    damage_events,
    damage_tickets,
    truncate_lines,
)
from orchestration.demo_data.rendering import EventRenderer
from orchestration.demo_data.support import build_ticket_table, open_tickets
from orchestration.demo_data.truth import TruthLedger
from orchestration.demo_data.world import STREAM_DAY, STREAM_MESS, STREAM_TRUNCATION, World
from orchestration.demo_data.writers import LINES_PER_PART, Outbox, RawWriter, export_orders

# Bumped when the same parameters start to produce different data (2: the order history before the window,
# 3: erasure requests), so cached data sets (make bench) are regenerated.
GENERATOR_VERSION = 3
DEFAULT_PERSONS = 4000
DEFAULT_DAYS = 90
DEFAULT_END_DATE = "2026-10-31"
DEFAULT_SEED = 42


def _keep_sessions(sessions: Columns, events: Columns, slots: Columns,
                   keep: np.ndarray) -> tuple[Columns, Columns, Columns]:
    """Drop sessions (and their calls and product slots), renumbering the rest."""
    new_index = np.cumsum(keep) - 1
    events = events.take(np.flatnonzero(keep[events["session"]]))
    events["session"] = new_index[events["session"]]
    slots = slots.take(np.flatnonzero(keep[slots["session"]]))
    slots["session"] = new_index[slots["session"]]
    return sessions.take(np.flatnonzero(keep)), events, slots


def _create_refund_events(world: World, refunds: Columns, random: np.random.Generator) -> Columns:
    """Server-side Order Refunded calls for refunded online orders."""
    online = refunds.take(np.flatnonzero((refunds["channel"] != STORE_CHANNEL) & (refunds["person"] >= 0)))
    count = len(online)
    events = create_blank_events(count)
    events["person"] = online["person"]
    events["platform"] = online["platform"]
    events["code"] = np.full(count, EVENT["Order Refunded"])
    events["has_user"] = np.ones(count, dtype=bool)
    events["timestamp_ms"] = online["row_ms"]
    events["sent_ms"] = online["row_ms"] + random.integers(20, 400, count)
    events["received_ms"] = events["sent_ms"] + random.integers(20, 300, count)
    events["order_serial"] = online["order_serial"]
    events["total_cents"] = online["total_cents"]
    events["is_server"] = np.ones(count, dtype=bool)
    events["serial"] = world.next_serials("event_serial", count)
    return events


class Progress:
    """Prints a line about every tenth of the days, then a one-line summary."""

    def __init__(self, days: int, report: Callable[[str], None] | None):
        self.days = days
        self.report = report
        self.started = time.perf_counter()
        self.every = max(1, round(days / 10))

    def day_done(self, day: int, date: dt.date, events: int) -> None:
        if self.report and ((day + 1) % self.every == 0 or day + 1 == self.days):
            elapsed = time.perf_counter() - self.started
            self.report(f"demo data: day {day + 1:>4}/{self.days} ({date}) {events:>12,} events "
                        f"{elapsed:7.1f}s {events / max(elapsed, 1e-9):>10,.0f} events/s")


def generate(out_dir: str | Path, persons: int = DEFAULT_PERSONS, days: int = DEFAULT_DAYS,
             end_date: str | dt.date = DEFAULT_END_DATE, seed: int = DEFAULT_SEED,
             report: Callable[[str], None] | None = None) -> dict:
    """Write DIR/raw (the raw data contract) and DIR/truth (its ground truth); return a summary.

    Output depends only on the arguments: the same arguments give byte-identical files (summary.json's
    timings aside). `report` receives progress lines (the CLI prints them on stderr).
    """
    if persons < 10 or days < 1:
        raise ValueError("need at least 10 persons and 1 day")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    end = end_date if isinstance(end_date, dt.date) else dt.date.fromisoformat(str(end_date))
    raw_dir, truth_dir = out_dir / "raw", out_dir / "truth"
    for folder in (raw_dir, truth_dir):
        if folder.exists():
            shutil.rmtree(folder)

    world = World(persons, days, end, seed)
    campaigns = plan_campaigns(world)
    campaigns_by_day = {campaign.send_day: campaign for campaign in campaigns}
    renderer = EventRenderer(world, campaigns)
    crm = CrmState.start(world)
    ledger = TruthLedger(world)
    writer = RawWriter(raw_dir)
    outboxes = {name: Outbox() for name in ("events", "orders", "order_items", "tickets")}
    progress = Progress(days, report)

    writer.write_parquet("products", None, "products.parquet", world.catalog.table())
    ledger.count_rows("products", np.zeros(len(world.catalog), dtype=np.int8))
    try:
        # The order system's year before the window: its own random stream and order numbers, so the
        # window's files are the same with or without it.
        order_history = write_order_history(world, campaigns, ledger, writer)
        for day_index in range(days):
            day = describe_day(world, day_index)
            date = world.window.date(day_index)
            _simulate_day(world, day, str(date), campaigns_by_day.get(day_index), renderer, crm, ledger, writer,
                          outboxes)
            progress.day_done(day_index, date, ledger.rows_written["events"])
        write_erasure_requests(world, ledger, writer)
    finally:
        writer.close()
    leftovers = {name: box.leftover_days() for name, box in outboxes.items() if box.leftover_days()}
    if leftovers:
        raise RuntimeError(f"rows left unexported after the last day: {leftovers}")

    elapsed = time.perf_counter() - started
    events = int(ledger.rows_written["events"])
    summary = {
        "parameters": {"persons": persons, "days": days, "end_date": str(end), "seed": seed,
                       "start_date": str(world.window.start), "generator_version": GENERATOR_VERSION},
        "rows": {source: int(count) for source, count in sorted(ledger.rows_written.items())},
        "files": {source: int(count) for source, count in sorted(writer.files.items())},
        "bytes": {source: int(count) for source, count in sorted(writer.bytes.items())},
        "events": events,
        "order_history": order_history,
        "elapsed_seconds": round(elapsed, 3),
        "events_per_second": round(events / elapsed, 1) if elapsed else None,
        "raw_dir": str(raw_dir),
        "truth_dir": str(truth_dir),
    }
    ledger.write(truth_dir, summary)
    summary["elapsed_seconds"] = round(time.perf_counter() - started, 3)
    return summary


def _simulate_day(world: World, day: Day, date: str, campaign: Campaign | None, renderer: EventRenderer,
                  crm: CrmState, ledger: TruthLedger, writer: RawWriter, outboxes: dict[str, Outbox]) -> None:
    """Simulate one day and write every file exported that day."""
    random = world.random_stream(day.index, STREAM_DAY)
    mess_random = world.random_stream(day.index, STREAM_MESS)
    touches = _send_campaign(world, campaign, crm, ledger, writer, date) if campaign is not None else None
    versions = record_customer_versions(world, day.index, crm)
    visits = plan_store_visits(world, day)
    sessions, slots, events = _simulate_online(world, day, touches, visits, random)

    # Orders wait in the outbox for the day they are exported (cancellations and refunds come later).
    online, online_items = create_online_orders(world, sessions, slots, events, random)
    store, store_items = ring_up_store_orders(world, day, visits)
    new_orders = Columns.concat([online, store])
    new_items = Columns.concat([online_items, store_items])
    latest = world.window.end_ms - 1_000
    new_orders["row_ms"] = np.minimum(new_orders["row_ms"], latest)
    new_items["row_ms"] = np.minimum(new_items["row_ms"], latest)
    new_orders["defect"] = np.zeros(len(new_orders), dtype=np.int8)
    new_orders["defect_detail"] = np.zeros(len(new_orders), dtype=np.int64)
    new_items["defect"] = np.zeros(len(new_items), dtype=np.int8)
    orders_to_route = Columns.concat([new_orders, schedule_refunds(world, new_orders, random)])
    today_orders = _route(outboxes["orders"], orders_to_route, orders_to_route["row_ms"], world, day)
    today_items = _route(outboxes["order_items"], new_items, new_items["row_ms"], world, day)
    paid = (new_orders["status"] == PAID) & (new_orders["person"] >= 0)
    ledger.observe_purchases(new_orders["person"][paid], new_orders["ordered_ms"][paid])
    refunds_today = (today_orders.take(np.flatnonzero(today_orders["status"] == REFUNDED)) if len(today_orders)
                     else new_orders.take(np.zeros(0, dtype=np.int64)))
    tickets = open_tickets(world, day.index, crm, new_orders, refunds_today)
    today_tickets = _route(outboxes["tickets"], tickets, tickets["created_ms"], world, day)

    calls = compact_events(Columns.concat([events, _create_refund_events(world, refunds_today, random)]))
    del events
    _export_events(world, day, date, calls, renderer, ledger, writer, outboxes["events"], mess_random)
    del calls
    _export_tables(world, date, today_orders, today_items, versions, today_tickets, renderer, crm, ledger, writer,
                   mess_random)
    ledger.observe_sessions(sessions)
    update_devices(world, sessions)


def _send_campaign(world: World, campaign: Campaign, crm: CrmState, ledger: TruthLedger, writer: RawWriter,
                   date: str) -> Columns:
    touches, touched, sent_ms, holdout = send_campaign(world, campaign, crm)
    ledger.register_campaign(campaign, touched, sent_ms, holdout)
    # The export lists the control group too (holdout: true), after the sent touches.
    records = Columns.concat([touches, assign_holdout_touches(world, campaign, holdout)])
    if len(records):
        writer.write_parquet("campaign_touches", date, "touches.parquet",
                             build_touch_table(world, campaign, records, crm))
        ledger.observe_touches(records)
        ledger.count_rows("campaign_touches", np.zeros(len(records), dtype=np.int8))
    return touches


def _simulate_online(world: World, day: Day, touches: Columns | None, visits: Columns,
                     random: np.random.Generator) -> tuple[Columns, Columns, Columns]:
    """Today's sessions, their product slots and their calls (timed, delivered, annotated)."""
    sessions = shape_sessions(world, day, plan_sessions(world, day, touches, visits))
    slots = choose_products(world, sessions, random)
    price_baskets(world, sessions, slots, random)
    events = expand_events(world, day, sessions, slots, random)
    keep = time_sessions(world, day, sessions, events, random)
    if not keep.all():
        sessions, events, slots = _keep_sessions(sessions, events, slots, keep)
    checkout = np.flatnonzero(sessions["checkout"])
    sessions["order_serial"] = np.full(len(sessions), -1, dtype=np.int64)
    sessions["order_serial"][checkout] = world.next_serials("order_serial", len(checkout))
    deliver(world, day, sessions, events, random)
    annotate_events(world, day, sessions, events, random)
    return sessions, slots, events


def _route(outbox: Outbox, rows: Columns, row_ms: np.ndarray, world: World, day: Day) -> Columns:
    """Put rows in the outbox by the day of row_ms and take out what is exported today."""
    outbox.add(rows, world.window.day_of(row_ms), day.index)
    return outbox.pop(day.index)


def _export_events(world: World, day: Day, date: str, calls: Columns, renderer: EventRenderer, ledger: TruthLedger,
                   writer: RawWriter, outbox: Outbox, mess_random: np.random.Generator) -> None:
    """Clean calls, bots and damaged copies wait in the outbox for the day they are received; that day's
    calls are rendered (in the background) in order of receipt."""
    ledger.observe_events(calls)
    damaged = compact_events(damage_events(world, calls, mess_random))
    for rows in (calls, damaged):
        outbox.add(rows, world.window.day_of(rows["received_ms"]), day.index)
    del calls, damaged
    today = outbox.pop(day.index, sort_by="received_ms")
    if not len(today):
        return
    truncation_random = world.random_stream(day.index, STREAM_TRUNCATION)

    def batches() -> Iterator[pa.Array]:
        # Rendering reads only these rows and run-constant lookups, so it can run beside the next day;
        # the malformed lines get a small file of their own.
        malformed = today["defect"] == defects.MALFORMED_RECORD
        for start in range(0, len(today), LINES_PER_PART):
            chunk = today.slice(start, start + LINES_PER_PART)
            yield renderer.render(chunk.take(np.flatnonzero(~malformed[start:start + LINES_PER_PART])))
        if malformed.any():
            yield truncate_lines(renderer.render(today.take(np.flatnonzero(malformed))), truncation_random)

    writer.write_events(date, batches)
    clean = today["defect"] == defects.CLEAN
    event_day = world.window.day_of(today["timestamp_ms"])
    ledger.count_rows("events", today["defect"], {
        "late_arrivals": int((clean & (event_day < day.index)).sum()),
        "invalid_phone": int((clean & (today["trait_defect"] == defects.TRAIT_INVALID_PHONE)).sum()),
        "invalid_email": int((clean & (today["trait_defect"] == defects.TRAIT_INVALID_EMAIL)).sum()),
    })


def _export_tables(world: World, date: str, orders: Columns, items: Columns, versions: Columns, tickets: Columns,
                   renderer: EventRenderer, crm: CrmState, ledger: TruthLedger, writer: RawWriter,
                   mess_random: np.random.Generator) -> None:
    """Today's orders, order items, CRM versions and tickets, each with its damaged copies."""
    export_orders(world, writer, ledger, orders, items, renderer.campaigns, mess_random, date)
    if len(versions):
        rows = Columns.concat([versions, damage_customers(versions, mess_random)])
        rows = rows.take(np.argsort(rows["updated_ms"], kind="stable"))
        writer.write_json_lines("customers", date, "customers.jsonl", render_customer_lines(world, rows, crm))
        ledger.observe_customers(rows)
        clean = rows["defect"] == defects.CLEAN
        ledger.count_rows("customers", rows["defect"], {
            "invalid_phone": int((clean & (rows["phone_defect"] > 0)).sum()),
            "invalid_email": int((clean & (rows["email_defect"] > 0)).sum()),
        })
    if len(tickets):
        rows = Columns.concat([tickets, damage_tickets(world, tickets, mess_random)])
        rows = rows.take(np.argsort(rows["created_ms"], kind="stable"))
        writer.write_csv("tickets", date, "tickets.csv", build_ticket_table(world, rows))
        ledger.observe_tickets(rows)
        ledger.count_rows("tickets", rows["defect"])


def main_report(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
