"""The loyalty CRM: member registrations and their change history as change-data-capture versions.

Every change writes the member's full row again with a new updated_at; the latest version wins. The
first day's file also carries one version of every member who registered before the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.contacts import (
    draw_email_styles,
    draw_phone_formats,
    garble_emails,
    garble_phones,
    type_emails,
    type_phones,
)
from orchestration.demo_data.text import (
    MILLISECONDS_PER_DAY,
    SHANGHAI_OFFSET_MS,
    choose,
    encode_member,
    encode_object,
    format_timestamps,
    pack_strings,
    quote,
)
from orchestration.demo_data.world import STREAM_CRM, STREAM_CRM_START, World

CHANGE_SHARE = 0.01  # of members change something on a given day
DELETE_SHARE = 0.0002
INVALID_PHONE_SHARE = 0.01
INVALID_EMAIL_SHARE = 0.02  # of rows carrying an e-mail
CHANGE_TIER, CHANGE_CITY, CHANGE_OPT_IN, CHANGE_EMAIL, CHANGE_PHONE_TYPING = range(5)
CHANGE_WEIGHTS = (0.32, 0.2, 0.22, 0.14, 0.12)
CHINESE_GENDER = ("女", "男", "unknown")
LATIN_GENDER = ("F", "M", "unknown")


@dataclass
class CrmState:
    """What the CRM currently holds per person (only meaningful where registered)."""

    registered: np.ndarray
    registered_ms: np.ndarray
    deleted: np.ndarray
    opt_in: np.ndarray
    tier: np.ndarray
    email_on_file: np.ndarray
    phone_format: np.ndarray
    chinese_gender: np.ndarray

    @classmethod
    def start(cls, world: World) -> CrmState:
        population = world.population
        random = world.random_stream(0, STREAM_CRM_START)
        count = population.count
        before = population.is_member & (population.first_seen_day < 0)
        registered_ms = np.where(
            population.first_seen_day < 0,
            world.window.day_start_ms(0) + population.first_seen_day * MILLISECONDS_PER_DAY
            + random.integers(10, 21, count) * 3_600_000 + random.integers(0, 3_600_000, count),
            0,
        )
        return cls(
            registered=before.copy(),
            registered_ms=registered_ms.astype(np.int64),
            deleted=np.zeros(count, dtype=bool),
            opt_in=population.marketing_opt_in.copy(),
            tier=population.tier.copy(),
            email_on_file=population.has_email & (random.random(count) < 0.6),
            phone_format=draw_phone_formats(random, count),
            chinese_gender=random.random(count) < 0.18,
        )


def record_customer_versions(world: World, day: int, state: CrmState) -> Columns:
    """Today's CRM versions: the opening snapshot (day 0), new members, and changes of existing ones."""
    population = world.population
    random = world.random_stream(day, STREAM_CRM)
    day_start = world.window.day_start_ms(day)
    count = population.count
    tables = []
    if day == 0:
        snapshot = np.flatnonzero(state.registered)
        # The opening snapshot shows each member's last change before the window.
        last_change = state.registered_ms[snapshot] + (
            random.random(len(snapshot)) * (day_start - 60_000 - state.registered_ms[snapshot])).astype(np.int64)
        tables.append(Columns(person=snapshot, updated_ms=last_change))
    joining = np.flatnonzero(population.is_member & (population.first_seen_day == day))
    joined_ms = (day_start + random.integers(10, 21, len(joining)) * 3_600_000
                 + random.integers(0, 3_600_000, len(joining)))
    state.registered[joining] = True
    state.registered_ms[joining] = joined_ms
    tables.append(Columns(person=joining, updated_ms=joined_ms))

    existing = state.registered & ~state.deleted & (state.registered_ms < day_start)
    changing = np.flatnonzero(existing & (random.random(count) < CHANGE_SHARE))
    kind = random.choice(5, size=len(changing), p=CHANGE_WEIGHTS)
    tier_up = changing[(kind == CHANGE_TIER) & (state.tier[changing] < 3)]
    state.tier[tier_up] += 1
    movers = changing[kind == CHANGE_CITY]
    city_weights = np.array([c[4] for c in words.CITIES])
    population.city[movers] = random.choice(len(words.CITIES), size=len(movers), p=city_weights / city_weights.sum())
    flipping = changing[kind == CHANGE_OPT_IN]
    state.opt_in[flipping] = ~state.opt_in[flipping] & (random.random(len(flipping)) < 0.25)
    adding_email = changing[(kind == CHANGE_EMAIL) & population.has_email[changing]]
    state.email_on_file[adding_email] = True
    retyping = changing[kind == CHANGE_PHONE_TYPING]
    state.phone_format[retyping] = random.integers(0, 6, len(retyping))
    deleting = np.flatnonzero(existing & (random.random(count) < DELETE_SHARE))
    deleting = np.setdiff1d(deleting, changing)
    state.deleted[deleting] = True
    changed = np.concatenate([changing, deleting])
    changed_ms = day_start + random.integers(8 * 3_600_000, 23 * 3_600_000, len(changed))
    tables.append(Columns(person=changed, updated_ms=changed_ms))
    versions = Columns.concat(tables)
    versions["person"] = versions["person"].astype(np.int64)
    rows = len(versions)
    person = versions["person"]
    versions["tier"] = state.tier[person].astype(np.int64)
    versions["city"] = population.city[person].astype(np.int64)
    versions["opt_in"] = state.opt_in[person]
    versions["deleted"] = state.deleted[person]
    versions["email_on_file"] = state.email_on_file[person]
    versions["phone_format"] = state.phone_format[person].astype(np.int64)
    # A few versions carry an unusable phone or e-mail (never both).
    bad_phone = random.random(rows) < INVALID_PHONE_SHARE
    bad_email = ~bad_phone & versions["email_on_file"] & (random.random(rows) < INVALID_EMAIL_SHARE)
    versions["phone_defect"] = np.where(bad_phone, 1 + random.integers(0, 5, rows), 0)
    versions["email_defect"] = np.where(bad_email, 1 + random.integers(0, 4, rows), 0)
    versions["email_style"] = draw_email_styles(random, rows)
    versions["defect"] = np.zeros(rows, dtype=np.int8)
    order = np.argsort(versions["updated_ms"], kind="stable")
    return versions.take(order)


