"""Orders and their line items: online checkouts, store visits, walk-ins, cancellations and refunds."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_data import defects
from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.behavior import EVENT, Day, measure_activity
from orchestration.demo_data.campaigns import STORE_BOOST, Campaign, format_coupon_codes
from orchestration.demo_data.columns import Columns, number_within_groups
from orchestration.demo_data.contacts import draw_phone_formats, garble_phones, type_phones
from orchestration.demo_data.population import CHANNEL_CODES
from orchestration.demo_data.rhythm import STORE_HOURS, normalize_hours, weigh_store_day
from orchestration.demo_data.text import (
    SHANGHAI_OFFSET_MS,
    choose,
    format_integers,
    format_money,
    format_timestamps,
    mask_rows,
)
from orchestration.demo_data.world import STREAM_STORE_ORDERS, STREAM_STORES, World

WEB_CHANNEL, APP_CHANNEL, MINI_PROGRAM_CHANNEL, STORE_CHANNEL = 0, 1, 2, 3
CHANNEL_NAMES = ("web", "app", "mini_program", "store")
PAID, REFUNDED, CANCELLED = 0, 1, 2
STATUS_NAMES = ("paid", "refunded", "cancelled")
UNKNOWN_STATUSES = ("pending_review", "unknown", "已支付", "shipped")
NON_NUMERIC_AMOUNTS = ("N/A", "１２３", "１２３.００", "abc", "12,30", "--")
REFUND_SHARE = 0.08
CANCEL_DELAY_MS = 30 * 60_000
INVALID_PHONE_SHARE = 0.01


def format_order_ids(serials: np.ndarray) -> pa.Array:
    """Order number text of order serials: 'SO' and ten digits."""
    return pc.binary_join_element_wise("SO", format_integers(np.asarray(serials) + 2_600_000_000), "")


def assign_identifiers(world: World, orders: Columns, random: np.random.Generator) -> None:
    """Which of user_id / member_id / phone each order row carries, and how the phone is typed."""
    population = world.population
    count = len(orders)
    person = np.maximum(orders["person"], 0)
    walk_in = orders["person"] < 0
    store = orders["channel"] == STORE_CHANNEL
    member = population.is_member[person] & ~walk_in
    phone = (population.phone_number[person] > 0) & ~walk_in
    has_user = ~store & ~walk_in
    has_member = member & (random.random(count) < np.where(store, 0.75, 0.6))
    has_phone = phone & (random.random(count) < np.where(store, 0.7, 0.5))
    # A known person's store order always carries something the till can link: phone or member number.
    nothing = store & ~walk_in & ~has_member & ~has_phone
    has_phone |= nothing & phone
    has_member |= nothing & ~phone & member
    orders["has_user"] = has_user
    orders["has_member"] = has_member
    orders["has_phone"] = has_phone
    orders["phone_format"] = draw_phone_formats(random, count)
    # A few phones are mistyped; only where another identifier still links the order to its person.
    linkable_otherwise = has_user | has_member
    orders["phone_defect"] = np.where(has_phone & linkable_otherwise & (random.random(count) < INVALID_PHONE_SHARE),
                                      1 + random.integers(0, 5, count), 0).astype(np.int8)


def create_online_orders(world: World, sessions: Columns, slots: Columns, events: Columns,
                         random: np.random.Generator) -> tuple[Columns, Columns]:
    """Orders of sessions that entered payment: paid ones at Order Completed, the rest cancelled."""
    rows = np.flatnonzero(sessions["payment"])
    paid = sessions["paid"][rows]
    completed_at = np.zeros(len(sessions), dtype=np.int64)
    payment_at = np.zeros(len(sessions), dtype=np.int64)
    track = events["kind"] == 0
    completed = track & (events["code"] == EVENT["Order Completed"])
    payment = track & (events["code"] == EVENT["Payment Info Entered"])
    completed_at[events["session"][completed]] = events["timestamp_ms"][completed]
    payment_at[events["session"][payment]] = events["timestamp_ms"][payment]
    ordered = np.where(paid, completed_at[rows], payment_at[rows])
    platform = sessions["platform"][rows]
    orders = Columns(
        order_serial=sessions["order_serial"][rows],
        person=sessions["person"][rows],
        channel=np.array([WEB_CHANNEL, APP_CHANNEL, APP_CHANNEL, MINI_PROGRAM_CHANNEL])[platform],
        platform=platform.astype(np.int64),
        store=np.full(len(rows), -1),
        ordered_ms=ordered,
        status=np.where(paid, PAID, CANCELLED),
        row_ms=np.where(paid, ordered, ordered + CANCEL_DELAY_MS),
        subtotal_cents=sessions["subtotal_cents"][rows],
        discount_cents=sessions["discount_cents"][rows],
        total_cents=sessions["total_cents"][rows],
        coupon_code=sessions["coupon_code"][rows],
        payment_method=sessions["payment_method"][rows].astype(np.int64),
        item_count=sessions["ordered_items"][rows],
    )
    assign_identifiers(world, orders, random)
    # Line items: the first `ordered_items` view slots of each ordering session.
    view_offset = np.cumsum(sessions["views"]) - sessions["views"]
    line = number_within_groups(orders["item_count"])
    slot = np.repeat(view_offset[rows], orders["item_count"]) + line
    items = Columns(
        order_serial=np.repeat(orders["order_serial"], orders["item_count"]),
        line_number=line + 1,
        product=slots["product"][slot],
        quantity=slots["quantity"][slot],
        unit_price_cents=slots["price_cents"][slot],
        row_ms=np.repeat(orders["row_ms"], orders["item_count"]),
    )
    return orders, items


def plan_store_visits(world: World, day: Day) -> Columns:
    """Store visits of known persons today (a newcomer acquired in the shop visits on arrival day)."""
    population = world.population
    random = world.random_stream(day.index, STREAM_STORES)
    date = world.window.date(day.index)
    boost = np.where(world.campaign_boost_until_ms > day.start_ms, STORE_BOOST, 1.0)
    rate = population.store_rate * weigh_store_day(date) * measure_activity(world, day.index) * boost
    counts = np.minimum(random.poisson(rate), 2)
    arriving = (population.store >= 0) & (population.first_seen_day == day.index) & (
        population.acquisition_channel == CHANNEL_CODES.index("store_walk_in"))
    counts[arriving] = np.maximum(counts[arriving], 1)
    person = np.repeat(np.arange(population.count), counts)
    hours = random.choice(24, size=len(person), p=normalize_hours(STORE_HOURS, False))
    visit_ms = day.start_ms + hours * 3_600_000 + random.integers(0, 3_600_000, len(person))
    first_visit = np.zeros(len(person), dtype=bool)
    if len(person):
        first_visit[np.concatenate([[True], person[1:] != person[:-1]])] = True
    purchase = (random.random(len(person)) < 0.85) | (arriving[person] & first_visit)
    return Columns(person=person.astype(np.int64), store=population.store[person].astype(np.int64),
                   visit_ms=visit_ms, purchase=purchase)


def ring_up_store_orders(world: World, day: Day, visits: Columns) -> tuple[Columns, Columns]:
    """Orders rung up at the till: visits that bought something, plus anonymous walk-in customers."""
    population = world.population
    random = world.random_stream(day.index, STREAM_STORE_ORDERS)
    buying = visits.take(np.flatnonzero(visits["purchase"]))
    walk_ins = random.poisson(len(buying) * 0.25)
    walk_in_store = random.integers(0, len(population.store_ids), walk_ins)
    hours = random.choice(24, size=walk_ins, p=normalize_hours(STORE_HOURS, False))
    walk_in_ms = day.start_ms + hours * 3_600_000 + random.integers(0, 3_600_000, walk_ins)
    person = np.concatenate([buying["person"], np.full(walk_ins, -1)])
    store = np.concatenate([buying["store"], walk_in_store])
    ordered = np.concatenate([buying["visit_ms"] + random.integers(5, 40, len(buying)) * 60_000, walk_in_ms])
    serials = world.next_serials("order_serial", len(person))
    return fill_store_baskets(world, person, store, ordered, serials, random)


def fill_store_baskets(world: World, person: np.ndarray, store: np.ndarray, ordered_ms: np.ndarray,
                       serials: np.ndarray, random: np.random.Generator) -> tuple[Columns, Columns]:
    """Paid till orders and their lines: products by catalog popularity, big spenders buy one more item,
    a member coupon now and then (person -1: an anonymous walk-in customer)."""
    population = world.population
    catalog = world.catalog
    count = len(person)
    item_count = 1 + random.binomial(3, 0.25, count)
    big_spender = np.zeros(count, dtype=bool)
    known = person >= 0
    big_spender[known] = population.persona[person[known]] == 3
    item_count += big_spender
    line = number_within_groups(item_count)
    order_row = np.repeat(np.arange(count), item_count)
    product = np.searchsorted(np.cumsum(catalog.popularity), random.random(len(order_row)) * catalog.popularity.sum())
    product = np.minimum(product, len(catalog) - 1)
    quantity = 1 + (random.random(len(order_row)) < 0.12)
    price = catalog.list_price_cents[product]
    subtotal = np.bincount(order_row, weights=price * quantity, minlength=count).astype(np.int64)
    member_coupon = (random.random(count) < 0.12) & known
    discount = np.where(member_coupon, np.minimum(subtotal // 10, 5_000), 0)
    payment_weights = np.array(words.PAYMENT_WEIGHTS[STORE_CHANNEL])
    orders = Columns(
        order_serial=serials,
        person=person,
        channel=np.full(count, STORE_CHANNEL),
        platform=np.full(count, -1),
        store=store,
        ordered_ms=ordered_ms,
        status=np.full(count, PAID),
        row_ms=ordered_ms,
        subtotal_cents=subtotal,
        discount_cents=discount,
        total_cents=subtotal - discount,
        coupon_code=np.where(member_coupon, 2, -1),
        payment_method=random.choice(len(payment_weights), size=count, p=payment_weights / payment_weights.sum()),
        item_count=item_count,
    )
    assign_identifiers(world, orders, random)
    items = Columns(
        order_serial=serials[order_row],
        line_number=line + 1,
        product=product,
        quantity=quantity.astype(np.int64),
        unit_price_cents=price,
        row_ms=ordered_ms[order_row],
    )
    return orders, items


def schedule_refunds(world: World, orders: Columns, random: np.random.Generator,
                     latest_ms: int | None = None) -> Columns:
    """Refund rows for some paid orders, dated 1-14 days later (only those dated before latest_ms, by default
    those that fall inside the window)."""
    paid = np.flatnonzero(orders["status"] == PAID)
    refunded = paid[random.random(len(paid)) < REFUND_SHARE]
    refunds = orders.take(refunded)
    refunds["row_ms"] = refunds["ordered_ms"] + random.integers(1, 15, len(refunds)) * 86_400_000 + random.integers(
        0, 8 * 3_600_000, len(refunds))
    refunds["status"] = np.full(len(refunds), REFUNDED)
    latest = world.window.end_ms - 60_000 if latest_ms is None else latest_ms
    return refunds.take(np.flatnonzero(refunds["row_ms"] < latest))


def build_order_table(world: World, orders: Columns, campaigns: list[Campaign]) -> pa.Table:
    """orders.csv rows as text columns, damage included (amount text, status, phone)."""
    population = world.population
    count = len(orders)
    person = np.maximum(orders["person"], 0)
    person_array = pa.array(person)
    phone_numbers = population.phone_number[person]
    phone = type_phones(phone_numbers, orders["phone_format"])
    bad_phone = orders["phone_defect"] > 0
    if bad_phone.any():
        phone = pc.if_else(pa.array(bad_phone),
                           garble_phones(phone_numbers, np.maximum(orders["phone_defect"] - 1, 0)), phone)
    defect = orders["defect"]
    detail = orders["defect_detail"]
    total = format_money(np.where(defect == defects.INVALID_AMOUNT, -np.abs(orders["total_cents"]) - 100,
                                   orders["total_cents"]))
    discount = format_money(orders["discount_cents"])
    wrong_type = defect == defects.TYPE_MISMATCH
    if wrong_type.any():
        text = choose(NON_NUMERIC_AMOUNTS, detail % len(NON_NUMERIC_AMOUNTS))
        total = pc.if_else(pa.array(wrong_type & (detail % 3 != 0)), text, total)
        discount = pc.if_else(pa.array(wrong_type & (detail % 3 == 0)), text, discount)
    status = choose(STATUS_NAMES, orders["status"])
    unknown = defect == defects.INVALID_VALUE
    if unknown.any():
        status = pc.if_else(pa.array(unknown), choose(UNKNOWN_STATUSES, detail % len(UNKNOWN_STATUSES)), status)
    coupon = orders["coupon_code"]
    return pa.table({
        "order_id": format_order_ids(orders["order_serial"]),
        "ordered_at": format_timestamps(orders["ordered_ms"], SHANGHAI_OFFSET_MS, b"", milliseconds=False),
        "channel": choose(CHANNEL_NAMES, orders["channel"]),
        "store_id": population.store_ids.take(pa.array(orders["store"], mask=orders["store"] < 0)),
        "user_id": mask_rows(population.user_id.take(person_array), orders["has_user"]),
        "member_id": mask_rows(population.member_id.take(person_array), orders["has_member"]),
        "phone": mask_rows(phone, orders["has_phone"]),
        "status": status,
        "currency": pa.array(["CNY"] * count, pa.string()),
        "total_amount": total,
        "discount_amount": discount,
        "coupon_code": mask_rows(format_coupon_codes(np.maximum(coupon, 0), campaigns), coupon >= 0),
        "payment_method": choose(words.PAYMENT_METHODS, orders["payment_method"]),
    })


def build_item_table(world: World, items: Columns) -> pa.Table:
    """order_items.csv rows as text columns."""
    return pa.table({
        "order_id": format_order_ids(items["order_serial"]),
        "line_number": format_integers(items["line_number"]),
        "sku": world.catalog.sku.take(pa.array(items["product"])),
        "quantity": format_integers(items["quantity"]),
        "unit_price": format_money(items["unit_price_cents"]),
    })
