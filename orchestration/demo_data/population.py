"""The people behind the data: demographics, personas, devices and every identifier they may show.

A Population is built once per run from the seed. Rows 0..humans-1 are real customers (test accounts
among them), the last rows are crawler bots. Devices are a flat table pointing back at persons; shop
kiosks are shared devices that belong to no one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.text import (
    choose,
    format_digits,
    format_hex,
    format_tokens,
    format_uuids,
    mix,
)

KIND_HUMAN, KIND_TEST, KIND_BOT = 0, 1, 2
GENDERS = ("F", "M", "unknown")
WEB, IOS, ANDROID, MINI_PROGRAM = 0, 1, 2, 3
PERSONA_CODES = tuple(persona[0] for persona in words.PERSONAS)
CHANNEL_CODES = tuple(channel[0] for channel in words.ACQUISITION_CHANNELS)
NEVER = 1 << 30
PREVIOUS_DAYS = 730
BOT_DEVICES_EACH = 20
SESSIONS_PER_DAY = 0.135


@dataclass
class Population:
    """Parallel arrays, one row per person (humans, then bots), plus the device table."""

    count: int
    humans: int
    kind: np.ndarray
    gender: np.ndarray
    birth_day: np.ndarray  # days since 1970-01-01
    city: np.ndarray
    acquisition_channel: np.ndarray
    acquisition_campaign: np.ndarray
    first_seen_day: np.ndarray  # window day index; negative before the window
    persona: np.ndarray
    churn_day: np.ndarray
    decline_start_day: np.ndarray
    dormant_start_day: np.ndarray
    dormant_end_day: np.ndarray
    session_rate: np.ndarray
    store_rate: np.ndarray
    store: np.ndarray  # index into stores, -1 without a store
    will_have_account: np.ndarray
    is_member: np.ndarray
    phone_number: np.ndarray  # 11-digit int, 0 without a phone
    has_email: np.ndarray
    email: pa.Array  # normalized, null without
    user_id: pa.Array
    crm_id: pa.Array
    member_id: pa.Array
    wechat_openid: pa.Array
    wechat_unionid: pa.Array
    full_name: pa.Array
    true_person_id: pa.Array
    ip_address: pa.Array
    browser_agent: np.ndarray
    locale: np.ndarray
    variation: np.ndarray  # checkout_redesign: 0 control, 1 treatment
    tier: np.ndarray
    marketing_opt_in: np.ndarray
    # devices: a flat table, each person's devices at device_start .. device_start + device_count - 1
    device_start: np.ndarray
    device_count: np.ndarray
    device_person: np.ndarray
    device_platform: np.ndarray
    device_id: pa.Array  # app devices only
    device_model: np.ndarray
    device_app_version: np.ndarray
    device_logged_in: np.ndarray  # state, updated day by day
    device_installed: np.ndarray  # state, updated day by day
    device_anonymous_version: np.ndarray  # state: bumped when the device logs out
    device_cumulative_weight: np.ndarray
    # stores and their shared kiosks
    store_ids: pa.Array
    store_city: np.ndarray
    kiosk_store: np.ndarray
    kiosk_device_id: pa.Array
    kiosk_anonymous_id: pa.Array
    store_kiosk: np.ndarray  # kiosk index per store, -1 without one
    seed: int

    @property
    def bots(self) -> np.ndarray:
        return np.flatnonzero(self.kind == KIND_BOT)

    def format_anonymous_ids(self, devices: np.ndarray, versions: np.ndarray) -> pa.Array:
        """Segment anonymousId of a device at an anonymous-id version (reset after each sign-out)."""
        devices = np.asarray(devices, dtype=np.uint64)
        versions = np.asarray(versions, dtype=np.uint64)
        return format_uuids(mix(self.seed, 11, devices, versions), mix(self.seed, 12, devices, versions))


def _choose_weighted(random: np.random.Generator, weights, size: int) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return random.choice(len(weights), size=size, p=weights / weights.sum())


def _permute_numbers(index: np.ndarray, multiplier: int, offset: int, modulus: int) -> np.ndarray:
    """Distinct numbers below modulus for distinct indexes (multiplier coprime with modulus)."""
    return (index.astype(np.int64) * multiplier + offset) % modulus


def _keep(values: pa.Array, keep: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(keep), values, pa.scalar(None, pa.string()))


def _list_stores() -> tuple[list[str], list[int]]:
    """Store ids and their city: two stores in the biggest cities, one in the other store cities."""
    ids, cities = [], []
    for city_index, city in enumerate(words.CITIES):
        code = city[5]
        if not code:
            continue
        for number in range(1, 3 if city[4] >= 5 else 2):
            ids.append(f"{code}{number:03d}")
            cities.append(city_index)
    return ids, cities


def _draw_lifecycles(random: np.random.Generator, persona: np.ndarray, first_seen_day: np.ndarray,
                     days: int) -> dict[str, np.ndarray]:
    """Churners decline then stop; reactivated persons shop early, fall silent for a month, and return."""
    count = len(persona)
    fields = {name: np.full(count, NEVER, dtype=np.int64)
              for name in ("churn_day", "decline_start_day", "dormant_start_day", "dormant_end_day")}
    churner = persona == PERSONA_CODES.index("churner")
    first_active = np.maximum(first_seen_day, 0)[churner]
    churners = int(churner.sum())
    lifetime = np.maximum(3, (random.uniform(0.25, 0.85, churners) * (days - first_active)).astype(np.int64))
    fields["churn_day"][churner] = first_active + lifetime
    fields["decline_start_day"][churner] = np.maximum(
        first_active, fields["churn_day"][churner] - random.integers(7, 28, churners))
    reactivated = persona == PERSONA_CODES.index("reactivated")
    returning = int(reactivated.sum())
    first_seen_day[reactivated] = np.minimum(first_seen_day[reactivated], 0)
    silence = max(2, min(35, days // 3))  # at least a month (a third of a short window)
    fields["dormant_start_day"][reactivated] = random.integers(1, max(2, days // 5 + 1), returning)
    fields["dormant_end_day"][reactivated] = (fields["dormant_start_day"][reactivated] + silence
                                              + random.integers(0, max(1, days // 6), returning))
    return fields


def _draw_names_and_emails(random: np.random.Generator, index: np.ndarray, gender: np.ndarray
                           ) -> tuple[pa.Array, pa.Array]:
    """Chinese full names, and e-mail addresses built from their pinyin (unique by a per-person number)."""
    count = len(index)
    surname = _choose_weighted(random, [s[2] for s in words.SURNAMES], count)
    male = pa.array(gender == 1)
    first = random.integers(0, len(words.GIVEN_FEMALE), count)
    second = np.where(random.random(count) < 0.7, random.integers(0, len(words.GIVEN_FEMALE), count), -1)

    def given(position: int, choices: np.ndarray) -> pa.Array:
        return pc.if_else(male, choose([g[position] for g in words.GIVEN_MALE], choices),
                          choose([g[position] for g in words.GIVEN_FEMALE], choices))

    given_text = pc.binary_join_element_wise(given(0, first), pc.fill_null(given(0, second), ""), "")
    given_pinyin = pc.binary_join_element_wise(given(1, first), pc.fill_null(given(1, second), ""), "")
    surname_pinyin = choose([s[1] for s in words.SURNAMES], surname)
    full_name = pc.binary_join_element_wise(choose([s[0] for s in words.SURNAMES], surname), given_text, "")
    number = _permute_numbers(index % 1_000_000, 618_033, 101, 1_000_000) + index // 1_000_000 * 1_000_000
    local_part = pc.choose(
        pa.array(random.integers(0, 3, count).astype(np.int8)),
        pc.binary_join_element_wise(given_pinyin, surname_pinyin, "."),
        pc.binary_join_element_wise(surname_pinyin, given_pinyin, ""),
        pc.binary_join_element_wise(surname_pinyin, "_", given_pinyin, ""),
    )
    domain = choose([d[0] for d in words.EMAIL_DOMAINS],
                    _choose_weighted(random, [d[1] for d in words.EMAIL_DOMAINS], count))
    email = pc.binary_join_element_wise(local_part, pc.cast(pa.array(number), pa.string()), "@", domain, "")
    return full_name, email


def _test_account_names(count: int) -> tuple[list[str], list[str]]:
    """User ids and throwaway e-mails of the QA team's accounts."""
    user_ids, emails = [], []
    for position in range(1, count + 1):
        style = position % 3
        user_ids.append((f"test_{position:03d}", f"qa_tester_{position}", f"test_user_{position:02d}")[style])
        emails.append((f"test{position}@example.com", f"qa.{position}@test.com",
                       f"tester_{position}@example.com")[style])
    return user_ids, emails


