"""Online behaviour of one day: sessions, the shopping funnel, and the tracking calls they produce.

A day is simulated in four vectorized steps:

1. plan sessions: who comes online, when, on which device (plus campaign clicks, store kiosks, bots);
2. shape them: sign-in state, funnel depth, how many of each block of calls a session makes;
3. expand blocks into calls, each with its product, order and page;
4. lay sessions out in time: think-time gaps inside a session, more than 30 idle minutes between
   sessions of the same person, delivery delay (and a few offline batches arriving days late).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.demo_data import defects
from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.campaigns import SESSION_BOOST
from orchestration.demo_data.columns import (
    Columns,
    find_group_ends,
    find_group_starts,
    number_within_groups,
    rank_within_groups,
)
from orchestration.demo_data.contacts import draw_email_styles, draw_phone_formats
from orchestration.demo_data.population import (
    ANDROID,
    CHANNEL_CODES,
    IOS,
    KIND_BOT,
    MINI_PROGRAM,
    NEVER,
    PERSONA_CODES,
    WEB,
)
from orchestration.demo_data.rhythm import (
    NIGHT_OWL_HOURS,
    REGULAR_HOURS,
    find_promotion,
    normalize_hours,
    weigh_day,
)
from orchestration.demo_data.world import STREAM_FUNNEL, STREAM_SESSIONS, World

TRACK, VIEW, IDENTIFY, ALIAS = 0, 1, 3, 4  # VIEW becomes a page call on the web, a screen call in apps
PAGE, SCREEN = 1, 2

TRACK_EVENTS = (
    "Products Searched", "Product List Viewed", "Product Viewed", "Product Shared", "Product Added to Wishlist",
    "Product Added", "Product Removed", "Cart Viewed", "Checkout Started", "Payment Info Entered",
    "Coupon Applied", "Order Completed", "Order Refunded", "Signed Up", "Signed In", "Signed Out",
    "Promotion Viewed", "Promotion Clicked", "Push Notification Tapped", "Experiment Viewed",
    "Application Installed", "Application Opened", "Application Backgrounded",
)
EVENT_NAMES = TRACK_EVENTS + words.UNPLANNED_EVENTS
EVENT = {name: code for code, name in enumerate(EVENT_NAMES)}
PAGE_INDEX = {name: code for code, name in enumerate(words.PAGE_NAMES)}

# Blocks of calls in the order a session makes them: (name, [(call kind, event or page name)], context page).
BLOCKS = (
    ("install", [(TRACK, "Application Installed")], "Home"),
    ("opened", [(TRACK, "Application Opened")], "Home"),
    ("push", [(TRACK, "Push Notification Tapped")], "Home"),
    ("landing", [(VIEW, "Home")], "Home"),
    ("browse_before_sign_in", [(VIEW, "Category")], "Category"),
    ("sign_in", [(IDENTIFY, ""), (TRACK, "Signed In")], "Account"),
    ("alias", [(ALIAS, "")], "Account"),
    ("launch_identify", [(IDENTIFY, "")], "Home"),
    ("promotion_view", [(TRACK, "Promotion Viewed")], "Home"),
    ("promotion_click", [(TRACK, "Promotion Clicked")], "Home"),
    ("search", [(TRACK, "Products Searched"), (VIEW, "Search Results")], "Search Results"),
    ("list", [(VIEW, "Category"), (TRACK, "Product List Viewed")], "Category"),
    ("view", [(VIEW, "Product Detail"), (TRACK, "Product Viewed")], "Product Detail"),
    ("wishlist", [(TRACK, "Product Added to Wishlist")], "Product Detail"),
    ("share", [(TRACK, "Product Shared")], "Product Detail"),
    ("add", [(TRACK, "Product Added")], "Product Detail"),
    ("remove", [(TRACK, "Product Removed")], "Cart"),
    ("cart", [(VIEW, "Cart"), (TRACK, "Cart Viewed")], "Cart"),
    ("checkout_page", [(VIEW, "Checkout")], "Checkout"),
    ("experiment", [(TRACK, "Experiment Viewed")], "Checkout"),
    ("checkout", [(TRACK, "Checkout Started")], "Checkout"),
    ("coupon", [(TRACK, "Coupon Applied")], "Checkout"),
    ("payment", [(TRACK, "Payment Info Entered")], "Checkout"),
    ("completed", [(TRACK, "Order Completed"), (VIEW, "Order Confirmation")], "Order Confirmation"),
    ("browse_after", [(VIEW, "Home")], "Home"),
    ("sign_out", [(TRACK, "Signed Out")], "Account"),
    ("background", [(TRACK, "Application Backgrounded")], "Home"),
)
BLOCK = {name: index for index, (name, _, _) in enumerate(BLOCKS)}
BLOCK_LENGTH = np.array([len(calls) for _, calls, _ in BLOCKS])
TEMPLATE_KIND = np.zeros((len(BLOCKS), BLOCK_LENGTH.max()), dtype=np.int8)
TEMPLATE_CODE = np.zeros((len(BLOCKS), BLOCK_LENGTH.max()), dtype=np.int16)
for _block, (_, _calls, _) in enumerate(BLOCKS):
    for _position, (_kind, _name) in enumerate(_calls):
        TEMPLATE_KIND[_block, _position] = _kind
        TEMPLATE_CODE[_block, _position] = EVENT[_name] if _kind == TRACK else PAGE_INDEX.get(_name, 0)
BLOCK_PAGE = np.array([PAGE_INDEX[page] for _, _, page in BLOCKS], dtype=np.int8)
BROWSE_AFTER_PAGES = np.array([PAGE_INDEX["Home"], PAGE_INDEX["Category"], PAGE_INDEX["Account"]], dtype=np.int16)

# The funnel, per platform (web, ios, android, mini_program): chance of reaching each step from the one before.
STEP_NAMES = ("session", "product_viewed", "product_added", "checkout_started", "payment_info_entered",
              "order_completed")
VIEW_PROBABILITY = np.array([0.74, 0.78, 0.77, 0.76])
ADD_PROBABILITY = np.array([0.31, 0.38, 0.36, 0.35])
CHECKOUT_PROBABILITY = np.array([0.48, 0.55, 0.53, 0.54])
PAYMENT_PROBABILITY = np.array([0.68, 0.72, 0.71, 0.73])
PAID_PROBABILITY = np.array([0.83, 0.87, 0.86, 0.90])
EXPERIMENT_ID = "checkout_redesign"
EXPERIMENT_VARIATIONS = ("control", "treatment")
TREATMENT_PAYMENT_MULTIPLIER = 1.10  # the true relative lift on checkout -> paid
EXPERIMENT_START_SHARE = 0.3  # the experiment starts 30% into the window and runs to its end

HUMAN_CALLS_PER_SESSION = 10.6
BOT_CALLS_PER_SESSION = 21.0
BOT_CALL_SHARE = 0.01
MINIMUM_IDLE_MS = 31 * 60_000  # sessions of one person are separated by more than 30 idle minutes
LATE_SESSION_SHARE = 0.03  # of app and mini-program sessions, delivered 1-5 days late as one offline batch
KIOSK_SHARE = 0.5  # of store visits by account holders to a store with a kiosk
LAST_DAY_MARGIN_MS = 60_000


@dataclass
class Day:
    """What the day loop knows about the day being simulated."""

    index: int
    start_ms: int
    factor: float
    promotion_id: str
    is_last: bool
    experiment_active: bool


def describe_day(world: World, day: int) -> Day:
    """The calendar facts of window day `day`: its traffic factor, promotion, and experiment status."""
    date = world.window.date(day)
    _, promotion_id, _ = find_promotion(date)
    return Day(
        index=day,
        start_ms=world.window.day_start_ms(day),
        factor=weigh_day(date),
        promotion_id=promotion_id,
        is_last=day == world.window.days - 1,
        experiment_active=day >= int(world.window.days * EXPERIMENT_START_SHARE),
    )


def measure_activity(world: World, day: int) -> np.ndarray:
    """How active each person is today: zero before arrival, decaying for churners, paused when dormant."""
    population = world.population
    factor = np.ones(population.count)
    factor[population.first_seen_day > day] = 0.0
    declining = (population.decline_start_day <= day) & (day < population.churn_day)
    factor[declining] *= np.exp(-(day - population.decline_start_day[declining]) / 6.0)
    factor[population.churn_day <= day] = 0.0
    dormant = (population.dormant_start_day <= day) & (day < population.dormant_end_day)
    factor[dormant] = 0.0
    factor[(population.dormant_end_day <= day) & (population.dormant_end_day < NEVER)] *= 1.6
    return factor


def pick_devices(world: World, persons: np.ndarray, random: np.random.Generator) -> np.ndarray:
    """A device of each person, drawn by the person's platform preference."""
    draws = persons + random.random(len(persons))
    return np.searchsorted(world.population.device_cumulative_weight, draws, side="right")


