"""Ground truth: what really happened, kept beside (never inside) the raw directory.

The ledger watches every row as it is written and records which identifiers each true person showed
in clean rows, the realized funnel, experiment and campaign outcomes, and the exact count of every
injected defect, so tests can score the warehouse against it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.demo_data import defects
from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.behavior import (
    ADD_PROBABILITY,
    CHECKOUT_PROBABILITY,
    EXPERIMENT_ID,
    EXPERIMENT_START_SHARE,
    EXPERIMENT_VARIATIONS,
    IDENTIFY,
    PAID_PROBABILITY,
    PAYMENT_PROBABILITY,
    STEP_NAMES,
    TRAIT_BITS,
    TREATMENT_PAYMENT_MULTIPLIER,
    VIEW_PROBABILITY,
)
from orchestration.demo_data.campaigns import (
    EFFECT_DAYS,
    HOLDOUT_SHARE,
    SESSION_BOOST,
    STORE_BOOST,
    Campaign,
)
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.commerce import CHANNEL_NAMES, REFUNDED, STATUS_NAMES, format_order_ids
from orchestration.demo_data.population import (
    CHANNEL_CODES,
    GENDERS,
    KIND_BOT,
    KIND_TEST,
    NEVER,
    PERSONA_CODES,
)
from orchestration.demo_data.text import SHANGHAI_OFFSET_MS, choose, format_digits
from orchestration.demo_data.world import World

PLATFORM_BITS = {"web": 1, "ios": 2, "android": 4, "mini_program": 8, "store": 16}
PERSON_IDENTIFIERS = ("user_id", "phone", "email", "wechat_openid", "wechat_unionid", "crm_id", "member_id")


@dataclass
class CampaignOutcome:
    campaign: Campaign
    touched: np.ndarray
    sent_ms: np.ndarray
    holdout: np.ndarray
    reference_ms: int
    touched_bought: np.ndarray = field(default=None)
    holdout_bought: np.ndarray = field(default=None)

    def __post_init__(self) -> None:
        self.touched_bought = np.zeros(len(self.touched), dtype=bool)
        self.holdout_bought = np.zeros(len(self.holdout), dtype=bool)


class TruthLedger:
    """Accumulates the ground truth while the raw files are written."""

    def __init__(self, world: World):
        self.world = world
        population = world.population
        count = population.count
        devices = len(population.device_person)
        self.seen = {name: np.zeros(count, dtype=bool) for name in PERSON_IDENTIFIERS}
        self.device_id_seen = np.zeros(devices, dtype=bool)
        self.anonymous_low = np.full(devices, np.iinfo(np.int64).max, dtype=np.int64)
        self.anonymous_high = np.full(devices, -1, dtype=np.int64)
        self.kiosk_people: list[np.ndarray] = []
        self.first_activity_ms = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
        self.platforms = np.zeros(count, dtype=np.int64)
        self.funnel_sessions = np.zeros((4, len(STEP_NAMES)), dtype=np.int64)
        self.funnel_persons = np.zeros((count, 4, len(STEP_NAMES)), dtype=bool)
        self.experiment_sessions = np.zeros((2, 2), dtype=np.int64)  # variation x (exposed, paid)
        self.experiment_exposed = np.zeros(count, dtype=bool)
        self.experiment_converted = np.zeros(count, dtype=bool)
        self.experiment_platform_sessions = np.zeros((2, 4, 2), dtype=np.int64)
        self.outcomes: list[CampaignOutcome] = []
        self.order_parts: list[Columns] = []
        self.rows_written: Counter = Counter()
        self.reasons: dict[str, Counter] = defaultdict(Counter)
        self.flags: dict[str, Counter] = defaultdict(Counter)
        self.erased = np.zeros(count, dtype=bool)
        self.erasure_requests: list[dict] = []

    # -- identifiers ---------------------------------------------------------------------------------------

    def _note_activity(self, person: np.ndarray, epoch_ms: np.ndarray) -> None:
        earlier = epoch_ms < self.first_activity_ms[person]  # few rows once people have been seen
        np.minimum.at(self.first_activity_ms, person[earlier], epoch_ms[earlier])

    def observe_events(self, events: Columns) -> None:
        """Identifiers, platforms and first activity shown by clean calls (bots: their anonymous ids only)."""
        population = self.world.population
        human = events["defect"] == defects.CLEAN
        bot = events["defect"] == defects.BOT_TRAFFIC
        person = events["person"]
        device = events["device"]
        kiosk = events["kiosk"]
        on_device = (human | bot) & (device >= 0) & events["has_anonymous"]
        version = events["anonymous_version"].astype(np.int64)
        lower = on_device & (version < self.anonymous_low[np.maximum(device, 0)])
        np.minimum.at(self.anonymous_low, device[lower], version[lower])
        higher = on_device & (version > self.anonymous_high[np.maximum(device, 0)])
        np.maximum.at(self.anonymous_high, device[higher], version[higher])
        app = human & (device >= 0) & np.isin(events["platform"], (1, 2))
        self.device_id_seen[device[app]] = True
        at_kiosk = human & (kiosk >= 0)
        if at_kiosk.any():
            self.kiosk_people.append(np.unique(kiosk[at_kiosk].astype(np.int64) * population.count + person[at_kiosk]))
        self.seen["user_id"][person[human & events["has_user"]]] = True
        identify = human & (events["kind"] == IDENTIFY)
        mask = events["trait_mask"]
        trait_defect = events["trait_defect"]
        phone = identify & ((mask & TRAIT_BITS["phone"]) > 0) & (trait_defect != defects.TRAIT_INVALID_PHONE)
        email = identify & ((mask & TRAIT_BITS["email"]) > 0) & (trait_defect != defects.TRAIT_INVALID_EMAIL)
        wechat = identify & ((mask & TRAIT_BITS["wechat"]) > 0)
        membership = identify & ((mask & TRAIT_BITS["membership"]) > 0)
        self.seen["phone"][person[phone]] = True
        self.seen["email"][person[email]] = True
        self.seen["wechat_openid"][person[wechat]] = True
        self.seen["wechat_unionid"][person[wechat]] = True
        self.seen["crm_id"][person[membership]] = True
        self.seen["member_id"][person[membership]] = True
        bits = np.array([PLATFORM_BITS[name] for name in words.PLATFORMS])[events["platform"]]
        live = human & ~events["is_server"] & (kiosk < 0) & ((self.platforms[person] & bits) == 0)
        np.bitwise_or.at(self.platforms, person[live], bits[live])
        self._note_activity(person[human | bot], events["timestamp_ms"][human | bot])

    def observe_orders(self, orders: Columns) -> None:
        clean = orders["defect"] == defects.CLEAN
        person = orders["person"]
        known = clean & (person >= 0)
        self.seen["user_id"][person[known & orders["has_user"]]] = True
        self.seen["member_id"][person[known & orders["has_member"]]] = True
        self.seen["phone"][person[known & orders["has_phone"] & (orders["phone_defect"] == 0)]] = True
        store = known & (orders["channel"] == 3)
        np.bitwise_or.at(self.platforms, person[store], PLATFORM_BITS["store"])
        self._note_activity(person[known], orders["ordered_ms"][known])
        self.order_parts.append(orders.take(np.flatnonzero(clean)))

    def observe_customers(self, versions: Columns) -> None:
        clean = versions["defect"] == defects.CLEAN
        person = versions["person"][clean]
        self.seen["crm_id"][person] = True
        self.seen["member_id"][person] = True
        self.seen["phone"][person[versions["phone_defect"][clean] == 0]] = True
        email_ok = versions["email_on_file"][clean] & (versions["email_defect"][clean] == 0)
        self.seen["email"][person[email_ok]] = True

    def observe_tickets(self, tickets: Columns) -> None:
        clean = tickets["defect"] == defects.CLEAN
        person = tickets["person"]
        self.seen["crm_id"][person[clean & tickets["has_crm"]]] = True
        self.seen["phone"][person[clean & tickets["has_phone"]]] = True
        self.seen["user_id"][person[clean & tickets["has_user"]]] = True

    def observe_touches(self, touches: Columns) -> None:
        person = touches["person"]
        self.seen["user_id"][person[touches["has_user"]]] = True
        self.seen["crm_id"][person[touches["has_crm"]]] = True
        self.seen["phone"][person[touches["has_phone"]]] = True

    # -- outcomes ----------------------------------------------------------------------------------------

    def observe_sessions(self, sessions: Columns) -> None:
        """Realized funnel and experiment outcomes of real shoppers' online sessions (no tests, no kiosks)."""
        world = self.world
        real = sessions["human_online"] & ~world.is_test[sessions["person"]]
        platform = sessions["platform"][real].astype(np.int64)
        person = sessions["person"][real]
        steps = np.stack([
            np.ones(len(platform), dtype=bool),
            sessions["views"][real] > 0,
            sessions["adds"][real] > 0,
            sessions["checkout"][real],
            sessions["payment"][real],
            sessions["paid"][real],
        ], axis=1)
        for step in range(len(STEP_NAMES)):
            reached = steps[:, step]
            self.funnel_sessions[:, step] += np.bincount(platform[reached], minlength=4)
            self.funnel_persons[person[reached], platform[reached], step] = True
        exposed = sessions["exposed"][real]
        variation = sessions["variation"][real].astype(np.int64)
        paid = sessions["paid"][real]
        for value in (0, 1):
            rows = exposed & (variation == value)
            self.experiment_sessions[value, 0] += rows.sum()
            self.experiment_sessions[value, 1] += (rows & paid).sum()
            self.experiment_platform_sessions[value, :, 0] += np.bincount(platform[rows], minlength=4)
            self.experiment_platform_sessions[value, :, 1] += np.bincount(platform[rows & paid], minlength=4)
        self.experiment_exposed[person[exposed]] = True
        self.experiment_converted[person[exposed & paid]] = True

    def register_campaign(self, campaign: Campaign, touched: np.ndarray, sent_ms: np.ndarray,
                          holdout: np.ndarray) -> None:
        reference = self.world.window.day_start_ms(campaign.send_day) + campaign.send_hour * 3_600_000
        self.outcomes.append(CampaignOutcome(campaign, touched, sent_ms, holdout, reference))

    def observe_purchases(self, person: np.ndarray, ordered_ms: np.ndarray) -> None:
        """Paid orders, for the seven-day purchase windows of the campaigns."""
        effect = EFFECT_DAYS * 86_400_000
        for outcome in self.outcomes:
            if not len(person):
                break
            for members, starts, bought in ((outcome.touched, outcome.sent_ms, outcome.touched_bought),
                                            (outcome.holdout, np.full(len(outcome.holdout), outcome.reference_ms),
                                             outcome.holdout_bought)):
                if not len(members):
                    continue
                position = np.searchsorted(members, person)
                position = np.minimum(position, len(members) - 1)
                match = members[position] == person
                start = starts[position]
                inside = match & (ordered_ms >= start) & (ordered_ms < start + effect)
                bought[position[inside]] = True

    def record_erasures(self, persons: list[int], requests: list[dict]) -> None:
        """The persons who asked to be forgotten, and their requests (identifier in its normal form)."""
        self.erased[np.asarray(persons, dtype=np.int64)] = True
        self.erasure_requests.extend(requests)

    # -- mess --------------------------------------------------------------------------------------------

    def count_rows(self, source: str, defect: np.ndarray, flags: dict[str, int] | None = None) -> None:
        self.rows_written[source] += len(defect)
        codes, counts = np.unique(defect, return_counts=True)
        for code, number in zip(codes, counts):
            if code != defects.CLEAN:
                self.reasons[source][defects.REASONS[int(code)]] += int(number)
        for name, number in (flags or {}).items():
            self.flags[source][name] += int(number)

    # -- output ------------------------------------------------------------------------------------------

    def _build_persons_table(self) -> pa.Table:
        world = self.world
        population = world.population
        window = world.window
        count = population.count
        first_activity_day = (self.first_activity_ms + SHANGHAI_OFFSET_MS) // 86_400_000
        observed_first = self.first_activity_ms < np.iinfo(np.int64).max
        planned_before = population.first_seen_day < 0
        first_seen = np.where(planned_before & (population.kind != KIND_BOT),
                              window.start_epoch_day + population.first_seen_day, first_activity_day)
        first_seen_known = (planned_before & (population.kind != KIND_BOT)) | observed_first
        persona = np.array(PERSONA_CODES + ("bot",))[np.where(population.kind == KIND_BOT, len(PERSONA_CODES),
                                                               population.persona)]
        churner = population.persona == PERSONA_CODES.index("churner")
        reactivated = population.dormant_end_day < NEVER
        bits = np.stack([(self.platforms & bit) > 0 for bit in PLATFORM_BITS.values()], axis=1)
        offsets = np.concatenate([[0], np.cumsum(bits.sum(axis=1))]).astype(np.int32)
        names = np.broadcast_to(np.arange(len(PLATFORM_BITS)), bits.shape)[bits]
        platform_lists = pa.ListArray.from_arrays(pa.array(offsets), choose(list(PLATFORM_BITS), names))
        return pa.table({
            "true_person_id": population.true_person_id,
            "gender": pa.array(np.array(GENDERS)[population.gender]),
            "birth_date": pa.array(population.birth_day.astype("datetime64[D]"), pa.date32()),
            "province": choose([c[2] for c in words.CITIES], population.city),
            "city": choose([c[0] for c in words.CITIES], population.city),
            "city_en": choose([c[1] for c in words.CITIES], population.city),
            "acquisition_channel": pa.array(np.array(CHANNEL_CODES)[population.acquisition_channel]),
            "first_seen_date": pa.array(np.where(first_seen_known, first_seen, 0).astype("datetime64[D]"),
                                        pa.date32(), mask=~first_seen_known),
            "persona": pa.array(persona),
            "is_churner": pa.array(churner),
            "churn_date": pa.array((window.start_epoch_day + np.where(churner, population.churn_day, 0)).astype(
                "datetime64[D]"), pa.date32(), mask=~churner),
            "reactivation_date": pa.array((window.start_epoch_day + np.where(reactivated, population.dormant_end_day, 0)
                                           ).astype("datetime64[D]"), pa.date32(), mask=~reactivated),
            "is_test_account": pa.array(population.kind == KIND_TEST),
            "is_bot": pa.array(population.kind == KIND_BOT),
            "is_member": pa.array(population.is_member),
            "has_account": pa.array(world.has_account),
            "platforms": platform_lists,
            "experiment_variation": pa.array(np.array(EXPERIMENT_VARIATIONS)[population.variation]),
            "is_observed": pa.array(np.zeros(count, dtype=bool)),  # filled in by write()
            "is_erased": pa.array(self.erased),
        })

    def _build_identifiers_table(self) -> pa.Table:
        population = self.world.population
        parts = []

        def add(persons: np.ndarray, kind: str, values: pa.Array, shared: bool = False) -> None:
            parts.append(pa.table({
                "true_person_id": population.true_person_id.take(pa.array(persons)),
                "identifier_type": pa.array([kind] * len(persons), pa.string()),
                "identifier_value": values,
                "is_shared": pa.array(np.full(len(persons), shared)),
            }))

        for kind in PERSON_IDENTIFIERS:
            persons = np.flatnonzero(self.seen[kind])
            taken = pa.array(persons)
            if kind == "user_id":
                values = population.user_id.take(taken)
            elif kind == "phone":
                values = format_digits(population.phone_number[persons], 11, b"+86")
            elif kind == "email":
                values = population.email.take(taken)  # generated in normal form (trimmed, lower case)
            else:
                values = getattr(population, kind).take(taken)
            keep = pc.is_valid(values).to_numpy(zero_copy_only=False)
            add(persons[keep], kind, values.filter(pa.array(keep)))
        devices = np.flatnonzero(self.anonymous_high >= 0)
        versions = self.anonymous_high[devices] - self.anonymous_low[devices] + 1
        device_rows = np.repeat(devices, versions)
        version_rows = np.repeat(self.anonymous_low[devices], versions) + np.concatenate(
            [np.arange(v) for v in versions]) if len(devices) else np.zeros(0, dtype=np.int64)
        add(population.device_person[device_rows], "anonymous_id",
            population.format_anonymous_ids(device_rows, version_rows))
        app_devices = np.flatnonzero(self.device_id_seen)
        add(population.device_person[app_devices], "device_id", population.device_id.take(pa.array(app_devices)))
        if self.kiosk_people:
            pairs = np.unique(np.concatenate(self.kiosk_people))
            kiosk, person = pairs // population.count, pairs % population.count
            add(person, "device_id", population.kiosk_device_id.take(pa.array(kiosk)), shared=True)
            add(person, "anonymous_id", population.kiosk_anonymous_id.take(pa.array(kiosk)), shared=True)
        table = pa.concat_tables(parts)
        order = pc.sort_indices(table, [("true_person_id", "ascending"), ("identifier_type", "ascending"),
                                        ("identifier_value", "ascending")])
        return table.take(order)

    def _build_orders_table(self) -> pa.Table:
        orders = Columns.concat(self.order_parts)
        if not len(orders):
            return pa.table({"order_id": pa.array([], pa.string())})
        serial = orders["order_serial"]
        refunded = np.unique(serial[orders["status"] == REFUNDED])
        first = orders.take(np.flatnonzero(orders["status"] != REFUNDED))
        _, unique_rows = np.unique(first["order_serial"], return_index=True)
        first = first.take(unique_rows)
        person = first["person"]
        status = np.where(np.isin(first["order_serial"], refunded), REFUNDED, first["status"])
        return pa.table({
            "order_id": format_order_ids(first["order_serial"]),
            "true_person_id": self.world.population.true_person_id.take(pa.array(np.maximum(person, 0),
                                                                                  mask=person < 0)),
            "channel": pa.array(np.array(CHANNEL_NAMES)[first["channel"]]),
            "final_status": pa.array(np.array(STATUS_NAMES)[status]),
            "ordered_at": pa.array(first["ordered_ms"], pa.timestamp("ms", tz="UTC")),
            "total_amount": pa.array(first["total_cents"] / 100.0),
            "item_count": pa.array(first["item_count"]),
        })

    def _summarize_funnel(self) -> dict:
        result = {"definition": "Online sessions of real shoppers (no test accounts, bots or store kiosks); a "
                                "session reaches a step when it makes that call. Persons count distinct true "
                                "persons reaching the step on the platform in the window.",
                  "steps": list(STEP_NAMES), "platforms": {}}
        design = {"product_viewed": VIEW_PROBABILITY, "product_added": ADD_PROBABILITY,
                  "checkout_started": CHECKOUT_PROBABILITY, "payment_info_entered": PAYMENT_PROBABILITY,
                  "order_completed": PAID_PROBABILITY}
        for index, platform in enumerate(words.PLATFORMS):
            sessions = self.funnel_sessions[index]
            persons = self.funnel_persons[:, index, :].sum(axis=0)
            result["platforms"][platform] = {
                "design_step_probabilities": {step: float(values[index]) for step, values in design.items()},
                "sessions": dict(zip(STEP_NAMES, map(int, sessions))),
                "persons": dict(zip(STEP_NAMES, map(int, persons))),
                "session_step_conversion": {STEP_NAMES[s]: _divide(sessions[s], sessions[s - 1])
                                            for s in range(1, len(STEP_NAMES))},
            }
        total = self.funnel_sessions.sum(axis=0)
        result["all_platforms"] = {
            "sessions": dict(zip(STEP_NAMES, map(int, total))),
            "persons": dict(zip(STEP_NAMES, map(int, self.funnel_persons.any(axis=1).sum(axis=0)))),
            "session_step_conversion": {STEP_NAMES[s]: _divide(total[s], total[s - 1])
                                        for s in range(1, len(STEP_NAMES))},
        }
        result["notes"] = ("Design probabilities are the base chance of reaching a step from the previous one; "
                           "personas scale add-to-cart and payment, checkout needs a signed-in account, and the "
                           "checkout_redesign treatment multiplies payment_info_entered by "
                           f"{TREATMENT_PAYMENT_MULTIPLIER}.")
        return result

    def _summarize_experiment(self) -> dict:
        window = self.world.window
        population = self.world.population
        start_day = int(window.days * EXPERIMENT_START_SHARE)
        real = (population.kind == 0)
        variations = {}
        for value, name in enumerate(EXPERIMENT_VARIATIONS):
            exposed = self.experiment_exposed & (population.variation == value)
            converted = self.experiment_converted & (population.variation == value)
            sessions, paid = self.experiment_sessions[value]
            multiplier = TREATMENT_PAYMENT_MULTIPLIER if value == 1 else 1.0
            variations[name] = {
                "persons_assigned": int((real & (population.variation == value)).sum()),
                "persons_exposed": int(exposed.sum()),
                "persons_converted": int(converted.sum()),
                "person_conversion_rate": _divide(converted.sum(), exposed.sum()),
                "exposed_checkout_sessions": int(sessions),
                "paid_sessions": int(paid),
                "session_conversion_rate": _divide(paid, sessions),
                "exposed_checkout_sessions_by_platform": dict(zip(
                    words.PLATFORMS, map(int, self.experiment_platform_sessions[value, :, 0]))),
                "paid_sessions_by_platform": dict(zip(
                    words.PLATFORMS, map(int, self.experiment_platform_sessions[value, :, 1]))),
                "true_conversion_rate_by_platform": {
                    platform: float(PAYMENT_PROBABILITY[i] * multiplier * PAID_PROBABILITY[i])
                    for i, platform in enumerate(words.PLATFORMS)},
            }
        control, treatment = variations["control"], variations["treatment"]
        return {
            "experiment_id": EXPERIMENT_ID,
            "start_date": str(window.date(start_day)),
            "end_date": str(window.end),
            "assignment": "by true person, 50/50, stable across devices; exposure = Experiment Viewed at checkout",
            "metric": "checkout -> paid conversion of exposed checkout sessions",
            "variations": variations,
            "true_relative_lift": round(TREATMENT_PAYMENT_MULTIPLIER - 1.0, 6),
            "realized_relative_lift_sessions": _compute_lift(treatment["session_conversion_rate"],
                                                             control["session_conversion_rate"]),
            "realized_relative_lift_persons": _compute_lift(treatment["person_conversion_rate"],
                                                            control["person_conversion_rate"]),
            "exposure_events": int(self.experiment_sessions[:, 0].sum()),
            "notes": "Counts exclude test accounts; persona effects on the paid step apply equally to both arms.",
        }

    def _summarize_campaigns(self) -> dict:
        window = self.world.window
        rows = []
        for outcome in self.outcomes:
            campaign = outcome.campaign
            touched_rate = _divide(outcome.touched_bought.sum(), len(outcome.touched))
            holdout_rate = _divide(outcome.holdout_bought.sum(), len(outcome.holdout))
            rows.append({
                "campaign_id": campaign.campaign_id,
                "campaign_name": campaign.name,
                "channel": campaign.channel_name,
                "send_date": str(window.date(campaign.send_day)),
                "coupon_code": campaign.coupon_code or None,
                "audience": int(len(outcome.touched) + len(outcome.holdout)),
                "touched": int(len(outcome.touched)),
                "holdout": int(len(outcome.holdout)),
                "touched_purchasers_7d": int(outcome.touched_bought.sum()),
                "holdout_purchasers_7d": int(outcome.holdout_bought.sum()),
                "touched_purchase_rate_7d": touched_rate,
                "holdout_purchase_rate_7d": holdout_rate,
                "realized_uplift_7d": None if touched_rate is None or holdout_rate is None
                else round(touched_rate - holdout_rate, 6),
                "window_complete": campaign.send_day + EFFECT_DAYS <= window.days,
            })
        return {
            "design": {"effect_days": EFFECT_DAYS, "session_rate_multiplier": SESSION_BOOST,
                       "store_visit_multiplier": STORE_BOOST, "holdout_share": HOLDOUT_SHARE,
                       "purchase": "any paid order (online or store) of the person within 7 days of the send "
                                   "(holdout: of the campaign's send hour)"},
            "campaigns": rows,
        }

    def _summarize_mess(self) -> dict:
        result = {}
        for source in defects.SOURCE_REASONS:
            reasons = {name: int(self.reasons[source].get(name, 0)) for name in defects.SOURCE_REASONS[source]}
            flags = {name: int(self.flags[source].get(name, 0)) for name in defects.SOURCE_FLAGS[source]}
            written = int(self.rows_written[source])
            result[source] = {
                "rows_written": written,
                "rows_by_reason": reasons,
                "clean_rows": written - sum(reasons.values()),
                "clean_row_flags": flags,
            }
        result["notes"] = {
            "rows_by_reason": "rows that are not part of the clean data; each carries exactly this one defect. "
                              "duplicate counts the extra copies only (the first copy is clean).",
            "clean_row_flags": "clean rows with a remark: late_arrivals = clean events whose date= folder is "
                               "later than the Shanghai date of their timestamp; invalid_phone / invalid_email = "
                               "clean rows whose phone or e-mail value is unusable (identify traits for events).",
        }
        return result

    def write(self, truth_dir: Path, summary: dict) -> None:
        truth_dir.mkdir(parents=True, exist_ok=True)
        identifiers = self._build_identifiers_table()
        persons = self._build_persons_table()
        observed = pc.is_in(persons["true_person_id"], value_set=pc.unique(identifiers["true_person_id"]))
        persons = persons.set_column(persons.schema.get_field_index("is_observed"), "is_observed", observed)
        pq.write_table(persons, truth_dir / "persons.parquet")
        pq.write_table(identifiers, truth_dir / "identifiers.parquet")
        pq.write_table(self._build_orders_table(), truth_dir / "orders.parquet")
        documents = {
            "funnel.json": self._summarize_funnel(),
            "experiment.json": self._summarize_experiment(),
            "campaigns.json": self._summarize_campaigns(),
            "mess.json": self._summarize_mess(),
            "summary.json": summary,
            "erasure_requests.json": {
                "definition": "Clean erasure requests the raw export holds (its duplicate and invalid rows are in "
                              "mess.json): each names one identifier, in its normal form here, of a true person "
                              "who must be absent from every mart, history and Python-step table.",
                "requests": self.erasure_requests,
            },
        }
        for name, content in documents.items():
            (truth_dir / name).write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _divide(numerator, denominator) -> float | None:
    return round(float(numerator) / float(denominator), 6) if denominator else None


def _compute_lift(treatment: float | None, control: float | None) -> float | None:
    if treatment is None or not control:
        return None
    return round(treatment / control - 1.0, 6)

