"""The order system's history: a year of orders before the tracking window.

Real shops keep years of orders while their event tracking is recent. The history holds the orders (and
order lines) of the persons who were customers before the window (first_seen_day < 0), for the
HISTORY_DAYS days before window day 0: a person's history starts at max(first_seen_day, -HISTORY_DAYS).
It is drawn from each person's latent propensities only - never from their realized window orders - on a
random stream of its own, with order numbers below the window's, so the window's files stay exactly as
they are without it.

The purchase process, per person and day (a Poisson count per channel):

    online orders  ONLINE_ORDERS_PER_SESSION[persona] x session_rate   (account holders with a device)
    store orders   STORE_ORDERS_PER_VISIT x store_rate                 (persons with a store)

times the day's weight (weekday rhythm and the promotion calendar, as in the window, scaled to average 1
over the history) and the person's state:

- acquisition: a person first seen inside the history places their first order that day (store if they
  came in through a store or have no account, else online, else by their channel mix);
- quiet spell: QUIET_SHARE of the other persons buy at QUIET_RATE of their rate for 30-120 days somewhere
  in their history (it may run up to the window), so recency carries information;
- lapse: reactivated persons buy nothing in the LAPSED_DAYS_LOW-HIGH days before the window (their
  return in the window follows months of silence); churners shop normally (they decline in the window).

Per persona, the rates are scaled so that the expected orders per person-day, acquisition orders and
quiet spells included, equal the window's (lapsed days excluded). Baskets, coupons, payment methods,
cancellations and identifiers follow the window's rules; REFUND_SHARE of paid orders are refunded 1-14
days later when that is still before the window (a later refund is left out: it would belong to a
window day's file). Anonymous walk-in customers buy at the tills as in the window. A few rows are damaged
like the window's (counted in the truth). Test accounts and bots have no history.
"""

from __future__ import annotations

import numpy as np

from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.behavior import PAID_PROBABILITY, choose_products, pick_devices, price_baskets
from orchestration.demo_data.campaigns import Campaign
from orchestration.demo_data.columns import Columns, number_within_groups
from orchestration.demo_data.commerce import (
    APP_CHANNEL,
    CANCEL_DELAY_MS,
    CANCELLED,
    MINI_PROGRAM_CHANNEL,
    PAID,
    REFUNDED,
    WEB_CHANNEL,
    assign_identifiers,
    fill_store_baskets,
    schedule_refunds,
)
from orchestration.demo_data.population import CHANNEL_CODES, KIND_HUMAN, PERSONA_CODES
from orchestration.demo_data.rhythm import (
    NIGHT_OWL_HOURS,
    REGULAR_HOURS,
    STORE_HOURS,
    find_promotion,
    normalize_hours,
    weigh_day,
    weigh_store_day,
)
from orchestration.demo_data.truth import TruthLedger
from orchestration.demo_data.world import STREAM_ORDER_HISTORY, World
from orchestration.demo_data.writers import RawWriter, export_orders

HISTORY_DAYS = 365
HISTORY_FOLDER = "history"

# Orders per expected session (online) and per expected store visit, measured once on the default demo
# (4,000 persons, 90 days to 2026-10-31, seed 42) before the history existed: the window orders (paid or
# cancelled, each order once, from truth/orders.parquet) of persons first seen before the window, divided by
# the sum over them and the window days of session_rate (account holders) or store_rate (store customers)
# times their activity that day (behavior.measure_activity: churn, dormancy and the return boost). The
# online figure folds in the funnel, weekday and promotion traffic and campaign clicks; personas with the
# same funnel multipliers (vocabulary.PERSONAS) share one figure, pooled to cut the sampling error. The
# store figure folds in the visit rhythm, campaign boosts and the 85% of visits that buy, the same for
# every persona (pooled: 970 orders). Window orders per person-day by persona were: regular 0.0181,
# night_owl 0.0179, bargain_hunter 0.0203, big_spender 0.0353, window_shopper 0.0098, churner 0.0074
# (0.0180 per active day), reactivated 0.0188, store_only 0.0402.
ONLINE_ORDERS_PER_SESSION = {
    "regular": 0.126,  # regular, night_owl, churner, reactivated pooled: 1,847 online orders
    "night_owl": 0.126,
    "bargain_hunter": 0.134,  # 401 online orders
    "big_spender": 0.165,  # 307
    "window_shopper": 0.047,  # 130
    "churner": 0.126,
    "reactivated": 0.126,
    "store_only": 0.0,  # never online
}
STORE_ORDERS_PER_VISIT = 0.984
WALK_INS_PER_STORE_ORDER = 0.25  # anonymous till customers per known one, as in the window
QUIET_SHARE = 0.35
QUIET_DAYS_LOW, QUIET_DAYS_HIGH = 30, 120
QUIET_RATE = 0.15
LAPSED_DAYS_LOW, LAPSED_DAYS_HIGH = 60, 180
ONLINE_CHANNELS = np.array([WEB_CHANNEL, APP_CHANNEL, APP_CHANNEL, MINI_PROGRAM_CHANNEL])  # by platform