def _find_device_on(world: World, persons: np.ndarray, platforms: tuple[int, ...], fallback: np.ndarray) -> np.ndarray:
    """Each person's first device on one of `platforms`, else the fallback device."""
    population = world.population
    chosen = fallback.copy()
    found = np.zeros(len(persons), dtype=bool)
    for offset in range(int(population.device_count[persons].max(initial=0))):
        candidate = population.device_start[persons] + offset
        valid = (offset < population.device_count[persons]) & ~found
        valid[valid] &= np.isin(population.device_platform[candidate[valid]], platforms)
        chosen[valid] = candidate[valid]
        found |= valid
    return chosen


def _draw_session_starts(random: np.random.Generator, count: int, weights: np.ndarray, day: Day) -> np.ndarray:
    hours = random.choice(24, size=count, p=normalize_hours(weights, day.is_last))
    return day.start_ms + hours * 3_600_000 + random.integers(0, 3_600_000, count)


def plan_sessions(world: World, day: Day, touches: Columns | None, store_visits: Columns | None) -> Columns:
    """Who is online today and when: organic sessions, campaign clicks, kiosk sign-ins and crawler visits."""
    population = world.population
    random = world.random_stream(day.index, STREAM_SESSIONS)
    boost = np.where(world.campaign_boost_until_ms > day.start_ms, SESSION_BOOST, 1.0)
    online = (population.device_count > 0) & (population.kind != KIND_BOT)
    activity = measure_activity(world, day.index)
    rate = population.session_rate * day.factor * activity * boost * online
    counts = random.poisson(rate)
    # A newcomer's first day always has a session (store walk-ins are first seen in the shop instead).
    arriving = online & (population.first_seen_day == day.index) & (
        population.acquisition_channel != CHANNEL_CODES.index("store_walk_in"))
    counts[arriving] = np.maximum(counts[arriving], 1)
    persons = np.repeat(np.arange(population.count), counts)
    night_owl = population.persona[persons] == PERSONA_CODES.index("night_owl")
    starts = np.where(night_owl, _draw_session_starts(random, len(persons), NIGHT_OWL_HOURS, day),
                      _draw_session_starts(random, len(persons), REGULAR_HOURS, day))
    devices = pick_devices(world, persons, random)
    organic = Columns(person=persons, device=devices, desired_start_ms=starts, campaign=np.full(len(persons), -1),
                      campaign_channel=np.full(len(persons), -1), kiosk=np.full(len(persons), -1))
    tables = [organic]

    if touches is not None and len(touches):
        # Only people still shopping follow a link; churned and dormant ones ignore the message.
        clicked = touches["clicked_ms"] >= 0
        clicked &= (population.device_count[touches["person"]] > 0) & (activity[touches["person"]] > 0)
        clicks = touches.take(np.flatnonzero(clicked))
        click_persons = clicks["person"]
        fallback = pick_devices(world, click_persons, random)
        channel = clicks["channel"]
        devices = fallback.copy()
        for channel_code, platforms in ((1, (IOS, ANDROID)), (3, (MINI_PROGRAM,)), (0, (IOS, ANDROID, WEB)),
                                        (2, (WEB, IOS, ANDROID))):
            rows = channel == channel_code
            if rows.any():
                devices[rows] = _find_device_on(world, click_persons[rows], platforms, fallback[rows])
        tables.append(Columns(person=click_persons, device=devices, desired_start_ms=clicks["clicked_ms"],
                              campaign=clicks["campaign"], campaign_channel=channel, kiosk=np.full(len(clicks), -1)))

    if store_visits is not None and len(store_visits):
        kiosk = population.store_kiosk[store_visits["store"]]
        uses = ((kiosk >= 0) & world.has_account[store_visits["person"]]
                & (random.random(len(store_visits)) < KIOSK_SHARE))
        visits = store_visits.take(np.flatnonzero(uses))
        tables.append(Columns(person=visits["person"], device=np.full(len(visits), -1),
                              desired_start_ms=visits["visit_ms"] - random.integers(4, 25, len(visits)) * 60_000,
                              campaign=np.full(len(visits), -1), campaign_channel=np.full(len(visits), -1),
                              kiosk=population.store_kiosk[visits["store"]]))

    # Crawlers: about one call in a hundred, spread over the whole day (a crawl makes ~21 calls).
    bots = population.bots
    expected_calls = rate.sum() * HUMAN_CALLS_PER_SESSION
    bot_sessions = random.poisson(expected_calls * BOT_CALL_SHARE / BOT_CALLS_PER_SESSION)
    bot_persons = bots[random.integers(0, len(bots), bot_sessions)]
    bot_devices = population.device_start[bot_persons] + random.integers(0, population.device_count[bot_persons])
    latest = (21 if day.is_last else 24) * 3_600_000
    tables.append(Columns(person=bot_persons, device=bot_devices,
                          desired_start_ms=day.start_ms + random.integers(0, latest, bot_sessions),
                          campaign=np.full(bot_sessions, -1), campaign_channel=np.full(bot_sessions, -1),
                          kiosk=np.full(bot_sessions, -1)))

    sessions = Columns.concat(tables)
    for name in ("person", "device", "campaign", "campaign_channel", "kiosk"):
        sessions[name] = sessions[name].astype(np.int64)
    order = np.lexsort((sessions["desired_start_ms"], sessions["person"]))
    sessions = sessions.take(order)
    kiosk = sessions["kiosk"] >= 0
    sessions["platform"] = np.where(kiosk, ANDROID, population.device_platform[np.maximum(sessions["device"], 0)]
                                    ).astype(np.int8)
    sessions["is_bot"] = world.is_bot[sessions["person"]]
    return sessions