def _assign_devices(random: np.random.Generator, kind: np.ndarray, online: np.ndarray,
                    seed: int) -> dict[str, np.ndarray | pa.Array]:
    """Each online person's devices: a browser (sometimes two), an iOS or Android app, the mini program.

    Bots get a pool of browser "devices" (fresh cookies) each.
    """
    count = len(kind)
    index = np.arange(count)
    uses_web = random.random(count) < 0.45
    uses_app = random.random(count) < 0.58
    uses_mini = random.random(count) < 0.42
    none = ~(uses_web | uses_app | uses_mini)
    uses_app |= none & (random.random(count) < 0.5)
    uses_web |= none & ~uses_app
    uses_ios = uses_app & (random.random(count) < 0.42)
    uses_android = uses_app & ~uses_ios
    second_browser = uses_web & (random.random(count) < 0.2)
    flags = np.stack([uses_web, second_browser, uses_ios, uses_android, uses_mini], axis=1) & online[:, None]
    device_count = flags.sum(axis=1)
    bot = kind == KIND_BOT
    device_count[bot] = BOT_DEVICES_EACH
    device_start = np.concatenate([[0], np.cumsum(device_count)[:-1]])
    total = int(device_count.sum())
    device_person = np.repeat(index, device_count).astype(np.int32)
    device_platform = np.full(total, WEB, dtype=np.int8)
    _, columns = np.nonzero(flags[~bot])  # row-major: persons in order, their devices in flag order
    device_platform[np.flatnonzero(~bot[device_person])] = np.array([WEB, WEB, IOS, ANDROID, MINI_PROGRAM])[columns]

    # Sessions pick a device by the person's platform preference (a second browser is used less).
    preference = random.dirichlet([1.0, 1.0, 1.0], count)  # web, app, mini program
    platform_preference = np.stack([preference[:, 0], preference[:, 1], preference[:, 1], preference[:, 2]], axis=1)
    weight = platform_preference[device_person, device_platform] + 0.02
    weight[1:][(device_person[1:] == device_person[:-1]) & (device_platform[1:] == WEB)] *= 0.4
    weight[bot[device_person]] = 1.0
    # Per person, the running share of device weight: a session picks device k of person p where
    # p + u falls below this value (u uniform in [0, 1)); each person's last device ends at exactly p + 1.
    running = np.cumsum(weight)
    within = running - (running - weight)[device_start[device_person]]
    has_devices = device_count > 0
    last_device = (device_start + device_count - 1)[has_devices]
    totals = np.ones(count)
    totals[has_devices] = within[last_device]
    cumulative_weight = device_person + within / totals[device_person]
    cumulative_weight[last_device] = index[has_devices] + 1.0

    numbers = np.arange(total, dtype=np.uint64)
    ios_ids = format_uuids(mix(seed, 31, numbers), mix(seed, 32, numbers), upper=True)
    android_ids = format_hex(mix(seed, 33, numbers), 16)
    no_id = pa.nulls(total, pa.string())
    return {
        "device_start": device_start.astype(np.int64),
        "device_count": device_count.astype(np.int64),
        "device_person": device_person,
        "device_platform": device_platform,
        "device_cumulative_weight": cumulative_weight,
        "device_id": pc.choose(pa.array(device_platform), no_id, ios_ids, android_ids, no_id),
        "device_model": random.integers(0, 6, total).astype(np.int8),
        "device_app_version": random.integers(0, len(words.APP_VERSIONS), total).astype(np.int8),
        "device_anonymous_version": np.zeros(total, dtype=np.int64),
        "uses_mini": flags[:, 4],
    }


