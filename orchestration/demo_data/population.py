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
    device_start: np.ndarray
    device_count: np.ndarray
    # devices
    device_person: np.ndarray
    device_platform: np.ndarray
    device_weight: np.ndarray
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


def _list_stores() -> tuple[list[str], list[int]]:
    ids, cities = [], []
    for city_index, city in enumerate(words.CITIES):
        code = city[5]
        if not code:
            continue
        for number in range(1, 3 if city[4] >= 5 else 2):
            ids.append(f"{code}{number:03d}")
            cities.append(city_index)
    return ids, cities


def build_population(random: np.random.Generator, persons: int, days: int, start_epoch_day: int,
                     seed: int) -> Population:
    """Draw `persons` customers (test accounts included) plus a few bots for a window of `days` days."""
    humans = persons
    tests = max(2, round(persons * 0.003))
    bots = max(2, round(persons * 0.0015))
    count = humans + bots
    index = np.arange(count)
    kind = np.full(count, KIND_HUMAN, dtype=np.int8)
    kind[random.choice(humans, size=tests, replace=False)] = KIND_TEST
    kind[humans:] = KIND_BOT
    human = kind != KIND_BOT

    gender = _choose_weighted(random, [0.56, 0.41, 0.03], count).astype(np.int8)
    ages = np.clip(random.gamma(6.0, 5.2, count) + 14, 16, 70)
    birth_day = (start_epoch_day - (ages * 365.25).astype(np.int64)).astype(np.int64)
    city = _choose_weighted(random, [c[4] for c in words.CITIES], count).astype(np.int16)
    persona = _choose_weighted(random, [p[1] for p in words.PERSONAS], count).astype(np.int8)

    store_ids, store_cities = _list_stores()
    store_by_city = {}
    for store_index, city_index in enumerate(store_cities):
        store_by_city.setdefault(city_index, []).append(store_index)
    has_store_city = np.array([city_index in store_by_city for city_index in range(len(words.CITIES))])[city]
    store_only = PERSONA_CODES.index("store_only")
    persona[(persona == store_only) & ~has_store_city] = 0
    persona[kind == KIND_TEST] = 0

    channel = _choose_weighted(random, [c[1] for c in words.ACQUISITION_CHANNELS], count).astype(np.int8)
    walk_in = CHANNEL_CODES.index("store_walk_in")
    channel[(channel == walk_in) & ~has_store_city] = 0
    channel[persona == store_only] = walk_in
    channel[kind == KIND_TEST] = 0
    campaign_pick = random.integers(0, 1 << 16, count)
    campaign_counts = np.array([max(1, len(c[4])) for c in words.ACQUISITION_CHANNELS])
    acquisition_campaign = (campaign_pick % campaign_counts[channel]).astype(np.int16)

    # Somewhat more than half the customers existed before the window; the others arrive during it.
    existed = random.random(count) < 0.55
    first_seen_day = np.where(existed, -random.integers(1, PREVIOUS_DAYS, count), random.integers(0, days, count))
    first_seen_day[kind == KIND_TEST] = -random.integers(30, 400, (kind == KIND_TEST).sum())
    first_seen_day[kind == KIND_BOT] = -1

    churn_day = np.full(count, NEVER, dtype=np.int64)
    decline_start_day = np.full(count, NEVER, dtype=np.int64)
    dormant_start_day = np.full(count, NEVER, dtype=np.int64)
    dormant_end_day = np.full(count, NEVER, dtype=np.int64)
    churner = persona == PERSONA_CODES.index("churner")
    first_active = np.maximum(first_seen_day, 0)
    churn_day[churner] = first_active[churner] + np.maximum(
        3, (random.uniform(0.25, 0.85, churner.sum()) * (days - first_active[churner])).astype(np.int64))
    decline_start_day[churner] = np.maximum(first_active[churner], churn_day[churner] - random.integers(7, 28, churner.sum()))
    reactivated = persona == PERSONA_CODES.index("reactivated")
    # Active early in the window, silent for at least a month (or a third of a short window), then back.
    first_seen_day[reactivated] = np.minimum(first_seen_day[reactivated], 0)
    silence = max(2, min(35, days // 3))
    dormant_start_day[reactivated] = random.integers(1, max(2, days // 5 + 1), reactivated.sum())
    dormant_end_day[reactivated] = dormant_start_day[reactivated] + silence + random.integers(0, max(1, days // 6), reactivated.sum())

    persona_rates = np.array([p[2] for p in words.PERSONAS])
    session_rate = SESSIONS_PER_DAY * random.lognormal(-0.45, 0.95, count) * persona_rates[persona]
    session_rate[kind == KIND_TEST] *= 2.0

    store = np.full(count, -1, dtype=np.int32)
    uses_store = human & has_store_city & ((random.random(count) < 0.32) | (persona == store_only)
                                           | (channel == walk_in))
    uses_store &= kind == KIND_HUMAN
    first_store = np.full(len(words.CITIES), -1, dtype=np.int64)
    stores_in_city = np.ones(len(words.CITIES), dtype=np.int64)
    for city_index, options in store_by_city.items():
        first_store[city_index], stores_in_city[city_index] = options[0], len(options)
    store_pick = (mix(seed, 5, index) % stores_in_city[city].astype(np.uint64)).astype(np.int64)
    store[uses_store] = (first_store[city] + store_pick)[uses_store]
    store_rate = np.where(store >= 0, random.lognormal(-4.3, 0.6, count), 0.0)
    store_rate[persona == store_only] *= 2.5
    store_rate[persona == PERSONA_CODES.index("big_spender")] *= 1.8

    online = human & (persona != store_only)
    will_have_account = online & (random.random(count) < 0.86)
    will_have_account[kind == KIND_TEST] = True
    is_member = human & (((store >= 0) & (random.random(count) < 0.85)) | (will_have_account & (random.random(count) < 0.45)))
    is_member[kind == KIND_TEST] = False
    has_phone = human & ((random.random(count) < 0.9) | is_member | (store >= 0))
    has_email = human & (random.random(count) < 0.55)
    has_email[kind == KIND_TEST] = True

    prefix_pick = random.integers(0, len(words.PHONE_PREFIXES), count)
    prefixes = np.array([int(p) for p in words.PHONE_PREFIXES], dtype=np.int64)[prefix_pick]
    phone_number = np.where(has_phone, prefixes * 100_000_000 + _permute_numbers(index + seed * 7919, 61_803_399, 12_345, 100_000_000), 0)

    # Names, in Chinese, and the pinyin used for e-mail addresses.
    surname = _choose_weighted(random, [s[2] for s in words.SURNAMES], count)
    given_pool = np.where(gender == 1, 1, 0)
    first_char = random.integers(0, len(words.GIVEN_FEMALE), count)
    second_char = np.where(random.random(count) < 0.7, random.integers(0, len(words.GIVEN_FEMALE), count), -1)
    female_chars = [g[0] for g in words.GIVEN_FEMALE]
    male_chars = [g[0] for g in words.GIVEN_MALE]
    female_pinyin = [g[1] for g in words.GIVEN_FEMALE]
    male_pinyin = [g[1] for g in words.GIVEN_MALE]
    pool = given_pool.astype(bool)
    char_one = pc.if_else(pa.array(pool), choose(male_chars, first_char), choose(female_chars, first_char))
    char_two = pc.if_else(pa.array(pool), choose(male_chars, second_char), choose(female_chars, second_char))
    pinyin_one = pc.if_else(pa.array(pool), choose(male_pinyin, first_char), choose(female_pinyin, first_char))
    pinyin_two = pc.if_else(pa.array(pool), choose(male_pinyin, second_char), choose(female_pinyin, second_char))
    surname_text = choose([s[0] for s in words.SURNAMES], surname)
    surname_pinyin = choose([s[1] for s in words.SURNAMES], surname)
    given_text = pc.binary_join_element_wise(char_one, pc.fill_null(char_two, ""), "")
    given_pinyin = pc.binary_join_element_wise(pinyin_one, pc.fill_null(pinyin_two, ""), "")
    full_name = pc.binary_join_element_wise(surname_text, given_text, "")

    # A number unique to the person keeps every address distinct.
    number_text = pc.cast(pa.array(_permute_numbers(index % 1_000_000, 618_033, 101, 1_000_000) + index // 1_000_000 * 1_000_000),
                          pa.string())
    local_style = random.integers(0, 3, count)
    local_part = pc.choose(
        pa.array(local_style.astype(np.int8)),
        pc.binary_join_element_wise(given_pinyin, surname_pinyin, "."),
        pc.binary_join_element_wise(surname_pinyin, given_pinyin, ""),
        pc.binary_join_element_wise(surname_pinyin, "_", given_pinyin, ""),
    )
    domain = choose([d[0] for d in words.EMAIL_DOMAINS],
                    _choose_weighted(random, [d[1] for d in words.EMAIL_DOMAINS], count))
    email = pc.binary_join_element_wise(local_part, number_text, "@", domain, "")
    # Test accounts sign up with throwaway addresses.
    test_rows = np.flatnonzero(kind == KIND_TEST)
    test_user_ids = []
    test_emails = []
    for position, person in enumerate(test_rows, start=1):
        style = position % 3
        test_user_ids.append(("test_%03d" % position, "qa_tester_%d" % position, "test_user_%02d" % position)[style])
        test_emails.append((f"test{position}@example.com", f"qa.{position}@test.com", f"tester_{position}@example.com")[style])
    test_mask = pa.array(kind == KIND_TEST)
    email = pc.replace_with_mask(email, test_mask, pa.array(test_emails, pa.string()))
    email = pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string()))

    user_numbers = _permute_numbers(index + seed * 104_729, 55_623_191, 3_571, 90_000_000) + 10_000_000
    user_id = pc.replace_with_mask(format_digits(user_numbers, 8, b"U"), test_mask,
                                   pa.array(test_user_ids, pa.string()))
    crm_id = pc.if_else(pa.array(is_member), format_digits(_permute_numbers(index + seed * 13, 38_196_601, 1_234, 100_000_000), 8, b"CRM"),
                        pa.scalar(None, pa.string()))
    member_id = pc.if_else(pa.array(is_member),
                           format_digits(_permute_numbers(index + seed * 31, 618_033_989, 99_991, 1_000_000_000), 9, b"M"),
                           pa.scalar(None, pa.string()))

    # Platforms: each online person uses one or more of web, an app (iOS or Android) and the mini program.
    uses_web = random.random(count) < 0.45
    uses_app = random.random(count) < 0.58
    uses_mini = random.random(count) < 0.42
    none = ~(uses_web | uses_app | uses_mini)
    uses_app |= none & (random.random(count) < 0.5)
    uses_web |= none & ~uses_app
    uses_ios = uses_app & (random.random(count) < 0.42)
    uses_android = uses_app & ~uses_ios
    second_browser = uses_web & (random.random(count) < 0.2)
    uses_web[~online] = uses_ios[~online] = uses_android[~online] = uses_mini[~online] = second_browser[~online] = False
    uses_web[kind == KIND_BOT] = True
    wechat_openid = pc.if_else(pa.array(uses_mini), format_tokens(mix(seed, 21, index), 27, b"o"),
                               pa.scalar(None, pa.string()))
    has_unionid = uses_mini & (random.random(count) < 0.85)
    wechat_unionid = pc.if_else(pa.array(has_unionid), format_tokens(mix(seed, 22, index), 27, b"o"),
                                pa.scalar(None, pa.string()))

    device_count = (uses_web.astype(np.int64) + second_browser + uses_ios + uses_android + uses_mini)
    device_count[kind == KIND_BOT] = BOT_DEVICES_EACH
    device_start = np.concatenate([[0], np.cumsum(device_count)[:-1]])
    total_devices = int(device_count.sum())
    device_person = np.repeat(index, device_count).astype(np.int32)
    platform_flags = np.stack([uses_web, second_browser, uses_ios, uses_android, uses_mini], axis=1)
    platform_codes = np.array([WEB, WEB, IOS, ANDROID, MINI_PROGRAM], dtype=np.int8)
    device_platform = np.empty(total_devices, dtype=np.int8)
    human_devices = np.flatnonzero(kind[device_person] != KIND_BOT)
    rows, columns = np.nonzero(platform_flags[human])
    device_platform[human_devices] = platform_codes[columns]
    device_platform[kind[device_person] == KIND_BOT] = WEB
    preference = random.dirichlet([1.0, 1.0, 1.0], count)  # web, app, mini program
    platform_preference = np.stack([preference[:, 0], preference[:, 1], preference[:, 1], preference[:, 2]], axis=1)
    device_weight = platform_preference[device_person, device_platform] + 0.02
    device_weight[1:][(device_person[1:] == device_person[:-1]) & (device_platform[1:] == WEB)] *= 0.4
    device_weight[kind[device_person] == KIND_BOT] = 1.0
    # Per person, the running share of device weight: a session picks device k of person p where
    # p + u falls below this value (u uniform in [0, 1)); each person's last device ends at exactly p + 1.
    running = np.cumsum(device_weight)
    before_first = (running - device_weight)[device_start[device_person]]
    within = running - before_first
    last_device = device_start + device_count - 1
    person_totals = np.ones(count)
    person_totals[device_count > 0] = within[last_device[device_count > 0]]
    device_cumulative_weight = device_person + within / person_totals[device_person]
    device_cumulative_weight[last_device[device_count > 0]] = index[device_count > 0] + 1.0

    device_numbers = np.arange(total_devices, dtype=np.uint64)
    ios_ids = format_uuids(mix(seed, 31, device_numbers), mix(seed, 32, device_numbers), upper=True)
    android_ids = format_hex(mix(seed, 33, device_numbers), 16)
    device_id = pc.choose(pa.array(device_platform),
                          pa.nulls(total_devices, pa.string()), ios_ids, android_ids, pa.nulls(total_devices, pa.string()))
    device_model = random.integers(0, 6, total_devices).astype(np.int8)
    device_app_version = random.integers(0, len(words.APP_VERSIONS), total_devices).astype(np.int8)

    existed_before = first_seen_day < 0
    device_logged_in = will_have_account[device_person] & existed_before[device_person] & (random.random(total_devices) < 0.8)
    device_installed = existed_before[device_person] & np.isin(device_platform, (IOS, ANDROID))

    # Kiosks: the two biggest cities' stores each have one in-store tablet everyone signs in on.
    store_city = np.array(store_cities, dtype=np.int16)
    kiosk_store = np.array([i for i, store_id in enumerate(store_ids) if store_id.endswith("001")
                            and words.CITIES[store_cities[i]][4] >= 5], dtype=np.int32)
    kiosk_names = [f"kiosk-{store_ids[store][:2]}-01" for store in kiosk_store]
    store_kiosk = np.full(len(store_ids), -1, dtype=np.int32)
    store_kiosk[kiosk_store] = np.arange(len(kiosk_store))
    kiosk_numbers = np.arange(len(kiosk_store), dtype=np.uint64)

    ip_tail = mix(seed, 41, index)
    third = (ip_tail % np.uint64(254)).astype(np.int64) + 1
    fourth = ((ip_tail >> np.uint64(8)) % np.uint64(254)).astype(np.int64) + 1
    ip_address = pc.binary_join_element_wise(
        choose([c[6] for c in words.CITIES], city), pc.cast(pa.array(third), pa.string()),
        pc.cast(pa.array(fourth), pa.string()), ".")
    bot_ip = pc.binary_join_element_wise("66.249.", pc.cast(pa.array(index % 200 + 10), pa.string()), ".",
                                         pc.cast(pa.array(index % 250 + 1), pa.string()), "")
    ip_address = pc.if_else(pa.array(kind == KIND_BOT), bot_ip, ip_address)

    browser_agent = _choose_weighted(random, words.BROWSER_AGENT_WEIGHTS, count).astype(np.int8)
    browser_agent[kind == KIND_BOT] = (np.arange(bots) % len(words.BOT_AGENTS)).astype(np.int8)
    locale = random.integers(0, len(words.LOCALES), count).astype(np.int8)
    variation = (mix(seed, 51, index) & np.uint64(1)).astype(np.int8)
    tier = _choose_weighted(random, [0.55, 0.28, 0.13, 0.04], count).astype(np.int8)
    marketing_opt_in = random.random(count) < 0.78

    return Population(
        count=count,
        humans=humans,
        kind=kind,
        gender=gender,
        birth_day=birth_day,
        city=city,
        acquisition_channel=channel,
        acquisition_campaign=acquisition_campaign,
        first_seen_day=first_seen_day.astype(np.int64),
        persona=persona,
        churn_day=churn_day,
        decline_start_day=decline_start_day,
        dormant_start_day=dormant_start_day,
        dormant_end_day=dormant_end_day,
        session_rate=session_rate,
        store_rate=store_rate,
        store=store,
        will_have_account=will_have_account,
        is_member=is_member,
        phone_number=phone_number.astype(np.int64),
        has_email=has_email,
        email=email,
        user_id=user_id,
        crm_id=crm_id,
        member_id=member_id,
        wechat_openid=wechat_openid,
        wechat_unionid=wechat_unionid,
        full_name=full_name,
        true_person_id=format_digits(index, 7, b"P"),
        ip_address=ip_address,
        browser_agent=browser_agent,
        locale=locale,
        variation=variation,
        tier=tier,
        marketing_opt_in=marketing_opt_in,
        device_start=device_start.astype(np.int64),
        device_count=device_count.astype(np.int64),
        device_person=device_person,
        device_platform=device_platform,
        device_weight=device_weight,
        device_id=device_id,
        device_model=device_model,
        device_app_version=device_app_version,
        device_logged_in=device_logged_in,
        device_installed=device_installed,
        device_anonymous_version=np.zeros(total_devices, dtype=np.int64),
        device_cumulative_weight=device_cumulative_weight,
        store_ids=pa.array(store_ids, pa.string()),
        store_city=store_city,
        kiosk_store=kiosk_store,
        kiosk_device_id=pa.array(kiosk_names, pa.string()),
        kiosk_anonymous_id=format_uuids(mix(seed, 61, kiosk_numbers), mix(seed, 62, kiosk_numbers)),
        store_kiosk=store_kiosk,
        seed=seed,
    )