def shape_sessions(world: World, day: Day, sessions: Columns) -> Columns:
    """Sign-in state and funnel depth of every session, as counts of each block of calls."""
    population = world.population
    random = world.random_stream(day.index, STREAM_FUNNEL)
    count = len(sessions)
    person, device, platform = sessions["person"], sessions["device"], sessions["platform"]
    kiosk = sessions["kiosk"] >= 0
    bot = sessions["is_bot"]
    human_online = ~kiosk & ~bot
    app = np.isin(platform, (IOS, ANDROID)) & ~kiosk
    persona = population.persona[person]
    persona_add = np.array([p[3] for p in words.PERSONAS])[persona]
    persona_paid = np.array([p[4] for p in words.PERSONAS])[persona]
    persona_basket = np.array([p[5] for p in words.PERSONAS])[persona]
    bargain = persona == PERSONA_CODES.index("bargain_hunter")
    campaign_session = sessions["campaign"] >= 0

    # Funnel depth the shopper wants to reach, before sign-in rules apply.
    views_wanted = human_online & (random.random(count) < VIEW_PROBABILITY[platform])
    adds_wanted = views_wanted & (random.random(count) < np.minimum(ADD_PROBABILITY[platform] * persona_add
                                                                 * np.where(campaign_session, 1.3, 1.0), 0.95))
    checkout_wanted = adds_wanted & (random.random(count) < CHECKOUT_PROBABILITY[platform])
    exposed_variation = population.variation[person]
    payment_probability = PAYMENT_PROBABILITY[platform] * np.where(
        day.experiment_active & (exposed_variation == 1), TREATMENT_PAYMENT_MULTIPLIER, 1.0)
    payment_draw = random.random(count) < payment_probability
    paid_draw = random.random(count) < np.minimum(PAID_PROBABILITY[platform] * persona_paid, 0.98)

    # Sign-in: a device stays signed in across sessions until it signs out; checkout needs an account.
    device_index = np.maximum(device, 0)
    logged_in_at_day_start = np.where(human_online, population.device_logged_in[device_index], False)
    will_account = population.will_have_account[person]
    login_probability = np.where(world.has_account[person], 0.5, 0.3)
    candidate = human_online & will_account & ((random.random(count) < login_probability) | checkout_wanted)
    by_device = np.lexsort((sessions["desired_start_ms"], device))
    device_sorted = device[by_device]
    candidate_sorted = candidate[by_device].astype(np.int64)
    running = np.cumsum(candidate_sorted)
    before = running - candidate_sorted
    run_start = np.maximum.accumulate(np.where(find_group_starts(device_sorted), np.arange(count), 0))
    earlier_logins = before - before[run_start]
    logged_in_start = np.zeros(count, dtype=bool)
    logged_in_start[by_device] = logged_in_at_day_start[by_device] | (earlier_logins > 0)
    logged_in_start &= human_online
    login_here = candidate & ~logged_in_start
    login_here |= kiosk
    # The first sign-in ever of a person without an account is the sign-up.
    signup = np.zeros(count, dtype=bool)
    login_rows = np.flatnonzero(login_here & ~world.has_account[person])
    if len(login_rows):
        first_rows = login_rows[find_group_starts(person[login_rows])]
        signup[first_rows] = True
    signed_in = logged_in_start | login_here

    checkout = checkout_wanted & signed_in
    payment = checkout & payment_draw
    paid = payment & paid_draw
    views = np.where(views_wanted, 1 + random.poisson(1.2 + 0.6 * (persona == PERSONA_CODES.index("window_shopper")),
                                                   count), 0)
    views = np.where(kiosk, 1 + random.integers(0, 4, count), views)
    views = np.where(bot, 2 + random.poisson(8, count), views)
    adds = np.where(adds_wanted, np.minimum(views, 1 + random.poisson(0.35 * persona_basket, count)), 0)
    remove = (adds >= 2) & (random.random(count) < 0.25)
    ordered_items = adds - remove

    # Sign-out happens, if at all, in the device's last session of the day.
    last_on_device = np.zeros(count, dtype=bool)
    last_on_device[by_device] = find_group_ends(device_sorted)
    logout = (human_online & signed_in & last_on_device
              & (random.random(count) < np.where(platform == WEB, 0.05, 0.02)))
    logout |= kiosk

    first_online = human_online & ~world.seen_online[person]
    first_rows = np.flatnonzero(first_online)
    acquisition = np.zeros(count, dtype=bool)
    if len(first_rows):
        acquisition[first_rows[find_group_starts(person[first_rows])]] = True

    blocks = np.zeros((count, len(BLOCKS)), dtype=np.int64)
    blocks[:, BLOCK["install"]] = app & human_online & ~population.device_installed[device_index]
    blocks[:, BLOCK["opened"]] = (app | (platform == MINI_PROGRAM)) & human_online
    blocks[:, BLOCK["push"]] = campaign_session & app & (sessions["campaign_channel"] == 1)
    blocks[:, BLOCK["landing"]] = 1
    blocks[:, BLOCK["browse_before_sign_in"]] = np.where(login_here & ~kiosk, random.poisson(1.0, count), 0)
    blocks[:, BLOCK["sign_in"]] = login_here
    blocks[:, BLOCK["alias"]] = signup & (random.random(count) < 0.3)
    blocks[:, BLOCK["launch_identify"]] = app & logged_in_start & (random.random(count) < 0.12)
    promotion_view = human_online & (random.random(count) < (0.45 if day.promotion_id else 0.18))
    blocks[:, BLOCK["promotion_view"]] = promotion_view
    blocks[:, BLOCK["promotion_click"]] = promotion_view & (random.random(count) < np.where(bargain, 0.45, 0.2))
    blocks[:, BLOCK["search"]] = human_online & (random.random(count) < 0.35)
    blocks[:, BLOCK["list"]] = np.where(human_online, random.binomial(2, 0.3, count), 0)
    blocks[:, BLOCK["view"]] = views
    blocks[:, BLOCK["wishlist"]] = (views > 0) & human_online & (random.random(count) < 0.08)
    blocks[:, BLOCK["share"]] = (views > 0) & human_online & (random.random(count) < 0.04)
    blocks[:, BLOCK["add"]] = adds
    blocks[:, BLOCK["remove"]] = remove
    blocks[:, BLOCK["cart"]] = adds > 0
    blocks[:, BLOCK["checkout_page"]] = checkout
    exposed = checkout & day.experiment_active
    blocks[:, BLOCK["experiment"]] = exposed
    blocks[:, BLOCK["checkout"]] = checkout
    # A campaign's coupon is valid while its effect lasts.
    campaign_coupon = np.where(world.campaign_boost_until_ms[person] > day.start_ms, world.campaign_coupon[person], -1)
    has_campaign_coupon = campaign_coupon >= 0
    coupon_probability = np.where(bargain, 0.6, 0.22) * (1.4 if day.promotion_id else 1.0)
    coupon = checkout & (random.random(count) < np.minimum(coupon_probability + 0.3 * has_campaign_coupon, 0.95))
    blocks[:, BLOCK["coupon"]] = coupon
    blocks[:, BLOCK["payment"]] = payment
    blocks[:, BLOCK["completed"]] = paid
    blocks[:, BLOCK["browse_after"]] = np.where(human_online, random.poisson(0.6, count), 0)
    blocks[:, BLOCK["sign_out"]] = logout
    blocks[:, BLOCK["background"]] = (app | (platform == MINI_PROGRAM)) & human_online & (random.random(count) < 0.7)

    sessions.update(
        blocks=blocks,
        logged_in_start=logged_in_start,
        login_here=login_here,
        signup=signup,
        logout=logout,
        acquisition=acquisition,
        views=views,
        adds=adds,
        ordered_items=ordered_items,
        checkout=checkout,
        payment=payment,
        paid=paid,
        exposed=exposed,
        coupon=coupon,
        campaign_coupon=campaign_coupon,
        variation=exposed_variation.astype(np.int8),
        human_online=human_online,
        anonymous_version=np.where(kiosk | (device < 0), 0, population.device_anonymous_version[device_index]),
    )
    return sessions