def _weigh_history_days(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Online and store weights of the history days (each averaging 1), and which days run a promotion."""
    dates = [world.window.date(day) for day in range(-HISTORY_DAYS, 0)]
    online = np.array([weigh_day(date) for date in dates])
    store = np.array([weigh_store_day(date) for date in dates])
    promotion = np.array([bool(find_promotion(date)[1]) for date in dates])
    return online / online.mean(), store / store.mean(), promotion


def _draw_purchase_rates(world: World, random: np.random.Generator) -> Columns:
    """Each history person's daily online and store order rates, spells and acquisition order."""
    population = world.population
    persona_names = np.array(PERSONA_CODES)
    online_factor = np.array([ONLINE_ORDERS_PER_SESSION[name] for name in PERSONA_CODES])
    can_buy_online = world.has_account & (population.device_count > 0)
    online_rate = np.where(can_buy_online, online_factor[population.persona] * population.session_rate, 0.0)
    store_rate = np.where(population.store >= 0, STORE_ORDERS_PER_VISIT * population.store_rate, 0.0)
    person = np.flatnonzero((population.kind == KIND_HUMAN) & (population.first_seen_day < 0)
                            & (online_rate + store_rate > 0))
    count = len(person)
    persona = population.persona[person]
    online_rate, store_rate = online_rate[person], store_rate[person]
    start = np.maximum(population.first_seen_day[person], -HISTORY_DAYS)
    span = -start

    reactivated = persona == PERSONA_CODES.index("reactivated")
    lapse_start = np.where(reactivated,
                           np.maximum(-random.integers(LAPSED_DAYS_LOW, LAPSED_DAYS_HIGH + 1, count), start), 0)
    quiet = ~reactivated & (random.random(count) < QUIET_SHARE)
    quiet_start = np.where(quiet, start + (random.random(count) * span).astype(np.int64), 0)
    quiet_end = np.where(quiet, np.minimum(quiet_start + random.integers(QUIET_DAYS_LOW, QUIET_DAYS_HIGH + 1, count),
                                           0), 0)

    acquired = population.first_seen_day[person] >= -HISTORY_DAYS
    walk_in = population.acquisition_channel[person] == CHANNEL_CODES.index("store_walk_in")
    store_first = (store_rate > 0) & ((online_rate == 0) | walk_in
                                      | (random.random(count) < store_rate / (online_rate + store_rate)))

    # Scale each persona's rates so its expected orders per person-day match the window's.
    active_days = span + lapse_start  # lapse_start is minus the lapsed days (0 without a lapse)
    effective_days = active_days - (1.0 - QUIET_RATE) * (quiet_end - quiet_start)
    rate = online_rate + store_rate
    wanted = np.bincount(persona, weights=rate * active_days, minlength=len(persona_names))
    acquisitions = np.bincount(persona, weights=acquired, minlength=len(persona_names))
    modelled = np.bincount(persona, weights=rate * effective_days, minlength=len(persona_names))
    scale = np.divide(np.maximum(wanted - acquisitions, 0.0), modelled, out=np.zeros(len(persona_names)),
                      where=modelled > 0)
    return Columns(person=person, start=start, online_rate=online_rate * scale[persona],
                   store_rate=store_rate * scale[persona], quiet_start=quiet_start, quiet_end=quiet_end,
                   lapse_start=lapse_start, acquired=acquired, store_first=store_first)


def _draw_purchase_days(world: World, rates: Columns, random: np.random.Generator) -> Columns:
    """(person, history day, is store) of every order of a known person, acquisition orders included."""
    online_weight, store_weight, _ = _weigh_history_days(world)
    people, days, store = [], [], []
    for offset, day in enumerate(range(-HISTORY_DAYS, 0)):
        # lapse_start is 0 without a lapse: every history day lies before it.
        state = np.where((rates["quiet_start"] <= day) & (day < rates["quiet_end"]), QUIET_RATE, 1.0)
        state *= (rates["start"] <= day) & (day < rates["lapse_start"])
        online = random.poisson(rates["online_rate"] * state * online_weight[offset])
        visits = np.minimum(random.poisson(rates["store_rate"] * state * store_weight[offset]), 2)
        for counts, is_store in ((online, False), (visits, True)):
            rows = np.flatnonzero(counts)
            people.append(np.repeat(rates["person"][rows], counts[rows]))
            days.append(np.full(int(counts[rows].sum()), day))
            store.append(np.full(int(counts[rows].sum()), is_store))
    acquired = np.flatnonzero(rates["acquired"])
    people.append(rates["person"][acquired])
    days.append(world.population.first_seen_day[rates["person"][acquired]])
    store.append(rates["store_first"][acquired])
    return Columns(person=np.concatenate(people).astype(np.int64), day=np.concatenate(days).astype(np.int64),
                   is_store=np.concatenate(store))


def _time_orders(world: World, purchases: Columns, random: np.random.Generator) -> Columns:
    """Add anonymous walk-ins at the tills and give every order a time of day (shop hours, online habits)."""
    population = world.population
    store_days = purchases["day"][purchases["is_store"]]
    walk_ins = random.poisson(WALK_INS_PER_STORE_ORDER * np.bincount(store_days + HISTORY_DAYS,
                                                                      minlength=HISTORY_DAYS))
    walk_in_days = np.repeat(np.arange(-HISTORY_DAYS, 0), walk_ins)
    orders = Columns(
        person=np.concatenate([purchases["person"], np.full(len(walk_in_days), -1)]),
        day=np.concatenate([purchases["day"], walk_in_days]),
        is_store=np.concatenate([purchases["is_store"], np.ones(len(walk_in_days), dtype=bool)]),
    )
    count = len(orders)
    night_owl = (orders["person"] >= 0) & (
        population.persona[np.maximum(orders["person"], 0)] == PERSONA_CODES.index("night_owl"))
    hour = np.where(orders["is_store"], random.choice(24, size=count, p=normalize_hours(STORE_HOURS, False)),
                    np.where(night_owl, random.choice(24, size=count, p=normalize_hours(NIGHT_OWL_HOURS, False)),
                             random.choice(24, size=count, p=normalize_hours(REGULAR_HOURS, False))))
    orders["ordered_ms"] = (world.window.day_start_ms(0) + orders["day"] * 86_400_000 + hour * 3_600_000
                            + random.integers(0, 3_600_000, count))
    orders["store"] = np.where(orders["person"] >= 0, population.store[np.maximum(orders["person"], 0)],
                               random.integers(0, len(population.store_ids), count)).astype(np.int64)
    return orders.take(np.argsort(orders["ordered_ms"], kind="stable"))


def _fill_online_baskets(world: World, person: np.ndarray, day: np.ndarray, ordered_ms: np.ndarray,
                         serials: np.ndarray, promotion: np.ndarray,
                         random: np.random.Generator) -> tuple[Columns, Columns]:
    """Online orders and lines by the window's rules: device and platform, basket size by persona, products
    (favourite category and popularity), coupons, payment method; unpaid ones are cancelled."""
    population = world.population
    count = len(person)
    persona = population.persona[person]
    platform = population.device_platform[pick_devices(world, person, random)].astype(np.int64)
    basket = np.array([p[5] for p in words.PERSONAS])[persona]
    persona_paid = np.array([p[4] for p in words.PERSONAS])[persona]
    bargain = persona == PERSONA_CODES.index("bargain_hunter")
    window_shopper = persona == PERSONA_CODES.index("window_shopper")
    views = 1 + random.poisson(1.2 + 0.6 * window_shopper, count)
    adds = np.minimum(views, 1 + random.poisson(0.35 * basket, count))
    ordered_items = adds - ((adds >= 2) & (random.random(count) < 0.25))
    coupon_probability = np.where(bargain, 0.6, 0.22) * np.where(promotion[day + HISTORY_DAYS], 1.4, 1.0)
    baskets = Columns(person=person, platform=platform, views=views, ordered_items=ordered_items,
                      coupon=random.random(count) < np.minimum(coupon_probability, 0.95),
                      campaign_coupon=np.full(count, -1))
    slots = choose_products(world, baskets, random)
    price_baskets(world, baskets, slots, random)
    paid = random.random(count) < np.minimum(PAID_PROBABILITY[platform] * persona_paid, 0.98)
    orders = Columns(
        order_serial=serials,
        person=person,
        channel=ONLINE_CHANNELS[platform],
        platform=platform,
        store=np.full(count, -1),
        ordered_ms=ordered_ms,
        status=np.where(paid, PAID, CANCELLED),
        row_ms=np.where(paid, ordered_ms, ordered_ms + CANCEL_DELAY_MS),
        subtotal_cents=baskets["subtotal_cents"],
        discount_cents=baskets["discount_cents"],
        total_cents=baskets["total_cents"],
        coupon_code=baskets["coupon_code"],
        payment_method=baskets["payment_method"].astype(np.int64),
        item_count=ordered_items,
    )
    assign_identifiers(world, orders, random)
    view_offset = np.cumsum(views) - views
    line = number_within_groups(ordered_items)
    slot = np.repeat(view_offset, ordered_items) + line
    items = Columns(
        order_serial=np.repeat(serials, ordered_items),
        line_number=line + 1,
        product=slots["product"][slot],
        quantity=slots["quantity"][slot],
        unit_price_cents=slots["price_cents"][slot],
        row_ms=np.repeat(orders["row_ms"], ordered_items),
    )
    return orders, items


def simulate_order_history(world: World) -> tuple[Columns, Columns]:
    """The history's clean order rows (refund rows included) and order lines, ordered by time."""
    purchase_random = world.random_stream(0, STREAM_ORDER_HISTORY)
    basket_random = world.random_stream(1, STREAM_ORDER_HISTORY)
    rates = _draw_purchase_rates(world, purchase_random)
    timed = _time_orders(world, _draw_purchase_days(world, rates, purchase_random), purchase_random)
    # Order numbers follow time, below the window's numbers.
    serials = world.next_serials("history_order_serial", len(timed))
    if len(timed) and serials[-1] >= 0:
        raise RuntimeError("order history too large for its order-number range")
    _, _, promotion = _weigh_history_days(world)
    online = np.flatnonzero(~timed["is_store"])
    store = np.flatnonzero(timed["is_store"])
    online_orders, online_items = _fill_online_baskets(world, timed["person"][online], timed["day"][online],
                                                       timed["ordered_ms"][online], serials[online], promotion,
                                                       basket_random)
    store_orders, store_items = fill_store_baskets(world, timed["person"][store], timed["store"][store],
                                                   timed["ordered_ms"][store], serials[store], basket_random)
    orders = Columns.concat([online_orders, store_orders])
    items = Columns.concat([online_items, store_items])
    orders["defect"] = np.zeros(len(orders), dtype=np.int8)
    orders["defect_detail"] = np.zeros(len(orders), dtype=np.int64)
    items["defect"] = np.zeros(len(items), dtype=np.int8)
    refunds = schedule_refunds(world, orders, basket_random, latest_ms=world.window.day_start_ms(0) - 60_000)
    orders = Columns.concat([orders, refunds])
    orders = orders.take(np.lexsort((orders["status"], orders["row_ms"])))
    items = items.take(np.lexsort((items["line_number"], items["order_serial"])))
    return orders, items


def write_order_history(world: World, campaigns: list[Campaign], ledger: TruthLedger, writer: RawWriter) -> dict:
    """Write raw/orders/history/orders_history.csv and raw/order_items/history/order_items_history.csv (with
    their damaged copies), let the truth observe them, and return the history's headline figures."""
    orders, items = simulate_order_history(world)
    mess_random = world.random_stream(2, STREAM_ORDER_HISTORY)
    export_orders(world, writer, ledger, orders, items, campaigns, mess_random, None, name_suffix="_history",
                  subfolder=HISTORY_FOLDER, serial_counter="history_order_serial")
    placed = orders["status"] != REFUNDED  # each order once: its paid or cancelled row, not the refund row
    known = placed & (orders["person"] >= 0)
    return {
        "days": HISTORY_DAYS,
        "start_date": str(world.window.date(-HISTORY_DAYS)),
        "orders": int(placed.sum()),
        "persons": int(len(np.unique(orders["person"][known]))),
    }
