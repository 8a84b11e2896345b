"""Tracking calls as Segment-spec JSON lines, built column by column.

A line is the row-wise concatenation of pieces that already carry their keys and punctuation
(',"userId":"U123"'); a piece that does not apply to a row is null and contributes nothing, so absent
keys are omitted as Segment libraries do. What repeats is rendered once: the device part of `context`
once per device and day, event names once per run. `properties` is rendered per event type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_data import defects
from orchestration.demo_data import vocabulary as words
from orchestration.demo_data.behavior import (
    ALIAS,
    BLOCK,
    EVENT_NAMES,
    EXPERIMENT_ID,
    EXPERIMENT_VARIATIONS,
    IDENTIFY,
    PAGE,
    SCREEN,
    TRACK,
    TRACK_EVENTS,
    TRAIT_BITS,
)
from orchestration.demo_data.campaigns import Campaign, format_coupon_codes
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.commerce import format_order_ids
from orchestration.demo_data.contacts import (
    garble_emails,
    garble_phones,
    type_emails,
    type_phones,
)
from orchestration.demo_data.population import ANDROID, IOS, MINI_PROGRAM, WEB
from orchestration.demo_data.rhythm import find_promotion
from orchestration.demo_data.text import (
    SHANGHAI_OFFSET_MS,
    choose,
    concatenate,
    encode_member,
    encode_object,
    encode_text_member,
    format_hex_matrix,
    format_integers,
    format_money,
    format_timestamps,
    format_uuid_matrix,
    frame,
    mask_rows,
    mix,
    pack_strings,
)
from orchestration.demo_data.world import World

SITE = "https://www.yuedong.example"
LANDING_BLOCK = BLOCK["landing"]
KIND_NAMES = ("track", "page", "screen", "identify", "alias")
GENDER_TRAITS = ("female", "male", "unknown")
COUNTRY_TRAITS = ("CN", "China", "中国")
KIOSK_MODEL = "Lenovo Tab M10 (store kiosk)"
SERVER_GROUP = 9
KIOSK_GROUP = 8
# Wrongly typed values for type_mismatch rows: numbers sent as text, integers as words or fractions,
# text sent as a number or boolean.
WRONG_NUMBERS = ('"12.5元"', '"¥199"', '"N/A"', '"一百"')
WRONG_INTEGERS = ('"two"', "1.5", '"一"')
WRONG_STRINGS = ("12345", "true", "0")
Member = tuple[str, "pa.Array | str", bool]  # (key, values, values are text to quote)
PREBUILT = ""  # a Member with this key holds finished fragments ('"a":1,"b":"x"')


def repeat_text(text: str, count: int) -> pa.Array:
    """The same text `count` times."""
    encoded = text.encode()
    return pack_strings(np.tile(np.frombuffer(encoded, dtype=np.uint8), (count, 1)).reshape(count, len(encoded)))


def scatter(values: pa.Array, rows: np.ndarray, count: int) -> pa.Array:
    """An array of `count` nulls with values placed at `rows`."""
    mapping = np.full(count, -1, dtype=np.int64)
    mapping[rows] = np.arange(len(rows))
    return values.take(pa.array(mapping, mask=mapping < 0))


def render_groups(group: np.ndarray, render: Callable[[int, np.ndarray], pa.Array]) -> pa.Array:
    """Render each group of rows separately and return the results in row order."""
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    boundaries = np.flatnonzero(np.diff(sorted_groups)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(group)]])
    pieces = [render(int(sorted_groups[start]), order[start:end]) for start, end in zip(starts, ends) if end > start]
    if not pieces:
        return pa.array([], pa.string())
    combined = pa.concat_arrays([piece.cast(pa.string()) for piece in pieces])
    inverse = np.empty(len(group), dtype=np.int64)
    inverse[order] = np.arange(len(group))
    return combined.take(pa.array(inverse))


class EventRenderer:
    """Turns event Columns into JSON lines (each ending in a newline)."""

    def __init__(self, world: World, campaigns: Sequence[Campaign]):
        self.world = world
        self.population = world.population
        self.catalog = world.catalog
        self.plan = world.plan
        self.campaigns = list(campaigns)
        unknown = set(TRACK_EVENTS) - set(self.plan.required)
        if unknown:
            raise ValueError(f"events missing from the tracking plan: {sorted(unknown)}")
        self.campaign_ids = [campaign.campaign_id for campaign in campaigns] or ["none"]
        self.campaign_names = [campaign.name for campaign in campaigns] or ["none"]
        window = world.window
        self.promotions = list(words.EVERGREEN_PROMOTIONS) + [
            find_promotion(window.date(day))[1] or words.EVERGREEN_PROMOTIONS[0] for day in range(window.days)]
        self.type_pieces = [f'{{"type":"{name}"' for name in KIND_NAMES]
        self.event_pieces = [f',"event":"{name}"' for name in EVENT_NAMES]
        self.name_pieces = [f',"name":"{name}"' for name in words.PAGE_NAMES]
        self.user_pieces = pc.binary_join_element_wise(',"userId":"', self.population.user_id, '"', "")
        self.kiosk_anonymous_pieces = pc.binary_join_element_wise(
            ',"anonymousId":"', self.population.kiosk_anonymous_id, '"', "")
        self.bad_timestamp_pieces = [f',"timestamp":"{text}"' for text in words.UNPARSEABLE_TIMESTAMPS]
        # context.campaign: one piece per (acquisition channel, campaign name), then one per CRM campaign.
        campaign_pieces, self.acquisition_offset = [], []
        for spec in words.ACQUISITION_CHANNELS:
            self.acquisition_offset.append(len(campaign_pieces))
            for name in spec[4] or ("none",):
                campaign_pieces.append(f',"campaign":{{"source":"{spec[2]}","medium":"{spec[3]}","name":"{name}"}}')
        self.click_offset = len(campaign_pieces)
        for campaign in campaigns:
            campaign_pieces.append(f',"campaign":{{"source":"{campaign.channel_name}","medium":"crm",'
                                   f'"name":"{campaign.campaign_id}"}}')
        self.campaign_pieces = campaign_pieces
        catalog = self.catalog
        self.product_members = concatenate([
            '"product_id":"', catalog.product_id, '","sku":"', catalog.sku, '","category":"', catalog.category,
            '","name":"', catalog.product_name, '","brand":"', catalog.brand, '"'])
        self.property_builders: dict[str, Callable[[Columns, np.ndarray], list[Member]]] = {
            "Products Searched": self._build_search_members,
            "Product List Viewed": self._build_list_members,
            "Product Viewed": self._build_product_members,
            "Product Shared": self._build_product_members,
            "Product Added to Wishlist": self._build_product_members,
            "Product Added": self._build_product_members,
            "Product Removed": self._build_product_members,
            "Cart Viewed": self._build_cart_members,
            "Checkout Started": self._build_order_members,
            "Payment Info Entered": self._build_order_members,
            "Coupon Applied": self._build_order_members,
            "Order Completed": self._build_order_members,
            "Order Refunded": self._build_order_members,
            "Signed Up": self._build_method_members,
            "Signed In": self._build_method_members,
            "Promotion Viewed": self._build_promotion_members,
            "Promotion Clicked": self._build_promotion_members,
            "Push Notification Tapped": self._build_push_members,
            "Experiment Viewed": self._build_experiment_members,
            "Application Installed": self._build_app_members,
            "Application Opened": self._build_app_members,
        }

    # -- properties ---------------------------------------------------------------------------------------

    def _build_search_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        return [("query", choose(words.SEARCH_QUERIES, events["query"][rows]), True)]

    def _build_list_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        names = choose(self.catalog.category_names, events["list_category"][rows])
        return [("list_id", pc.binary_join_element_wise("list_", names, ""), True), ("category", names, True)]

    def _build_product_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        product = pa.array(events["product"][rows])
        event = EVENT_NAMES[events["code"][rows[0]]]
        damaged = np.isin(events["defect"][rows], (defects.MISSING_REQUIRED, defects.TYPE_MISMATCH))
        if damaged.any():
            members = [("product_id", self.catalog.product_id.take(product), True),
                       ("sku", self.catalog.sku.take(product), True),
                       ("category", self.catalog.category.take(product), True),
                       ("name", self.catalog.product_name.take(product), True),
                       ("brand", self.catalog.brand.take(product), True)]
        else:  # the product's own fields, rendered once per run
            members = [(PREBUILT, self.product_members.take(product), False)]
        members.append(("price", format_money(events["price_cents"][rows]), False))
        if event in ("Product Added", "Product Removed"):
            members.append(("quantity", format_integers(events["quantity"][rows]), False))
        if event in ("Product Viewed", "Product Added"):
            members.append(("currency", "CNY", True))
        if event == "Product Shared":
            members.append(("share_via", choose(words.SHARE_TARGETS, events["share_via"][rows]), True))
        return members

    def _build_cart_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        return [("item_count", format_integers(events["item_count"][rows]), False)]

    def _build_order_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        event = EVENT_NAMES[events["code"][rows[0]]]
        members = [("order_id", format_order_ids(events["order_serial"][rows]), True)]
        payment = ("payment_method", choose(words.PAYMENT_METHODS, events["payment_method"][rows]), True)
        if event == "Checkout Started":
            members += [("value", format_money(events["subtotal_cents"][rows]), False), ("currency", "CNY", True),
                        ("item_count", format_integers(events["item_count"][rows]), False)]
        elif event == "Payment Info Entered":
            members.append(payment)
        elif event == "Coupon Applied":
            members += [("coupon_code", format_coupon_codes(events["coupon_code"][rows], self.campaigns), True),
                        ("discount", format_money(events["discount_cents"][rows]), False)]
        elif event == "Order Completed":
            coupon = events["coupon_code"][rows]
            members += [("total", format_money(events["total_cents"][rows]), False),
                        ("subtotal", format_money(events["subtotal_cents"][rows]), False),
                        ("discount", format_money(events["discount_cents"][rows]), False),
                        ("currency", "CNY", True), payment,
                        ("item_count", format_integers(events["item_count"][rows]), False),
                        ("coupon", mask_rows(format_coupon_codes(np.maximum(coupon, 0), self.campaigns), coupon >= 0),
                         True)]
        elif event == "Order Refunded":
            members += [("total", format_money(events["total_cents"][rows]), False), ("currency", "CNY", True)]
        return members

    def _build_method_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        event = EVENT_NAMES[events["code"][rows[0]]]
        options = words.SIGN_UP_METHODS if event == "Signed Up" else words.SIGN_IN_METHODS
        return [("method", choose(options, events["method"][rows] % len(options)), True)]

    def _build_promotion_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        promotion = events["promotion"][rows].astype(np.int64)
        # Non-negative: an evergreen promotion; -1 - d: the promotion running on window day d.
        index = np.where(promotion >= 0, promotion, len(words.EVERGREEN_PROMOTIONS) - 1 - promotion)
        return [("promotion_id", choose(self.promotions, index), True), ("creative", "home_banner", True),
                ("position", format_integers(events["instance"][rows] + 1), False)]

    def _build_push_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        campaign = np.maximum(events["campaign"][rows], 0)
        return [("campaign_id", choose(self.campaign_ids, campaign), True),
                ("campaign_name", choose(self.campaign_names, campaign), True)]

    def _build_experiment_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        return [("experiment_id", EXPERIMENT_ID, True), ("experiment_name", "结算页改版", True),
                ("variation_id", choose(EXPERIMENT_VARIATIONS, events["variation"][rows]), True)]

    def _build_app_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        members = [("version", self._choose_app_versions(events, rows), True)]
        if EVENT_NAMES[events["code"][rows[0]]] == "Application Opened":
            members.append(("from_background", "false", False))
        return members

    def _build_unplanned_members(self, events: Columns, rows: np.ndarray) -> list[Member]:
        product = events["product"][rows]
        return [("product_id", mask_rows(self.catalog.product_id.take(pa.array(np.maximum(product, 0))), product >= 0),
                 True),
                ("debug", mask_rows(repeat_text("true", len(rows)), product < 0), False)]

    def _encode_members(self, event: str, members: list[Member], events: Columns, rows: np.ndarray) -> list[pa.Array]:
        """Member fragments, with the missing_required / type_mismatch damage of defect rows."""
        required = [name for name, _ in self.plan.required.get(event, ())]
        types = dict(self.plan.required.get(event, ()))
        defect = events["defect"][rows]
        detail = events["defect_detail"][rows]
        count = len(rows)
        fragments = []
        for key, values, is_text in members:
            if isinstance(values, str):
                values = repeat_text(values, count)
            if key == PREBUILT:
                fragments.append(values)
                continue
            fragment = encode_text_member(key, values) if is_text else encode_member(key, values)
            if key in required:
                target = detail % len(required) == required.index(key)
                retype = (defect == defects.TYPE_MISMATCH) & target
                if retype.any():
                    options = {"number": WRONG_NUMBERS, "integer": WRONG_INTEGERS}.get(types[key], WRONG_STRINGS)
                    wrong = encode_member(key, choose(options, detail // 8 % len(options)))
                    fragment = pc.if_else(pa.array(retype), wrong, fragment)
                drop = (defect == defects.MISSING_REQUIRED) & target
                if drop.any():
                    fragment = mask_rows(fragment, ~drop)
            fragments.append(fragment)
        return fragments

    def _render_properties(self, events: Columns) -> pa.Array:
        kind, code = events["kind"], events["code"]
        # Track calls group by event, and by whether a required property is damaged (rendered field by field).
        damaged = np.isin(events["defect"], (defects.MISSING_REQUIRED, defects.TYPE_MISMATCH))
        group = np.where(kind == TRACK, code.astype(np.int64) * 2 + damaged, -1 - kind.astype(np.int64))

        def render(group_key: int, rows: np.ndarray) -> pa.Array:
            count = len(rows)
            key = group_key // 2 if group_key >= 0 else group_key
            if key >= 0:
                event = EVENT_NAMES[key]
                if key >= len(TRACK_EVENTS):
                    members = self._build_unplanned_members(events, rows)
                else:
                    builder = self.property_builders.get(event)
                    members = builder(events, rows) if builder else []
                return encode_object(self._encode_members(event, members, events, rows), count, ',"properties":{')
            if key == -1 - PAGE:
                path = self._build_paths(events, rows)
                return concatenate([',"properties":{"path":"', *path, '","url":"', SITE, *path, '","title":"',
                                     choose(words.PAGE_TITLES, events["page"][rows]), '"}'])
            if key == -1 - SCREEN:
                return repeat_text(',"properties":{}', count)
            return pa.nulls(count, pa.string())  # identify and alias calls carry no properties

        return render_groups(group, render)

    # -- traits --------------------------------------------------------------------------------------------

    def _render_traits(self, events: Columns) -> pa.Array:
        rows = np.flatnonzero(events["kind"] == IDENTIFY)
        count = len(events)
        if not len(rows):
            return pa.nulls(count, pa.string())
        population = self.population
        person = events["person"][rows]
        mask = events["trait_mask"][rows]
        trait_defect = events["trait_defect"][rows]
        detail = events["trait_detail"][rows]
        person_array = pa.array(person)
        phone = type_phones(population.phone_number[person], events["phone_format"][rows])
        bad_phone = trait_defect == defects.TRAIT_INVALID_PHONE
        if bad_phone.any():
            phone = pc.if_else(pa.array(bad_phone), garble_phones(population.phone_number[person], detail % 5),
                               phone)
        email = pc.fill_null(population.email.take(person_array), "x@x.com")
        typed_email = type_emails(email, events["email_style"][rows])
        bad_email = trait_defect == defects.TRAIT_INVALID_EMAIL
        if bad_email.any():
            typed_email = pc.if_else(pa.array(bad_email), garble_emails(email, detail % 4), typed_email)
        english = population.locale[person] == len(words.LOCALES) - 1
        city = events["city"][rows]
        city_text = pc.if_else(pa.array(english), choose([c[1] for c in words.CITIES], city),
                               choose([c[0] for c in words.CITIES], city))
        province_text = pc.if_else(pa.array(english), choose([c[3] for c in words.CITIES], city),
                                     choose([c[2] for c in words.CITIES], city))
        birthday = pack_strings(np.frombuffer(
            population.birth_day[person].astype("datetime64[D]").astype(str).astype("S10").tobytes(),
            dtype=np.uint8).reshape(-1, 10))

        def has(name: str) -> np.ndarray:
            return (mask & TRAIT_BITS[name]) > 0

        members = [
            mask_rows(encode_text_member("email", typed_email), has("email")),
            mask_rows(encode_text_member("phone", phone), has("phone")),
            mask_rows(encode_text_member("gender", choose(GENDER_TRAITS, population.gender[person])), has("gender")),
            mask_rows(encode_text_member("birthday", birthday), has("birthday")),
            mask_rows(encode_text_member("city", city_text), has("place")),
            mask_rows(encode_text_member("province", province_text), has("place")),
            mask_rows(encode_text_member("country", choose(COUNTRY_TRAITS, person % 3)), has("place")),
            mask_rows(encode_text_member("wechat_openid", population.wechat_openid.take(person_array)), has("wechat")),
            mask_rows(encode_text_member("wechat_unionid", population.wechat_unionid.take(person_array)),
                      has("wechat")),
            mask_rows(encode_text_member("crm_id", population.crm_id.take(person_array)), has("membership")),
            mask_rows(encode_text_member("member_id", population.member_id.take(person_array)), has("membership")),
        ]
        return scatter(encode_object(members, len(rows), ',"traits":{'), rows, count)

    # -- context -------------------------------------------------------------------------------------------

    def _choose_app_versions(self, events: Columns, rows: np.ndarray) -> pa.Array:
        version = self.population.device_app_version[np.maximum(events["device"][rows], 0)]
        mini = events["platform"][rows] == MINI_PROGRAM
        mini_versions = choose(words.MINI_PROGRAM_VERSIONS, version % len(words.MINI_PROGRAM_VERSIONS))
        return pc.if_else(pa.array(mini), mini_versions, choose(words.APP_VERSIONS, version))

    def _build_paths(self, events: Columns, rows: np.ndarray) -> list[pa.Array]:
        """A page's path as two pieces: its base ('/product/') and what follows (a product or category)."""
        page = events["page"][rows]
        product = events["product"][rows]
        category = np.where(events["list_category"][rows] >= 0, events["list_category"][rows],
                            self.world.favorite_category[events["person"][rows]])
        product_page = (page == 2) & (product >= 0)
        tail = pc.if_else(pa.array(product_page), self.catalog.product_id.take(pa.array(np.maximum(product, 0))),
                          mask_rows(choose(self.catalog.category_names, category), page == 1))
        return [choose(words.PAGE_PATHS, page), tail]

    def _render_device_context(self, events: Columns, rows: np.ndarray, key: int) -> pa.Array:
        """The part of `context` fixed for a device: '{"ip":...,"platform":"ios"' (no closing brace)."""
        population = self.population
        count = len(rows)
        person = events["person"][rows]
        platform_name = choose(words.PLATFORMS, events["platform"][rows])
        if key == SERVER_GROUP:
            return concatenate([',"context":{"library":{"name":"analytics-python","version":"2.3.2"},"platform":"',
                                 platform_name, '"'])
        ip = population.ip_address.take(pa.array(person))
        locale = choose(words.LOCALES, population.locale[person])
        head = [',"context":{"ip":"', ip, '","locale":"', locale, '"']
        device = np.maximum(events["device"][rows], 0)
        if key == WEB:
            agent_index = population.browser_agent[person]
            agent = pc.if_else(pa.array(self.world.is_bot[person]),
                               choose(words.BOT_AGENTS, agent_index % len(words.BOT_AGENTS)),
                               choose(words.BROWSER_AGENTS, agent_index))
            body = [',"userAgent":"', agent, '","library":{"name":"analytics.js","version":"next-1.70.0"}']
        elif key in (IOS, ANDROID, KIOSK_GROUP):
            if key == KIOSK_GROUP:
                device_id = population.kiosk_device_id.take(pa.array(np.maximum(events["kiosk"][rows], 0)))
                model, version = repeat_text(KIOSK_MODEL, count), repeat_text(words.APP_VERSIONS[-1], count)
                os_name, library = "Android", "analytics-android"
            else:
                device_id = population.device_id.take(pa.array(device))
                models = words.IOS_MODELS if key == IOS else words.ANDROID_MODELS
                model = choose(models, population.device_model[device] % len(models))
                version = self._choose_app_versions(events, rows)
                os_name, library = ("iOS", "analytics-ios") if key == IOS else ("Android", "analytics-android")
            body = [',"device":{"id":"', device_id, '","model":"', model, f'"}},"os":{{"name":"{os_name}"}}',
                    ',"app":{"name":"YueDong","version":"', version,
                    f'"}},"library":{{"name":"{library}","version":"4.1.0"}}']
        else:
            os_name = choose(("iOS", "Android"), person % 2)
            body = [',"os":{"name":"', os_name, '"},"app":{"name":"悦动生活小程序","version":"',
                    self._choose_app_versions(events, rows),
                    '"},"library":{"name":"analytics-miniprogram","version":"1.4.0"}']
        return concatenate([*head, *body, ',"platform":"', platform_name, '"'])

    def _render_context(self, events: Columns) -> list[pa.Array]:
        """Pieces of `context`: the device part (rendered once per device), page, campaign, closing brace."""
        count = len(events)
        device, kiosk, platform = events["device"], events["kiosk"], events["platform"]
        devices = len(self.population.device_person)
        group = np.where(events["is_server"], SERVER_GROUP,
                         np.where(kiosk >= 0, KIOSK_GROUP, platform.astype(np.int64)))
        key = np.where(group == SERVER_GROUP, devices + 1000 + platform.astype(np.int64),
                       np.where(group == KIOSK_GROUP, devices + kiosk.astype(np.int64), device.astype(np.int64)))
        unique_keys, first_rows, inverse = np.unique(key, return_index=True, return_inverse=True)
        prefixes = render_groups(group[first_rows],
                                 lambda key, rows: self._render_device_context(events, first_rows[rows], key))
        pieces = [prefixes.take(pa.array(inverse.ravel()))]

        web = np.flatnonzero(group == WEB)
        if len(web):
            population = self.population
            person = events["person"][web]
            # The landing page of an acquisition session names where the visitor came from; other
            # landings are direct visits; later pages were reached from inside the shop.
            landing = events["block"][web] == LANDING_BLOCK
            channel = population.acquisition_channel[person]
            has_external = np.array([bool(c[5]) for c in words.ACQUISITION_CHANNELS])[channel]
            external = choose([f',"referrer":"{c[5]}"' for c in words.ACQUISITION_CHANNELS], channel)
            referrer = pc.if_else(pa.array(landing), external, pa.scalar(f',"referrer":"{SITE}/"'))
            referrer = mask_rows(referrer, ~landing | (events["acquisition"][web] & has_external))
            path = self._build_paths(events, web)
            page = concatenate([',"page":{"path":"', *path, '"', referrer, ',"title":"',
                                 choose(words.PAGE_TITLES, events["page"][web]), '","url":"', SITE, *path, '"}'])
            pieces.append(scatter(page, web, count))

        person = events["person"]
        campaign = events["campaign"]
        channel = self.population.acquisition_channel[person]
        acquisition = events["acquisition"] & (channel != 0) & ~events["is_server"]
        name = self.population.acquisition_campaign[person] % np.array(
            [max(1, len(c[4])) for c in words.ACQUISITION_CHANNELS])[channel]
        index = np.where(campaign >= 0, self.click_offset + campaign,
                         np.where(acquisition, np.array(self.acquisition_offset)[channel] + name, -1))
        pieces.append(choose(self.campaign_pieces, index))
        pieces.append("}")
        return pieces

    # -- whole lines ---------------------------------------------------------------------------------------

    def render(self, events: Columns) -> pa.Array:
        """One JSON line per row, newline included (malformed rows still whole; they are cut afterwards)."""
        count = len(events)
        if count == 0:
            return pa.array([], pa.string())
        population = self.population
        kind, platform = events["kind"], events["platform"]
        serial = events["serial"].astype(np.uint64)
        seed = self.world.seed
        first, second = mix(seed, 71, serial), mix(seed, 72, serial)
        web = platform == WEB
        server = events["is_server"]
        hex_ids = frame(np.concatenate([format_hex_matrix(first[web]), format_hex_matrix(second[web])], axis=1),
                        b',"messageId":"ajs-next-', b'"')
        web_rows, app_rows = np.flatnonzero(web & ~server), np.flatnonzero(~web & ~server)
        server_rows = np.flatnonzero(server)
        message_pieces = [
            scatter(pack_strings(hex_ids[~server[web]]), web_rows, count),
            scatter(pack_strings(format_uuid_matrix(first[app_rows], second[app_rows], prefix=b',"messageId":"',
                                                    suffix=b'"')), app_rows, count),
            scatter(pack_strings(format_uuid_matrix(first[server_rows], second[server_rows],
                                                    prefix=b',"messageId":"api-', suffix=b'"')), server_rows, count),
        ]
        device, kiosk = events["device"], events["kiosk"]
        device_key = np.maximum(device, 0).astype(np.uint64)
        version = events["anonymous_version"]
        on_device = events["has_anonymous"] & (device >= 0)
        at_kiosk = events["has_anonymous"] & (kiosk >= 0)
        anonymous_pieces = [
            pack_strings(format_uuid_matrix(mix(seed, 11, device_key, version), mix(seed, 12, device_key, version),
                                            prefix=b',"anonymousId":"', suffix=b'"'), on_device),
            self.kiosk_anonymous_pieces.take(pa.array(np.maximum(kiosk, 0), mask=~at_kiosk)),
        ]
        alias = np.flatnonzero(kind == ALIAS)
        previous = scatter(pack_strings(format_uuid_matrix(
            mix(seed, 11, device_key[alias], version[alias]), mix(seed, 12, device_key[alias], version[alias]),
            prefix=b',"previousId":"', suffix=b'"')), alias, count)
        user = self.user_pieces.take(pa.array(events["person"], mask=~events["has_user"]))
        track = kind == TRACK
        event_piece = choose(self.event_pieces, np.where(track, events["code"], -1))
        views = (kind == PAGE) | (kind == SCREEN)
        name_piece = choose(self.name_pieces, np.where(views, events["code"], -1))

        bad_time = events["defect"] == defects.BAD_TIMESTAMP
        mini = platform == MINI_PROGRAM
        timestamp_pieces = [
            format_timestamps(events["timestamp_ms"], prefix=b',"timestamp":"', suffix=b'Z"', valid=~mini & ~bad_time),
            format_timestamps(events["timestamp_ms"], SHANGHAI_OFFSET_MS, prefix=b',"timestamp":"', suffix=b'"',
                              valid=mini & ~bad_time),
            choose(self.bad_timestamp_pieces, np.where(bad_time, events["defect_detail"] % len(
                self.bad_timestamp_pieces), -1)),
        ]
        pieces = [
            choose(self.type_pieces, kind), event_piece, name_piece, *message_pieces, *anonymous_pieces, user,
            previous, self._render_properties(events), self._render_traits(events), *self._render_context(events),
            *timestamp_pieces,
            format_timestamps(events["sent_ms"], prefix=b',"sentAt":"', suffix=b'Z"'),
            format_timestamps(events["received_ms"], prefix=b',"receivedAt":"', suffix=b'Z"}\n'),
        ]
        del population
        return concatenate(pieces)