def choose_products(world: World, sessions: Columns, random: np.random.Generator) -> Columns:
    """Products behind each session's product views (adds are the first views): one row per view slot."""
    catalog = world.catalog
    views = sessions["views"]
    slot_session = np.repeat(np.arange(len(sessions)), views)
    count = len(slot_session)
    person = sessions["person"][slot_session]
    # Half the views go to the person's favourite category, the rest follow overall popularity.
    favorite = world.favorite_category[person]
    category_bounds = np.searchsorted(catalog.category_index, np.arange(len(catalog.category_names) + 1))
    in_category = (random.random(count) < 0.5)
    overall = np.searchsorted(np.cumsum(catalog.popularity), random.random(count) * catalog.popularity.sum())
    low, high = category_bounds[favorite], category_bounds[favorite + 1]
    within = low + (random.random(count) ** 1.6 * (high - low)).astype(np.int64)
    product = np.minimum(np.where(in_category, within, overall), len(catalog) - 1)
    quantity = 1 + (random.random(count) < 0.16) + (random.random(count) < 0.04)
    list_price = catalog.list_price_cents[product]
    promotion_discount = np.where(random.random(count) < 0.3, random.choice([0.8, 0.85, 0.9], count), 1.0)
    price = (np.round(list_price * promotion_discount / 100.0) * 100).astype(np.int64)
    price = np.where(promotion_discount < 1.0, np.maximum(price, 100), list_price)
    return Columns(session=slot_session, product=product, quantity=quantity.astype(np.int64), price_cents=price)


