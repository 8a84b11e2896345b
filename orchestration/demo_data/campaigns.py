"""Marketing campaigns: the send plan, who is touched or held out, opens, clicks, and their effect.

Touched persons shop more for seven days (SESSION_BOOST on their session rate, STORE_BOOST on store
visits); a random holdout of each audience is never sent anything, so the true effect can be measured.
Like a real marketing tool, the export lists the holdout too: one touch record per held-out person with
`holdout: true`, its sent_at the moment the message would have gone out (the campaign's send hour, the
assignment time), never opened or clicked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.crm import CrmState
from orchestration.demo_data.population import ANDROID, IOS, MINI_PROGRAM
from orchestration.demo_data.rhythm import find_promotion
from orchestration.demo_data.text import choose
from orchestration.demo_data.world import STREAM_CAMPAIGNS, World

SMS, PUSH, EMAIL, WECHAT = 0, 1, 2, 3
EFFECT_DAYS = 7
SESSION_BOOST = 2.0
STORE_BOOST = 1.6
AUDIENCE_SHARE = 0.5
HOLDOUT_SHARE = 0.25
OPEN_RATE = (0.0, 0.12, 0.20, 0.40)  # SMS opens cannot be tracked
CLICK_RATE = (0.05, 1.0, 0.30, 0.25)  # of opened (of sent for SMS); a push open is its tap
CAMPAIGN_COUPONS = ("SMS20OFF", "", "MAIL15", "WXVIP30")
CAMPAIGN_EVERY_DAYS = 10
FIRST_CAMPAIGN_DAY = 3


@dataclass(frozen=True)
class Campaign:
    index: int
    campaign_id: str
    name: str
    channel: int
    send_day: int
    send_hour: int
    coupon_code: str

    @property
    def channel_name(self) -> str:
        return words.CAMPAIGN_CHANNELS[self.channel]


def plan_campaigns(world: World) -> list[Campaign]:
    """One campaign every ten days, cycling through the channels; names follow the promotion calendar."""
    campaigns = []
    window = world.window
    for number, day in enumerate(range(min(FIRST_CAMPAIGN_DAY, window.days - 1), window.days, CAMPAIGN_EVERY_DAYS)):
        channel = number % len(words.CAMPAIGN_CHANNELS)
        date = window.date(day)
        upcoming = [find_promotion(date + dt.timedelta(days=ahead))[2] for ahead in range(0, 4)]
        upcoming = [name for name in upcoming if name]
        name = f"{upcoming[0]}提醒" if upcoming else words.CAMPAIGN_THEMES[number % len(words.CAMPAIGN_THEMES)]
        campaigns.append(Campaign(
            index=number,
            campaign_id=f"cmp_{date:%Y%m%d}_{words.CAMPAIGN_CHANNELS[channel]}",
            name=name,
            channel=channel,
            send_day=day,
            send_hour=(10, 19, 12, 20)[channel],
            coupon_code=CAMPAIGN_COUPONS[channel],
        ))
    return campaigns


def _owns_device(world: World, platforms: tuple[int, ...]) -> np.ndarray:
    population = world.population
    devices = np.isin(population.device_platform, platforms)
    return np.bincount(population.device_person[devices], minlength=population.count) > 0


def find_eligible_persons(world: World, campaign: Campaign, crm_state: CrmState) -> np.ndarray:
    """Who the channel can reach today: known, reachable on the channel, and (for SMS and e-mail) opted in."""
    population = world.population
    known = (world.seen_online | crm_state.registered) & (population.kind == 0)
    if campaign.channel == SMS:
        reachable = crm_state.registered & ~crm_state.deleted & crm_state.opt_in & (population.phone_number > 0)
    elif campaign.channel == PUSH:
        reachable = world.has_account & _owns_device(world, (IOS, ANDROID))
    elif campaign.channel == EMAIL:
        reachable = population.has_email & crm_state.opt_in & (world.has_account | crm_state.registered)
    else:
        reachable = _owns_device(world, (MINI_PROGRAM,)) & world.has_account
    return known & reachable


def send_campaign(world: World, campaign: Campaign,
                  crm_state: CrmState) -> tuple[Columns, np.ndarray, np.ndarray, np.ndarray]:
    """Touch rows for today's campaign (sent ones only), plus (touched persons, their sent times, holdout persons).

    Side effect: touched persons get the campaign's boost and coupon for EFFECT_DAYS.
    """
    random = world.random_stream(campaign.send_day, STREAM_CAMPAIGNS)
    eligible = np.flatnonzero(find_eligible_persons(world, campaign, crm_state))
    audience = eligible[random.random(len(eligible)) < AUDIENCE_SHARE]
    holdout_mask = random.random(len(audience)) < HOLDOUT_SHARE
    touched, holdout = audience[~holdout_mask], audience[holdout_mask]
    count = len(touched)
    day_start = world.window.day_start_ms(campaign.send_day)
    sent_ms = day_start + campaign.send_hour * 3_600_000 + random.integers(0, 3_600_000, count)
    if campaign.channel == SMS:
        opened = np.zeros(count, dtype=bool)
        clicked = random.random(count) < CLICK_RATE[SMS]
    else:
        opened = random.random(count) < OPEN_RATE[campaign.channel]
        clicked = opened & (random.random(count) < CLICK_RATE[campaign.channel])
    opened_ms = sent_ms + (random.lognormal(np.log(25 * 60_000), 1.0, count)).astype(np.int64)
    clicked_ms = opened_ms + random.integers(2_000, 90_000, count)
    if campaign.channel == SMS:
        clicked_ms = sent_ms + (random.lognormal(np.log(15 * 60_000), 1.0, count)).astype(np.int64)
    touches = Columns(
        touch_serial=world.next_serials("touch_serial", count),
        person=touched.astype(np.int64),
        campaign=np.full(count, campaign.index, dtype=np.int64),
        channel=np.full(count, campaign.channel, dtype=np.int64),
        sent_ms=sent_ms,
        opened_ms=np.where(opened, opened_ms, -1),
        clicked_ms=np.where(clicked, clicked_ms, -1),
        holdout=np.zeros(count, dtype=bool),
    )
    world.campaign_boost_until_ms[touched] = sent_ms + EFFECT_DAYS * 86_400_000
    world.campaign_coupon[touched] = campaign.index if campaign.coupon_code else -1
    return touches, touched, sent_ms, holdout


def assign_holdout_touches(world: World, campaign: Campaign, holdout: np.ndarray) -> Columns:
    """One control-group record per held-out person: assigned at the campaign's send hour, nothing sent.

    Called after send_campaign, so the sent touches keep their serials and no random draw changes.
    """
    count = len(holdout)
    assigned_ms = world.window.day_start_ms(campaign.send_day) + campaign.send_hour * 3_600_000
    return Columns(
        touch_serial=world.next_serials("touch_serial", count),
        person=holdout.astype(np.int64),
        campaign=np.full(count, campaign.index, dtype=np.int64),
        channel=np.full(count, campaign.channel, dtype=np.int64),
        sent_ms=np.full(count, assigned_ms, dtype=np.int64),
        opened_ms=np.full(count, -1, dtype=np.int64),
        clicked_ms=np.full(count, -1, dtype=np.int64),
        holdout=np.ones(count, dtype=bool),
    )


def format_coupon_codes(codes: np.ndarray, campaigns: list[Campaign]) -> pa.Array:
    """Coupon code text: 0..99 index the shop's own coupons, 100 + k is campaign k's coupon."""
    names = [coupon[0] for coupon in words.COUPONS]
    options = names + [campaign.coupon_code or names[0] for campaign in campaigns]
    codes = np.asarray(codes)
    return choose(options, np.where(codes >= 100, len(names) + codes - 100, codes))


def build_touch_table(world: World, campaign: Campaign, touches: Columns, crm_state: CrmState) -> pa.Table:
    """touches.parquet rows (sent and holdout); sets which identifiers each touch carries (has_user, has_crm,
    has_phone). A holdout record names its person like a sent touch would, but carries no coupon."""
    population = world.population
    person = touches["person"]
    count = len(person)
    registered = crm_state.registered[person]
    channel = campaign.channel
    touches["has_phone"] = np.full(count, channel == SMS)
    touches["has_crm"] = registered & (channel in (SMS, EMAIL, WECHAT))
    touches["has_user"] = world.has_account[person] & ((channel in (PUSH, WECHAT)) | ((channel == EMAIL) & ~registered))
    taken = pa.array(person)
    null = pa.scalar(None, pa.string())

    def masked_text(values: pa.Array, keep: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(keep), values, null)

    def utc(values: np.ndarray) -> pa.Array:
        return pa.array(values * 1000, pa.timestamp("us", tz="UTC"), mask=values < 0)

    phone = pa.array(population.phone_number[person].astype(str), pa.string())
    return pa.table({
        "touch_id": pa.array([f"TCH{serial:09d}" for serial in touches["touch_serial"]], pa.string()),
        "campaign_id": pa.array([campaign.campaign_id] * count, pa.string()),
        "campaign_name": pa.array([campaign.name] * count, pa.string()),
        "channel": pa.array([campaign.channel_name] * count, pa.string()),
        "user_id": masked_text(population.user_id.take(taken), touches["has_user"]),
        "crm_id": masked_text(population.crm_id.take(taken), touches["has_crm"]),
        "phone": masked_text(phone, touches["has_phone"]),
        "sent_at": utc(touches["sent_ms"]),
        "opened_at": utc(touches["opened_ms"]),
        "clicked_at": utc(touches["clicked_ms"]),
        "coupon_code": masked_text(pa.array([campaign.coupon_code] * count, pa.string()),
                                   ~touches["holdout"] & bool(campaign.coupon_code)),
        "holdout": pa.array(touches["holdout"], pa.bool_()),
    })