def render_customer_lines(world: World, versions: Columns, state: CrmState) -> pa.Array:
    """customers.jsonl lines: every column present, null where the CRM holds nothing."""
    population = world.population
    count = len(versions)
    person = versions["person"]
    person_array = pa.array(person)
    numbers = population.phone_number[person]
    phone = type_phones(numbers, versions["phone_format"])
    bad_phone = versions["phone_defect"] > 0
    phone = pc.if_else(pa.array(bad_phone), garble_phones(numbers, np.maximum(versions["phone_defect"] - 1, 0)),
                       phone)
    email = pc.fill_null(population.email.take(person_array), "x@x.com")
    typed_email = type_emails(email, versions["email_style"])
    bad_email = versions["email_defect"] > 0
    typed_email = pc.if_else(pa.array(bad_email),
                             garble_emails(email, np.maximum(versions["email_defect"] - 1, 0)), typed_email)
    email_json = pc.if_else(pa.array(versions["email_on_file"]), quote(typed_email), pa.scalar("null"))
    gender = population.gender[person]
    gender_text = pc.if_else(pa.array(state.chinese_gender[person]), choose(CHINESE_GENDER, gender),
                             choose(LATIN_GENDER, gender))
    birth = pack_strings(np.frombuffer(
        population.birth_day[person].astype("datetime64[D]").astype(str).astype("S10").tobytes(),
        dtype=np.uint8).reshape(-1, 10))
    city = versions["city"]
    boolean = lambda values: pc.if_else(pa.array(values), pa.scalar("true"), pa.scalar("false"))  # noqa: E731
    members = [
        encode_member("crm_id", quote(population.crm_id.take(person_array))),
        encode_member("member_id", quote(population.member_id.take(person_array))),
        encode_member("phone", quote(phone)),
        encode_member("email", email_json),
        encode_member("full_name", quote(population.full_name.take(person_array))),
        encode_member("gender", quote(gender_text)),
        encode_member("birth_date", quote(birth)),
        encode_member("province", quote(choose([c[2] for c in words.CITIES], city))),
        encode_member("city", quote(choose([c[0] for c in words.CITIES], city))),
        encode_member("registered_at", quote(format_timestamps(state.registered_ms[person], SHANGHAI_OFFSET_MS,
                                                           b"+08:00", milliseconds=False))),
        encode_member("member_tier", quote(choose(words.TIERS, versions["tier"]))),
        encode_member("marketing_opt_in", boolean(versions["opt_in"])),
        encode_member("updated_at", quote(format_timestamps(versions["updated_ms"], SHANGHAI_OFFSET_MS, b"+08:00",
                                                        milliseconds=False))),
        encode_member("is_deleted", boolean(versions["deleted"])),
    ]
    return encode_object(members, count)
