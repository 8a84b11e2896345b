"""Customer-service tickets: delivery questions after orders, refund requests, account trouble."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_data import defects
from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.commerce import PAID, STORE_CHANNEL
from orchestration.demo_data.contacts import draw_phone_formats, type_phones
from orchestration.demo_data.crm import CrmState
from orchestration.demo_data.text import choose, format_digits, format_integers, format_timestamps, mask_rows
from orchestration.demo_data.world import STREAM_TICKETS, World

DELIVERY, REFUND, PRODUCT_QUALITY, ACCOUNT, OTHER = range(5)
PHONE_CHANNEL, WECHAT_CHANNEL, EMAIL_CHANNEL, IN_APP_CHANNEL = range(4)
TICKETS_PER_ORDER = 0.05
TICKETS_PER_REFUND = 0.35
TICKETS_PER_PERSON_DAY = 0.0006
OUT_OF_RANGE_SCORES = ("0", "7", "6", "-1", "10")
NON_NUMERIC_SCORES = ("abc", "五", "N/A", "4分", "good")


def open_tickets(world: World, day: int, crm: CrmState, new_orders: Columns, refunds: Columns) -> Columns:
    """Tickets opened because of today's orders (a few days later), refunds, and everyday questions."""
    population = world.population
    random = world.random_stream(day, STREAM_TICKETS)
    day_start = world.window.day_start_ms(day)
    paid_online = np.flatnonzero((new_orders["status"] == PAID) & (new_orders["channel"] != STORE_CHANNEL)
                                 & (new_orders["person"] >= 0))
    after_order = paid_online[random.random(len(paid_online)) < TICKETS_PER_ORDER]
    order_people = new_orders["person"][after_order]
    order_created = (new_orders["ordered_ms"][after_order] + random.integers(1, 5, len(after_order)) * 86_400_000
                     + random.integers(-6, 6, len(after_order)) * 3_600_000)
    order_category = np.where(random.random(len(after_order)) < 0.6, DELIVERY, PRODUCT_QUALITY)

    known_refunds = np.flatnonzero(refunds["person"] >= 0)
    refund_rows = known_refunds[random.random(len(known_refunds)) < TICKETS_PER_REFUND]
    refund_people = refunds["person"][refund_rows]
    refund_created = np.maximum(refunds["row_ms"][refund_rows] - random.integers(10, 600, len(refund_rows)) * 60_000,
                                day_start)

    known = (world.seen_online | crm.registered) & (population.kind == 0)
    everyday = np.flatnonzero(known & (random.random(population.count) < TICKETS_PER_PERSON_DAY))
    everyday_created = day_start + random.integers(8 * 3_600_000, 23 * 3_600_000, len(everyday))
    everyday_category = random.choice([ACCOUNT, OTHER, DELIVERY], size=len(everyday), p=[0.45, 0.4, 0.15])

    person = np.concatenate([order_people, refund_people, everyday]).astype(np.int64)
    created = np.concatenate([order_created, refund_created, everyday_created]).astype(np.int64)
    category = np.concatenate([order_category, np.full(len(refund_rows), REFUND), everyday_category]).astype(np.int64)
    keep = created < world.window.end_ms - 60_000
    person, created, category = person[keep], created[keep], category[keep]
    count = len(person)
    channel = random.choice(4, size=count, p=[0.3, 0.35, 0.1, 0.25])
    has_phone_number = population.phone_number[person] > 0
    has_crm = crm.registered[person] & (random.random(count) < 0.85)
    has_phone = has_phone_number & ((channel == PHONE_CHANNEL) | (random.random(count) < 0.4))
    written = np.isin(channel, (EMAIL_CHANNEL, IN_APP_CHANNEL))
    has_user = world.has_account[person] & (written | (random.random(count) < 0.3))
    # Service always knows someone by at least one identifier.
    nothing = ~(has_crm | has_phone | has_user)
    has_phone |= nothing & has_phone_number
    has_user |= nothing & ~has_phone_number & world.has_account[person]
    has_crm |= nothing & ~has_phone_number & ~world.has_account[person] & crm.registered[person]
    resolved = random.random(count) < 0.85
    resolved_ms = created + np.clip(random.lognormal(np.log(6 * 3_600_000), 1.0, count), 600_000, 20 * 86_400_000
                                    ).astype(np.int64)
    resolved &= resolved_ms < world.window.end_ms
    weights = np.array(words.TICKET_SATISFACTION_WEIGHTS)[category]
    cumulative = np.cumsum(weights, axis=1)
    score = 1 + (random.random(count)[:, None] * cumulative[:, -1:] > cumulative).sum(axis=1)
    scored = resolved & (random.random(count) < 0.45)
    return Columns(
        ticket_serial=world.next_serials("ticket_serial", count),
        person=person,
        created_ms=created,
        resolved_ms=np.where(resolved, resolved_ms, -1),
        channel=channel.astype(np.int64),
        category=category,
        score=np.where(scored, score, 0),
        content=random.integers(0, 4, count),
        has_crm=has_crm,
        has_phone=has_phone,
        has_user=has_user,
        phone_format=draw_phone_formats(random, count),
        defect=np.zeros(count, dtype=np.int8),
        defect_detail=np.zeros(count, dtype=np.int64),
    )


def build_ticket_table(world: World, tickets: Columns) -> pa.Table:
    """tickets.csv rows as text columns, with the damaged satisfaction scores of defect rows."""
    population = world.population
    person = pa.array(tickets["person"])
    score = mask_rows(format_integers(tickets["score"]), tickets["score"] > 0)
    defect, detail = tickets["defect"], tickets["defect_detail"]
    out_of_range = defect == defects.INVALID_VALUE
    non_numeric = defect == defects.TYPE_MISMATCH
    if out_of_range.any():
        score = pc.if_else(pa.array(out_of_range), choose(OUT_OF_RANGE_SCORES, detail % 5), score)
    if non_numeric.any():
        score = pc.if_else(pa.array(non_numeric), choose(NON_NUMERIC_SCORES, detail % 5), score)
    texts = [text for category in words.TICKET_TEXTS for text in category]
    resolved = tickets["resolved_ms"]
    return pa.table({
        "ticket_id": format_digits(tickets["ticket_serial"] + 500_000, 8, b"TK"),
        "crm_id": mask_rows(population.crm_id.take(person), tickets["has_crm"]),
        "phone": mask_rows(type_phones(population.phone_number[tickets["person"]], tickets["phone_format"]),
                           tickets["has_phone"]),
        "user_id": mask_rows(population.user_id.take(person), tickets["has_user"]),
        "created_at": format_timestamps(tickets["created_ms"], milliseconds=False),
        "resolved_at": mask_rows(format_timestamps(np.maximum(resolved, 0), milliseconds=False), resolved >= 0),
        "channel": choose(words.TICKET_CHANNELS, tickets["channel"]),
        "category": choose(words.TICKET_CATEGORIES, tickets["category"]),
        "csat_score": score,
        "content": choose(texts, tickets["category"] * 4 + tickets["content"]),
    })