def price_baskets(world: World, sessions: Columns, slots: Columns, random: np.random.Generator) -> None:
    """Subtotal, coupon discount and total of every session's cart (the ordered items)."""
    count = len(sessions)
    slot_rank = number_within_groups(sessions["views"])
    in_order = slot_rank < sessions["ordered_items"][slots["session"]]
    amount = np.where(in_order, slots["price_cents"] * slots["quantity"], 0)
    subtotal = np.bincount(slots["session"], weights=amount, minlength=count).astype(np.int64)
    coupon_index = random.integers(0, len(words.COUPONS), count)
    campaign_coupon = sessions["campaign_coupon"]
    percent = np.array([c[1] for c in words.COUPONS])[coupon_index]
    cap = np.array([c[2] for c in words.COUPONS])[coupon_index] * 100
    discount = np.where(sessions["coupon"], np.minimum(subtotal * percent // 100, cap), 0)
    discount = np.minimum(discount, np.maximum(subtotal - 100, 0))
    sessions["subtotal_cents"] = subtotal
    sessions["discount_cents"] = discount
    sessions["total_cents"] = subtotal - discount
    # Coupon codes: the campaign's own code when the person was touched by a couponed campaign.
    sessions["coupon_code"] = np.where(sessions["coupon"] & (campaign_coupon >= 0), 100 + campaign_coupon,
                                       np.where(sessions["coupon"], coupon_index, -1))
    platform = sessions["platform"]
    channel = np.array([0, 1, 1, 2])[platform]
    weights = np.array(words.PAYMENT_WEIGHTS)[channel]
    cumulative = np.cumsum(weights, axis=1)
    draw = random.random(count)[:, None] * cumulative[:, -1:]
    sessions["payment_method"] = (draw > cumulative).sum(axis=1).astype(np.int8)


def expand_events(world: World, day: Day, sessions: Columns, slots: Columns, random: np.random.Generator) -> Columns:
    """One row per tracking call, in session order, with what each call is about."""
    blocks = sessions["blocks"]
    session_index, block_index = np.nonzero(blocks)
    repeats = blocks[session_index, block_index]
    instance_session = np.repeat(session_index, repeats)
    instance_block = np.repeat(block_index, repeats)
    instance_number = number_within_groups(repeats)
    lengths = BLOCK_LENGTH[instance_block]
    session = np.repeat(instance_session, lengths)
    block = np.repeat(instance_block, lengths)
    instance = np.repeat(instance_number, lengths)
    position = number_within_groups(lengths)
    count = len(session)
    kind = TEMPLATE_KIND[block, position].copy()
    code = TEMPLATE_CODE[block, position].copy()
    platform = sessions["platform"][session]
    views = kind == VIEW
    kind[views] = np.where(platform[views] == WEB, PAGE, SCREEN)
    signup_rows = (block == BLOCK["sign_in"]) & (kind == TRACK) & sessions["signup"][session]
    code[signup_rows] = EVENT["Signed Up"]
    after = block == BLOCK["browse_after"]
    code[after & views] = BROWSE_AFTER_PAGES[random.integers(0, len(BROWSE_AFTER_PAGES), int((after & views).sum()))]

    # The product of a call: view k and add k share slot k; wishlist and share use the first viewed product,
    # a removal the last added one.
    view_offset = np.cumsum(sessions["views"]) - sessions["views"]
    slot = np.full(count, -1, dtype=np.int64)
    product_blocks = np.isin(block, (BLOCK["view"], BLOCK["add"]))
    slot[product_blocks] = view_offset[session[product_blocks]] + instance[product_blocks]
    first_product = np.isin(block, (BLOCK["wishlist"], BLOCK["share"]))
    slot[first_product] = view_offset[session[first_product]]
    removal = block == BLOCK["remove"]
    slot[removal] = view_offset[session[removal]] + sessions["adds"][session[removal]] - 1
    has_slot = slot >= 0
    product = np.full(count, -1, dtype=np.int64)
    product[has_slot] = slots["product"][slot[has_slot]]
    quantity = np.zeros(count, dtype=np.int64)
    quantity[has_slot] = slots["quantity"][slot[has_slot]]
    price = np.zeros(count, dtype=np.int64)
    price[has_slot] = slots["price_cents"][slot[has_slot]]

    # Who is known: the user id from the sign-in call on; the anonymous id changes after a sign-out.
    signed_in_before = sessions["logged_in_start"][session]
    signed_in_here = sessions["login_here"][session] & (block >= BLOCK["sign_in"])
    after_sign_out = sessions["logout"][session] & (block > BLOCK["sign_out"])
    has_user = (signed_in_before | signed_in_here) & ~after_sign_out
    anonymous_version = sessions["anonymous_version"][session] + after_sign_out

    return Columns(
        session=session.astype(np.int64),
        block=block.astype(np.int8),
        kind=kind,
        code=code,
        person=sessions["person"][session],
        device=sessions["device"][session],
        kiosk=sessions["kiosk"][session],
        platform=platform,
        anonymous_version=anonymous_version,
        has_anonymous=np.ones(count, dtype=bool),
        has_user=has_user,
        product=product,
        quantity=quantity,
        price_cents=price,
        page=np.where(views, code, BLOCK_PAGE[block]).astype(np.int16),
        instance=instance,
    )


def time_sessions(world: World, day: Day, sessions: Columns, events: Columns,
                  random: np.random.Generator) -> np.ndarray:
    """Timestamps of every call; returns which sessions to keep (on the last day, those ending in the window)."""
    count = len(events)
    new_block = find_group_starts(events["session"] * 4096 + events["block"].astype(np.int64) * 64
                                  + events["instance"] % 64)
    bot = sessions["is_bot"][events["session"]]
    think = np.clip(random.lognormal(np.log(11_000), 0.9, count), 800, 12 * 60_000)
    quick = random.integers(60, 900, count)
    gap = np.where(new_block, think, quick)
    gap = np.where(bot, random.integers(300, 2_500, count), gap).astype(np.int64)
    first = find_group_starts(events["session"])
    gap[first] = 0
    offset = np.cumsum(gap)
    offset -= offset[np.flatnonzero(first)][np.cumsum(first) - 1]
    duration = np.zeros(len(sessions), dtype=np.int64)
    np.maximum.at(duration, events["session"], offset)

    # Lay sessions out per person: each starts after the previous one's end plus > 30 idle minutes.
    start = sessions["desired_start_ms"].copy()
    person = sessions["person"]
    human = ~sessions["is_bot"]
    rank = rank_within_groups(person)
    previous_end = world.last_session_end_ms.copy()
    idle = MINIMUM_IDLE_MS + random.integers(0, 20 * 60_000, len(sessions))
    for current in range(int(rank.max(initial=-1)) + 1):
        rows = np.flatnonzero((rank == current) & human)
        start[rows] = np.maximum(start[rows], previous_end[person[rows]] + idle[rows])
        previous_end[person[rows]] = start[rows] + duration[rows]
    sessions["start_ms"] = start
    sessions["end_ms"] = start + duration
    keep = np.ones(len(sessions), dtype=bool)
    if day.is_last:
        keep = sessions["end_ms"] + LAST_DAY_MARGIN_MS < world.window.end_ms
    events["timestamp_ms"] = start[events["session"]] + offset
    return keep


def deliver(world: World, day: Day, sessions: Columns, events: Columns, random: np.random.Generator) -> None:
    """sentAt / receivedAt of every call: seconds for live traffic, days for offline batches."""
    count = len(events)
    platform = events["platform"]
    batched = platform != WEB
    sent_delay = np.where(batched, random.integers(0, 20_000, count), random.integers(5, 300, count))
    sent = events["timestamp_ms"] + sent_delay
    received = sent + random.integers(30, 700, count)
    # Some app and mini-program sessions go offline and deliver their calls 1-5 days later.
    session_count = len(sessions)
    late_session = (np.isin(sessions["platform"], (IOS, ANDROID, MINI_PROGRAM)) & sessions["human_online"]
                    & (random.random(session_count) < LATE_SESSION_SHARE))
    lag = random.integers(1, 6, session_count) * 86_400_000 + random.integers(0, 6 * 3_600_000, session_count)
    late_received = sessions["end_ms"] + lag
    late_session &= late_received + 120_000 < world.window.end_ms
    late = late_session[events["session"]]
    batch_received = late_received[events["session"]] + random.integers(0, 90_000, count)
    received = np.where(late, batch_received, received)
    sent = np.where(late, received - random.integers(40, 600, count), sent)
    events["sent_ms"] = sent
    events["received_ms"] = received


# Every column of an event table: the value a call has when the column does not apply, and its type.
EVENT_COLUMNS = {
    "session": (-1, np.int32), "block": (-1, np.int8), "kind": (TRACK, np.int8), "code": (0, np.int16),
    "person": (0, np.int32), "device": (-1, np.int32), "kiosk": (-1, np.int16), "platform": (WEB, np.int8),
    "anonymous_version": (0, np.int32), "has_anonymous": (False, bool), "has_user": (False, bool),
    "product": (-1, np.int32), "quantity": (0, np.int16), "price_cents": (0, np.int64), "page": (0, np.int8),
    "instance": (0, np.int16), "timestamp_ms": (0, np.int64), "sent_ms": (0, np.int64), "received_ms": (0, np.int64),
    "serial": (0, np.int64), "order_serial": (-1, np.int64),
    "subtotal_cents": (0, np.int64), "discount_cents": (0, np.int64), "total_cents": (0, np.int64),
    "coupon_code": (-1, np.int16), "payment_method": (0, np.int8), "item_count": (0, np.int16),
    "query": (0, np.int16), "list_category": (-1, np.int8), "promotion": (0, np.int16), "share_via": (0, np.int8),
    "method": (0, np.int8), "campaign": (-1, np.int16), "campaign_channel": (-1, np.int8), "variation": (0, np.int8),
    "acquisition": (False, bool), "city": (0, np.int16), "trait_mask": (0, np.int8), "trait_defect": (0, np.int8),
    "trait_detail": (0, np.int16), "phone_format": (0, np.int8), "email_style": (0, np.int8), "defect": (0, np.int8),
    "defect_detail": (0, np.int32), "is_server": (False, bool),
}
INVALID_TRAIT_SHARE = 0.02
# Bits of an identify call's trait mask: which traits it sends.
TRAIT_BITS = {"email": 1, "phone": 2, "gender": 4, "birthday": 8, "place": 16, "wechat": 32, "membership": 64}


def create_blank_events(count: int) -> Columns:
    """An event table of `count` rows holding only default values."""
    return Columns({name: np.full(count, value, dtype=dtype) for name, (value, dtype) in EVENT_COLUMNS.items()})


def compact_events(events: Columns) -> Columns:
    """The event table with exactly EVENT_COLUMNS, each in its compact type."""
    if not events.width:
        return create_blank_events(0)
    return Columns({name: events[name].astype(dtype, copy=False) for name, (_, dtype) in EVENT_COLUMNS.items()})


def annotate_events(world: World, day: Day, sessions: Columns, events: Columns, random: np.random.Generator) -> None:
    """Everything a call's JSON needs beyond its product: ids, order figures, search words, traits."""
    population = world.population
    count = len(events)
    session = events["session"]
    events["serial"] = world.next_serials("event_serial", count)
    for name in ("order_serial", "subtotal_cents", "discount_cents", "total_cents", "coupon_code", "payment_method",
                 "campaign", "campaign_channel", "variation", "acquisition"):
        events[name] = sessions[name][session]
    events["item_count"] = np.where(events["code"] == EVENT["Cart Viewed"], sessions["adds"][session],
                                    sessions["ordered_items"][session])
    events["query"] = random.integers(0, len(words.SEARCH_QUERIES), count)
    list_category = np.where(random.random(count) < 0.6, world.favorite_category[events["person"]],
                             random.integers(0, len(world.catalog.category_names), count))
    events["list_category"] = np.where(events["page"] == PAGE_INDEX["Category"], list_category, -1)
    # On promotion days most banners show the day's promotion (-1), otherwise an evergreen one.
    evergreen = random.integers(0, len(words.EVERGREEN_PROMOTIONS), count)
    events["promotion"] = (np.where(random.random(count) < 0.6, -1 - day.index, evergreen) if day.promotion_id
                           else evergreen)
    events["city"] = population.city[events["person"]]
    events["share_via"] = random.integers(0, len(words.SHARE_TARGETS), count)
    events["method"] = np.where(events["platform"] == MINI_PROGRAM, 2, random.integers(0, 4, count))
    events["is_server"] = np.zeros(count, dtype=bool)
    events["defect"] = np.where(sessions["is_bot"][session], defects.BOT_TRAFFIC, defects.CLEAN).astype(np.int8)
    events["defect_detail"] = np.zeros(count, dtype=np.int64)

    # Identify traits: what each call sends, how phones and e-mails are typed, and a few unusable values.
    identify = np.flatnonzero(events["kind"] == IDENTIFY)
    person = events["person"][identify]
    draw = random.random((len(identify), 7))
    mask = np.zeros(len(identify), dtype=np.int64)
    mask |= np.where(population.has_email[person] & (draw[:, 0] < 0.7), TRAIT_BITS["email"], 0)
    mask |= np.where((population.phone_number[person] > 0) & (draw[:, 1] < 0.8), TRAIT_BITS["phone"], 0)
    mask |= np.where(draw[:, 2] < 0.6, TRAIT_BITS["gender"], 0)
    mask |= np.where(draw[:, 3] < 0.4, TRAIT_BITS["birthday"], 0)
    mask |= np.where(draw[:, 4] < 0.6, TRAIT_BITS["place"], 0)
    mask |= np.where((events["platform"][identify] == MINI_PROGRAM) & (events["kiosk"][identify] < 0),
                     TRAIT_BITS["wechat"], 0)
    mask |= np.where(population.is_member[person] & (draw[:, 5] < 0.6), TRAIT_BITS["membership"], 0)
    has_phone = (mask & TRAIT_BITS["phone"]) > 0
    has_email = (mask & TRAIT_BITS["email"]) > 0
    damaged = (has_phone | has_email) & (draw[:, 6] < INVALID_TRAIT_SHARE)
    # Damage the phone or the e-mail (never both); when the call sends both, either one.
    damage_phone = has_phone & (~has_email | (random.random(len(identify)) < 0.5))
    columns = {
        "trait_mask": mask,
        "trait_defect": np.where(damaged, np.where(damage_phone, defects.TRAIT_INVALID_PHONE,
                                                   defects.TRAIT_INVALID_EMAIL), defects.TRAIT_CLEAN),
        "trait_detail": random.integers(0, 20, len(identify)),
        "phone_format": draw_phone_formats(random, len(identify)),
        "email_style": draw_email_styles(random, len(identify)),
    }
    for name, values in columns.items():
        default, dtype = EVENT_COLUMNS[name]
        events[name] = np.full(count, default, dtype=dtype)
        events[name][identify] = values


def update_devices(world: World, sessions: Columns) -> None:
    """Carry sign-in state, anonymous-id resets, installs and last activity over to the next day."""
    population = world.population
    human = sessions["human_online"]
    device = sessions["device"]
    rows = np.flatnonzero(human)
    if len(rows):
        order = rows[np.lexsort((sessions["start_ms"][rows], device[rows]))]
        last = order[find_group_ends(device[order])]
        signed_in = sessions["logged_in_start"][last] | sessions["login_here"][last]
        population.device_logged_in[device[last]] = signed_in & ~sessions["logout"][last]
        population.device_installed[device[rows]] = True
        logout = last[sessions["logout"][last]]
        population.device_anonymous_version[device[logout]] += 1
        world.seen_online[sessions["person"][rows]] = True
    world.has_account[sessions["person"][sessions["signup"]]] = True
    people = sessions["person"][~sessions["is_bot"]]
    np.maximum.at(world.last_session_end_ms, people, sessions["end_ms"][~sessions["is_bot"]])