def _describe_stores(seed: int) -> dict[str, np.ndarray | pa.Array]:
    """Stores, and the in-store kiosk tablet of the first store in each of the biggest cities."""
    store_ids, store_cities = _list_stores()
    kiosk_store = np.array([i for i, store_id in enumerate(store_ids)
                            if store_id.endswith("001") and words.CITIES[store_cities[i]][4] >= 5], dtype=np.int32)
    store_kiosk = np.full(len(store_ids), -1, dtype=np.int32)
    store_kiosk[kiosk_store] = np.arange(len(kiosk_store))
    kiosks = np.arange(len(kiosk_store), dtype=np.uint64)
    return {
        "store_ids": pa.array(store_ids, pa.string()),
        "store_city": np.array(store_cities, dtype=np.int16),
        "kiosk_store": kiosk_store,
        "kiosk_device_id": pa.array([f"kiosk-{store_ids[store][:2]}-01" for store in kiosk_store], pa.string()),
        "kiosk_anonymous_id": format_uuids(mix(seed, 61, kiosks), mix(seed, 62, kiosks)),
        "store_kiosk": store_kiosk,
    }


def build_population(random: np.random.Generator, persons: int, days: int, start_epoch_day: int,
                     seed: int) -> Population:
    """Draw `persons` customers (test accounts included) plus a few bots for a window of `days` days."""
    tests = max(2, round(persons * 0.003))
    bots = max(2, round(persons * 0.0015))
    count = persons + bots
    index = np.arange(count)
    kind = np.full(count, KIND_HUMAN, dtype=np.int8)
    kind[random.choice(persons, size=tests, replace=False)] = KIND_TEST
    kind[persons:] = KIND_BOT
    human, test = kind != KIND_BOT, kind == KIND_TEST

    gender = _choose_weighted(random, [0.56, 0.41, 0.03], count).astype(np.int8)
    ages = np.clip(random.gamma(6.0, 5.2, count) + 14, 16, 70)
    city = _choose_weighted(random, [c[4] for c in words.CITIES], count).astype(np.int16)
    persona = _choose_weighted(random, [p[1] for p in words.PERSONAS], count).astype(np.int8)
    stores = _describe_stores(seed)
    store_cities = stores["store_city"]
    has_store_city = np.isin(city, store_cities)
    store_only = PERSONA_CODES.index("store_only")
    persona[((persona == store_only) & ~has_store_city) | test] = PERSONA_CODES.index("regular")

    channel = _choose_weighted(random, [c[1] for c in words.ACQUISITION_CHANNELS], count).astype(np.int8)
    walk_in = CHANNEL_CODES.index("store_walk_in")
    channel[((channel == walk_in) & ~has_store_city) | test] = CHANNEL_CODES.index("organic")
    channel[persona == store_only] = walk_in
    campaign_counts = np.array([max(1, len(c[4])) for c in words.ACQUISITION_CHANNELS])
    acquisition_campaign = (random.integers(0, 1 << 16, count) % campaign_counts[channel]).astype(np.int16)

    # Somewhat more than half the customers existed before the window; the others arrive during it.
    existed = random.random(count) < 0.55
    first_seen_day = np.where(existed, -random.integers(1, PREVIOUS_DAYS, count), random.integers(0, days, count))
    first_seen_day[test] = -random.integers(30, 400, int(test.sum()))
    first_seen_day[kind == KIND_BOT] = -1
    lifecycles = _draw_lifecycles(random, persona, first_seen_day, days)

    session_rate = (SESSIONS_PER_DAY * random.lognormal(-0.45, 0.95, count)
                    * np.array([p[2] for p in words.PERSONAS])[persona])
    session_rate[test] *= 2.0

    # Store customers shop at a store of their own city.
    uses_store = (kind == KIND_HUMAN) & has_store_city & (
        (random.random(count) < 0.32) | (persona == store_only) | (channel == walk_in))
    first_store = np.full(len(words.CITIES), -1, dtype=np.int64)
    stores_in_city = np.ones(len(words.CITIES), dtype=np.int64)
    for city_index in np.unique(store_cities):
        in_city = np.flatnonzero(store_cities == city_index)
        first_store[city_index], stores_in_city[city_index] = in_city[0], len(in_city)
    store_pick = (mix(seed, 5, index) % stores_in_city[city].astype(np.uint64)).astype(np.int64)
    store = np.where(uses_store, first_store[city] + store_pick, -1).astype(np.int32)
    store_rate = np.where(store >= 0, random.lognormal(-4.3, 0.6, count), 0.0)
    store_rate[persona == store_only] *= 2.5
    store_rate[persona == PERSONA_CODES.index("big_spender")] *= 1.8

    online = human & (persona != store_only)
    will_have_account = (online & (random.random(count) < 0.86)) | test
    is_member = human & ~test & (((store >= 0) & (random.random(count) < 0.85))
                                 | (will_have_account & (random.random(count) < 0.45)))
    has_phone = human & ((random.random(count) < 0.9) | is_member | (store >= 0))
    has_email = (human & (random.random(count) < 0.55)) | test

    prefixes = np.array([int(p) for p in words.PHONE_PREFIXES], dtype=np.int64)[
        random.integers(0, len(words.PHONE_PREFIXES), count)]
    suffixes = _permute_numbers(index + seed * 7919, 61_803_399, 12_345, 100_000_000)
    phone_number = np.where(has_phone, prefixes * 100_000_000 + suffixes, 0)

    full_name, email = _draw_names_and_emails(random, index, gender)
    test_user_ids, test_emails = _test_account_names(int(test.sum()))
    test_mask = pa.array(test)
    email = _keep(pc.replace_with_mask(email, test_mask, pa.array(test_emails, pa.string())), has_email)
    user_numbers = _permute_numbers(index + seed * 104_729, 55_623_191, 3_571, 90_000_000) + 10_000_000
    user_id = pc.replace_with_mask(format_digits(user_numbers, 8, b"U"), test_mask,
                                   pa.array(test_user_ids, pa.string()))
    crm_numbers = _permute_numbers(index + seed * 13, 38_196_601, 1_234, 100_000_000)
    member_numbers = _permute_numbers(index + seed * 31, 618_033_989, 99_991, 1_000_000_000)

    devices = _assign_devices(random, kind, online, seed)
    uses_mini = devices.pop("uses_mini")
    has_unionid = uses_mini & (random.random(count) < 0.85)
    existed_before = first_seen_day < 0
    device_person = devices["device_person"]
    # People who shopped before the window are signed in on most devices and have installed the app.
    device_logged_in = (will_have_account & existed_before)[device_person] & (random.random(len(device_person)) < 0.8)
    device_installed = existed_before[device_person] & np.isin(devices["device_platform"], (IOS, ANDROID))

    ip_tail = mix(seed, 41, index)
    third = (ip_tail % np.uint64(254)).astype(np.int64) + 1
    fourth = ((ip_tail >> np.uint64(8)) % np.uint64(254)).astype(np.int64) + 1
    home_ip = pc.binary_join_element_wise(choose([c[6] for c in words.CITIES], city),
                                          pc.cast(pa.array(third), pa.string()),
                                          pc.cast(pa.array(fourth), pa.string()), ".")
    crawler_ip = pc.binary_join_element_wise("66.249.", pc.cast(pa.array(index % 200 + 10), pa.string()), ".",
                                             pc.cast(pa.array(index % 250 + 1), pa.string()), "")
    browser_agent = _choose_weighted(random, words.BROWSER_AGENT_WEIGHTS, count).astype(np.int8)
    browser_agent[kind == KIND_BOT] = (np.arange(bots) % len(words.BOT_AGENTS)).astype(np.int8)

    return Population(
        count=count,
        humans=persons,
        kind=kind,
        gender=gender,
        birth_day=(start_epoch_day - (ages * 365.25).astype(np.int64)).astype(np.int64),
        city=city,
        acquisition_channel=channel,
        acquisition_campaign=acquisition_campaign,
        first_seen_day=first_seen_day.astype(np.int64),
        persona=persona,
        **lifecycles,
        session_rate=session_rate,
        store_rate=store_rate,
        store=store,
        will_have_account=will_have_account,
        is_member=is_member,
        phone_number=phone_number.astype(np.int64),
        has_email=has_email,
        email=email,
        user_id=user_id,
        crm_id=_keep(format_digits(crm_numbers, 8, b"CRM"), is_member),
        member_id=_keep(format_digits(member_numbers, 9, b"M"), is_member),
        wechat_openid=_keep(format_tokens(mix(seed, 21, index), 27, b"o"), uses_mini),
        wechat_unionid=_keep(format_tokens(mix(seed, 22, index), 27, b"o"), has_unionid),
        full_name=full_name,
        true_person_id=format_digits(index, 7, b"P"),
        ip_address=pc.if_else(pa.array(kind == KIND_BOT), crawler_ip, home_ip),
        browser_agent=browser_agent,
        locale=random.integers(0, len(words.LOCALES), count).astype(np.int8),
        variation=(mix(seed, 51, index) & np.uint64(1)).astype(np.int8),
        tier=_choose_weighted(random, [0.55, 0.28, 0.13, 0.04], count).astype(np.int8),
        marketing_opt_in=random.random(count) < 0.78,
        device_logged_in=device_logged_in,
        device_installed=device_installed,
        **devices,
        **stores,
        seed=seed,
    )
