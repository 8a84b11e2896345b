"""The demo data generator: determinism, scale knobs, ground truth against the raw files, realism.

Every check here reads the raw files independently (json, csv, parquet) and compares with truth/,
so a change in the generator that breaks the contract or the truth fails here first.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.demo_data import generate, generator
from orchestration.demo_data.contacts import normalize_email, normalize_phone
from orchestration.demo_data.history import HISTORY_DAYS, LAPSED_DAYS_LOW

PERSONS, DAYS, END_DATE, SEED = 500, 14, "2026-10-31", 7
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
BOT_MARKERS = ("Googlebot", "bingbot", "Baiduspider", "HeadlessChrome", "python-requests", "YandexBot")
ORDER_STATUSES = {"paid", "refunded", "cancelled"}
TEN_MINUTES = dt.timedelta(minutes=10)
THIRTY_DAYS = dt.timedelta(days=30)
DICTIONARY = Path(__file__).resolve().parents[2] / "seeds" / "event_dictionary.csv"


# -- reading the raw directory --------------------------------------------------------------------------


def folder_date(path: Path) -> dt.date | None:
    """The day of a date= folder in the path; None for files of no one day (the order history)."""
    match = re.search(r"date=(\d{4}-\d{2}-\d{2})", str(path))
    return dt.date.fromisoformat(match.group(1)) if match else None


def parse_time(text) -> dt.datetime | None:
    """A raw timestamp as an aware datetime (no offset = Shanghai time), None when unparseable."""
    if not isinstance(text, str):
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def read_tracking_plan() -> dict[str, dict[str, str]]:
    with DICTIONARY.open(newline="", encoding="utf-8") as handle:
        return {
            row["event_name"]: dict(part.split(":", 1) for part in row["required_properties"].split(";") if part)
            for row in csv.DictReader(handle)
        }


def has_type(value, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if kind == "integer" else isinstance(value, (int, float))


def read_events(raw: Path) -> tuple[list[dict], int]:
    """Parsed event lines (each with its folder date under '_folder') and the number of unparseable lines."""
    events, malformed = [], 0
    for path in sorted((raw / "events").rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    malformed += 1
                    continue
                event["_folder"] = folder_date(path)
                events.append(event)
    return events, malformed


def read_csv_rows(raw: Path, source: str) -> list[dict]:
    """Rows of a CSV source in file order, each with its folder date under '_folder' (None: the history)."""
    rows = []
    for path in sorted((raw / source).rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                row["_folder"] = folder_date(path)
                rows.append(row)
    return rows


def read_customers(raw: Path) -> list[str]:
    return [line for path in sorted((raw / "customers").rglob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def read_touches(raw: Path) -> list[dict]:
    return [row for path in sorted((raw / "campaign_touches").rglob("*.parquet"))
            for row in pq.read_table(path).to_pylist()]


def classify_event(event: dict, plan: dict[str, dict[str, str]], seen: set[str]) -> list[str]:
    """Every quarantine reason an event line deserves, judged from the line alone (plus message ids seen)."""
    reasons = []
    if event.get("messageId") in seen:
        reasons.append("duplicate")
    seen.add(event.get("messageId"))
    timestamp = parse_time(event.get("timestamp"))
    received = parse_time(event.get("receivedAt"))
    if timestamp is None:
        reasons.append("bad_timestamp")
    elif timestamp > received + TEN_MINUTES:
        reasons.append("future_timestamp")
    elif received - timestamp > THIRTY_DAYS:
        reasons.append("too_late")
    if not event.get("anonymousId") and not event.get("userId"):
        reasons.append("invalid_identifier")
    if any(marker in event.get("context", {}).get("userAgent", "") for marker in BOT_MARKERS):
        reasons.append("bot_traffic")
    if event["type"] == "track":
        required = plan.get(event["event"])
        if required is None:
            reasons.append("unplanned_event")
        else:
            properties = event.get("properties", {})
            if any(name not in properties for name in required):
                reasons.append("missing_required")
            if any(name in properties and not has_type(properties[name], kind) for name, kind in required.items()):
                reasons.append("type_mismatch")
    return reasons


# -- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("demo")
    summary = generate(out, persons=PERSONS, days=DAYS, end_date=END_DATE, seed=SEED)
    raw, truth = out / "raw", out / "truth"
    events, malformed = read_events(raw)
    plan = read_tracking_plan()
    seen: set[str] = set()
    for event in events:
        event["_reasons"] = classify_event(event, plan, seen)
    return {
        "out": out,
        "raw": raw,
        "truth": truth,
        "summary": summary,
        "events": events,
        "malformed": malformed,
        "plan": plan,
        "clean_events": [event for event in events if not event["_reasons"]],
        "orders": read_csv_rows(raw, "orders"),
        "items": read_csv_rows(raw, "order_items"),
        "tickets": read_csv_rows(raw, "tickets"),
        "customers": read_customers(raw),
        "touches": read_touches(raw),
        "mess": json.loads((truth / "mess.json").read_text(encoding="utf-8")),
        "persons": pq.read_table(truth / "persons.parquet").to_pylist(),
        "identifiers": pq.read_table(truth / "identifiers.parquet").to_pylist(),
    }


def content_digests(out: Path) -> dict[str, str]:
    """SHA-256 of every output file's content (gzip decompressed), summary.json's timings left out."""
    digests = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.name == "summary.json":
            continue
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        digests[str(path.relative_to(out))] = hashlib.sha256(data).hexdigest()
    return digests


def identifiers_of(demo: dict, kind: str) -> set[str]:
    return {row["identifier_value"] for row in demo["identifiers"] if row["identifier_type"] == kind}


# -- determinism and scale --------------------------------------------------------------------------------


def test_same_arguments_give_identical_files_and_another_seed_does_not(tmp_path):
    first = generate(tmp_path / "a", persons=120, days=5, seed=3)
    generate(tmp_path / "b", persons=120, days=5, seed=3)
    generate(tmp_path / "c", persons=120, days=5, seed=4)
    digests_a, digests_b = content_digests(tmp_path / "a"), content_digests(tmp_path / "b")
    assert digests_a == digests_b
    assert first["events"] > 0
    digests_c = content_digests(tmp_path / "c")
    changed = [name for name in digests_a if digests_c.get(name) != digests_a[name]]
    assert any(name.startswith("raw/events/") for name in changed)
    assert "truth/identifiers.parquet" in changed
    assert {"raw/orders/history/orders_history.csv", "raw/order_items/history/order_items_history.csv"} <= set(changed)


def test_gzip_files_are_byte_identical_between_runs(tmp_path):
    generate(tmp_path / "a", persons=60, days=2, seed=5)
    generate(tmp_path / "b", persons=60, days=2, seed=5)
    for path in (tmp_path / "a" / "raw").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / "raw" / path.relative_to(tmp_path / "a" / "raw")).read_bytes()


def test_doubling_persons_roughly_doubles_events(tmp_path, demo):
    double = generate(tmp_path / "double", persons=2 * PERSONS, days=DAYS, end_date=END_DATE, seed=SEED)
    ratio = double["events"] / demo["summary"]["events"]
    assert 1.6 < ratio < 2.4, ratio


def test_days_control_the_date_folders(demo):
    window = [dt.date.fromisoformat(END_DATE) - dt.timedelta(days=offset) for offset in range(DAYS)]
    folders = sorted(folder_date(path) for path in (demo["raw"] / "events").iterdir())
    assert folders == sorted(window)
    for source in ("orders", "order_items", "customers", "tickets", "campaign_touches"):
        dates = {folder_date(path) for path in (demo["raw"] / source).iterdir() if path.name != "history"}
        assert dates and dates <= set(window), source
    # The order system's history before the window: one file per source, in a folder without a date.
    assert sorted(path.name for path in (demo["raw"] / "orders" / "history").iterdir()) == ["orders_history.csv"]
    assert sorted(path.name for path in (demo["raw"] / "order_items" / "history").iterdir()) == [
        "order_items_history.csv"]
    assert (demo["raw"] / "products" / "products.parquet").is_file()


def test_summary_counts_rows_per_source(demo):
    summary, mess = demo["summary"], demo["mess"]
    assert summary["events"] == len(demo["events"]) + demo["malformed"] == mess["events"]["rows_written"]
    assert summary["rows"]["orders"] == len(demo["orders"]) == mess["orders"]["rows_written"]
    assert summary["rows"]["order_items"] == len(demo["items"])
    assert summary["rows"]["customers"] == len(demo["customers"])
    assert summary["rows"]["tickets"] == len(demo["tickets"])
    assert summary["rows"]["campaign_touches"] == len(demo["touches"])
    assert summary["events_per_second"] > 0
    assert json.loads((demo["truth"] / "summary.json").read_text())["parameters"]["persons"] == PERSONS


def test_command_line_writes_progress_and_a_summary_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.demo_data", "--out", str(tmp_path), "--persons", "40", "--days", "3",
         "--end-date", "2026-06-20", "--seed", "9"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )
    lines = result.stderr.strip().splitlines()
    assert any("events/s" in line and "day" in line for line in lines[:-1])
    assert re.search(r"wrote [\d,]+ events in [\d.]+s \([\d,]+ events/s\)", lines[-1])
    assert sorted(path.name for path in (tmp_path / "raw" / "events").iterdir()) == [
        "date=2026-06-18", "date=2026-06-19", "date=2026-06-20"]
    quiet = subprocess.run(
        [sys.executable, "-m", "orchestration.demo_data", "--out", str(tmp_path / "q"), "--persons", "20", "--days",
         "1", "--quiet"], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert quiet.stderr == ""


# -- the contract -----------------------------------------------------------------------------------------


def test_clean_track_events_follow_the_tracking_plan(demo):
    plan = demo["plan"]
    names = collections.Counter(event["event"] for event in demo["clean_events"] if event["type"] == "track")
    assert set(names) <= set(plan)
    assert {"Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed In",
            "Experiment Viewed"} <= set(names)
    for event in demo["clean_events"]:
        if event["type"] == "track":
            for name, kind in plan[event["event"]].items():
                assert has_type(event["properties"][name], kind), (event["event"], name)


def test_platform_specific_context_and_time_zones(demo):
    by_platform = collections.defaultdict(list)
    for event in demo["clean_events"]:
        by_platform[event["context"].get("platform")].append(event)
    assert set(by_platform) == {"web", "ios", "android", "mini_program"}
    for event in by_platform["web"]:
        if "library" in event["context"] and event["context"]["library"]["name"] == "analytics.js":
            assert event["context"]["page"]["url"].startswith("https://")
            assert "Mozilla" in event["context"]["userAgent"]
            assert event["timestamp"].endswith("Z")
    for event in by_platform["ios"] + by_platform["android"]:
        if event["context"]["library"]["name"].startswith("analytics-i") or event["context"].get("device"):
            assert event["context"]["device"]["id"] and event["context"]["os"]["name"]
            assert event["context"]["app"]["version"]
    for event in by_platform["mini_program"]:
        if event["context"]["library"]["name"] == "analytics-miniprogram":
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", event["timestamp"])
            assert event["receivedAt"].endswith("Z")
    mini_identifies = [e for e in by_platform["mini_program"] if e["type"] == "identify"]
    assert mini_identifies and all("wechat_openid" in e["traits"] for e in mini_identifies)
    assert any(e["type"] == "page" for e in by_platform["web"])
    assert any(e["type"] == "screen" for e in by_platform["ios"] + by_platform["android"])


def test_csv_and_parquet_sources_follow_the_contract(demo):
    assert list(demo["orders"][0])[:-1] == ["order_id", "ordered_at", "channel", "store_id", "user_id", "member_id",
                                            "phone", "status", "currency", "total_amount", "discount_amount",
                                            "coupon_code", "payment_method"]
    assert list(demo["items"][0])[:-1] == ["order_id", "line_number", "sku", "quantity", "unit_price"]
    assert list(demo["tickets"][0])[:-1] == ["ticket_id", "crm_id", "phone", "user_id", "created_at", "resolved_at",
                                             "channel", "category", "csat_score", "content"]
    customer = json.loads(demo["customers"][0])
    assert list(customer) == ["crm_id", "member_id", "phone", "email", "full_name", "gender", "birth_date", "province",
                              "city", "registered_at", "member_tier", "marketing_opt_in", "updated_at", "is_deleted"]
    touches = pq.read_table(next((demo["raw"] / "campaign_touches").rglob("*.parquet")))
    assert str(touches.schema.field("sent_at").type) == "timestamp[us, tz=UTC]"
    products = pq.read_table(demo["raw"] / "products" / "products.parquet")
    assert products.column_names == ["sku", "product_name", "category", "subcategory", "brand", "list_price"]
    assert 300 <= products.num_rows <= 600
    ring_up_store_orders = [row for row in demo["orders"] if row["channel"] == "store"]
    assert ring_up_store_orders and all(not row["user_id"] for row in ring_up_store_orders)
    assert any(not row["phone"] and not row["member_id"] for row in ring_up_store_orders)  # walk-ins
    online = [row for row in demo["orders"] if row["channel"] != "store" and row["status"] in ORDER_STATUSES]
    assert online and all(row["user_id"] for row in online)
    window_rows = [row for row in demo["orders"] if row["_folder"] is not None]
    refunded = {row["order_id"]: row["_folder"] for row in window_rows if row["status"] == "refunded"}
    first_seen = {}
    for row in window_rows:
        if row["status"] in ("paid", "cancelled"):
            first_seen.setdefault(row["order_id"], row["_folder"])
    assert refunded and all(first_seen[order] < day for order, day in refunded.items() if order in first_seen)


# -- ground truth against the raw files -------------------------------------------------------------------


def test_identifiers_in_truth_are_exactly_those_in_the_raw_files(demo):
    raw_user_ids, raw_anonymous_ids, raw_phones, raw_emails = set(), set(), set(), set()
    raw_crm_ids, raw_member_ids, raw_openids, raw_device_ids = set(), set(), set(), set()
    for event in demo["events"]:
        raw_user_ids.add(event.get("userId"))
        raw_anonymous_ids.update([event.get("anonymousId"), event.get("previousId")])
        raw_device_ids.add(event.get("context", {}).get("device", {}).get("id"))
        traits = event.get("traits", {})
        raw_phones.add(normalize_phone(traits.get("phone")))
        raw_emails.add(normalize_email(traits.get("email")))
        raw_crm_ids.add(traits.get("crm_id"))
        raw_member_ids.add(traits.get("member_id"))
        raw_openids.add(traits.get("wechat_openid"))
    for row in demo["orders"]:
        raw_user_ids.add(row["user_id"])
        raw_member_ids.add(row["member_id"])
        raw_phones.add(normalize_phone(row["phone"] or None))
    for line in demo["customers"]:
        customer = json.loads(line)
        raw_crm_ids.add(customer["crm_id"])
        raw_member_ids.add(customer["member_id"])
        raw_phones.add(normalize_phone(customer["phone"]))
        raw_emails.add(normalize_email(customer["email"]))
    for row in demo["tickets"]:
        raw_user_ids.add(row["user_id"])
        raw_crm_ids.add(row["crm_id"])
        raw_phones.add(normalize_phone(row["phone"] or None))
    for row in demo["touches"]:
        raw_user_ids.add(row["user_id"])
        raw_crm_ids.add(row["crm_id"])
        raw_phones.add(normalize_phone(row["phone"]))
    for found in (raw_user_ids, raw_anonymous_ids, raw_phones, raw_emails, raw_crm_ids, raw_member_ids, raw_openids,
                  raw_device_ids):
        found.discard(None)
        found.discard("")
    assert identifiers_of(demo, "user_id") == raw_user_ids
    assert identifiers_of(demo, "anonymous_id") == raw_anonymous_ids
    assert identifiers_of(demo, "phone") == raw_phones
    assert identifiers_of(demo, "email") == raw_emails
    assert identifiers_of(demo, "crm_id") == raw_crm_ids
    assert identifiers_of(demo, "member_id") == raw_member_ids
    assert identifiers_of(demo, "wechat_openid") == raw_openids
    assert identifiers_of(demo, "device_id") == raw_device_ids
    assert all(value.startswith("+86") and len(value) == 14 for value in identifiers_of(demo, "phone"))


def test_shared_kiosk_devices_belong_to_several_persons(tmp_path):
    generate(tmp_path, persons=2000, days=21, seed=2)
    rows = pq.read_table(tmp_path / "truth" / "identifiers.parquet").to_pylist()
    owners = collections.defaultdict(set)
    for row in rows:
        if row["is_shared"]:
            owners[row["identifier_value"]].add(row["true_person_id"])
    kiosks = {value for value in owners if value.startswith("kiosk-")}
    assert kiosks
    assert max(len(owners[kiosk]) for kiosk in kiosks) >= 2
    unshared = collections.Counter((row["identifier_type"], row["identifier_value"]) for row in rows
                                   if not row["is_shared"])
    assert max(unshared.values()) == 1  # every other identifier points at one true person


def test_event_defect_counts_match_the_files(demo):
    mess = demo["mess"]["events"]
    counted = collections.Counter(reason for event in demo["events"] for reason in event["_reasons"])
    counted["malformed_record"] = demo["malformed"]
    assert all(len(event["_reasons"]) <= 1 for event in demo["events"]), "a row carries two defects"
    for reason, expected in mess["rows_by_reason"].items():
        assert counted[reason] == expected, reason
    assert mess["rows_by_reason"]["duplicate"] > 0 and mess["rows_by_reason"]["bot_traffic"] > 0
    assert mess["clean_rows"] == len(demo["clean_events"])
    late = sum(1 for event in demo["clean_events"]
               if event["_folder"] > parse_time(event["timestamp"]).astimezone(SHANGHAI).date())
    assert late == mess["clean_row_flags"]["late_arrivals"] > 0
    identifies = [event for event in demo["clean_events"] if event["type"] == "identify"]
    bad_phones = sum(1 for event in identifies if "phone" in event["traits"]
                     and normalize_phone(event["traits"]["phone"]) is None)
    bad_emails = sum(1 for event in identifies if "email" in event["traits"]
                     and normalize_email(event["traits"]["email"]) is None)
    assert bad_phones == mess["clean_row_flags"]["invalid_phone"]
    assert bad_emails == mess["clean_row_flags"]["invalid_email"]


def amount_is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+\.\d{2}", text) is not None


def test_order_and_item_defect_counts_match_the_files(demo):
    mess = demo["mess"]
    rows = demo["orders"]
    fields = [tuple(value for key, value in row.items() if key != "_folder") for row in rows]
    duplicates = len(fields) - len(set(fields))
    non_numeric = sum(1 for row in rows if not (amount_is_number(row["total_amount"])
                                                and amount_is_number(row["discount_amount"])))
    negative = sum(1 for row in rows if amount_is_number(row["total_amount"]) and row["total_amount"].startswith("-"))
    unknown_status = sum(1 for row in rows if row["status"] not in ORDER_STATUSES)
    invalid_phone = len({fields[i] for i, row in enumerate(rows)
                         if row["phone"] and normalize_phone(row["phone"]) is None})
    expected = mess["orders"]["rows_by_reason"]
    assert (duplicates, non_numeric, negative, unknown_status) == (
        expected["duplicate"], expected["type_mismatch"], expected["invalid_amount"], expected["invalid_value"])
    assert invalid_phone == mess["orders"]["clean_row_flags"]["invalid_phone"]
    items = [tuple(value for key, value in row.items() if key != "_folder") for row in demo["items"]]
    assert len(items) - len(set(items)) == mess["order_items"]["rows_by_reason"]["duplicate"]
    customers = demo["customers"]
    assert len(customers) - len(set(customers)) == mess["customers"]["rows_by_reason"]["duplicate"]
    unique_customers = [json.loads(line) for line in set(customers)]
    assert sum(1 for c in unique_customers if normalize_phone(c["phone"]) is None) == \
        mess["customers"]["clean_row_flags"]["invalid_phone"]
    assert sum(1 for c in unique_customers if c["email"] is not None and normalize_email(c["email"]) is None) == \
        mess["customers"]["clean_row_flags"]["invalid_email"]
    scores = [row["csat_score"] for row in demo["tickets"] if row["csat_score"]]
    non_numeric = sum(1 for score in scores if not score.lstrip("-").isdigit())
    assert non_numeric == mess["tickets"]["rows_by_reason"]["type_mismatch"]
    assert sum(1 for score in scores if score.lstrip("-").isdigit() and not 1 <= int(score) <= 5) == \
        mess["tickets"]["rows_by_reason"]["invalid_value"]


def is_valid_order_row(row: dict) -> bool:
    return (row["status"] in ORDER_STATUSES and amount_is_number(row["total_amount"])
            and amount_is_number(row["discount_amount"]) and not row["total_amount"].startswith("-"))


def clean_orders(demo: dict) -> dict[str, dict]:
    """Valid order rows by order id (first row of each order; re-exported copies collapse)."""
    orders = {}
    for row in demo["orders"]:
        if is_valid_order_row(row):
            orders.setdefault(row["order_id"], row)
    return orders


def test_order_items_add_up_to_order_totals(demo):
    orders = clean_orders(demo)
    lines = {}
    for row in demo["items"]:
        lines[(row["order_id"], row["line_number"])] = round(int(row["quantity"]) * float(row["unit_price"]) * 100)
    sums = collections.Counter()
    for (order_id, _), cents in lines.items():
        sums[order_id] += cents
    assert set(sums) == set(orders)  # every valid order has its lines, and only valid orders have lines
    for order_id, row in orders.items():
        total = round(float(row["total_amount"]) * 100)
        discount = round(float(row["discount_amount"]) * 100)
        assert sums[order_id] - discount == total, order_id


def test_order_completed_events_match_paid_online_orders(demo):
    completed = {event["properties"]["order_id"] for event in demo["clean_events"]
                 if event.get("event") == "Order Completed"}
    # Tracking covers the window only: history orders have no events.
    paid_online = {order_id for order_id, row in clean_orders(demo).items()
                   if row["status"] == "paid" and row["channel"] != "store" and row["_folder"] is not None}
    assert completed and completed == paid_online
    refunded_events = {event["properties"]["order_id"] for event in demo["clean_events"]
                       if event.get("event") == "Order Refunded"}
    refunded_rows = {row["order_id"] for row in demo["orders"] if row["status"] == "refunded"
                     and row["channel"] != "store" and row["_folder"] is not None}
    assert refunded_events == refunded_rows


def test_truth_orders_cover_every_valid_order(demo):
    truth = {row["order_id"]: row for row in pq.read_table(demo["truth"] / "orders.parquet").to_pylist()}
    assert set(truth) == set(clean_orders(demo))
    walk_ins = [row for row in truth.values() if row["true_person_id"] is None]
    assert walk_ins and all(row["channel"] == "store" for row in walk_ins)


# -- the order history before the window -----------------------------------------------------------------

# Personas whose buying has no lifecycle in the window (churners decline and stop there, reactivated persons
# pause and return), so their window rate is their steady rate, which the history reproduces.
STEADY_PERSONAS = ("regular", "night_owl", "bargain_hunter", "big_spender", "window_shopper", "store_only")


def shanghai_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def window_start(end_date: str = END_DATE, days: int = DAYS) -> dt.date:
    return dt.date.fromisoformat(end_date) - dt.timedelta(days=days - 1)


def split_truth_orders(out: Path, start: dt.date) -> tuple[list[dict], list[dict]]:
    """truth/orders.parquet rows placed before the window (the history) and in it."""
    orders = pq.read_table(out / "truth" / "orders.parquet").to_pylist()
    return ([row for row in orders if shanghai_date(row["ordered_at"]) < start],
            [row for row in orders if shanghai_date(row["ordered_at"]) >= start])


def test_order_history_lies_in_the_year_before_the_window(demo):
    start = window_start()
    history = [row for row in demo["orders"] if row["_folder"] is None]
    window = [row for row in demo["orders"] if row["_folder"] is not None]
    assert len(history) > len(window) > 0  # a year of orders against two weeks
    for rows, inside in ((history, lambda day: start - dt.timedelta(days=HISTORY_DAYS) <= day < start),
                         (window, lambda day: day >= start)):
        days = [parse_time(row["ordered_at"]).astimezone(SHANGHAI).date() for row in rows
                if parse_time(row["ordered_at"])]
        assert days and all(inside(day) for day in days)
    history_ids = {row["order_id"] for row in history}
    assert {row["order_id"] for row in demo["items"] if row["_folder"] is None} == {
        order_id for order_id, row in clean_orders(demo).items() if row["_folder"] is None}
    # A refund row follows the order's paid row in the file (the latest version of an order wins).
    position = {}
    for index, row in enumerate(history):
        if is_valid_order_row(row):
            position.setdefault((row["order_id"], row["status"]), index)
    refunds = [order_id for order_id, status in position if status == "refunded"]
    assert refunds and all(position[(order_id, "paid")] < position[(order_id, "refunded")] for order_id in refunds)
    assert {row["status"] for row in history} >= {"paid", "cancelled", "refunded"}
    assert {row["channel"] for row in history} >= {"web", "app", "mini_program", "store"}
    truth_history, _ = split_truth_orders(demo["out"], start)
    assert demo["summary"]["order_history"]["orders"] == len(truth_history)
    assert {row["order_id"] for row in truth_history} == {
        order_id for order_id, row in clean_orders(demo).items() if row["_folder"] is None} <= history_ids


def test_order_history_belongs_to_persons_first_seen_before_the_window(demo):
    start = window_start()
    persons = {row["true_person_id"]: row for row in demo["persons"]}
    history, _ = split_truth_orders(demo["out"], start)
    known = [row for row in history if row["true_person_id"] is not None]
    assert known and any(row["true_person_id"] is None and row["channel"] == "store" for row in history)
    first_order = {}
    for row in known:
        person = persons[row["true_person_id"]]
        assert not person["is_test_account"] and not person["is_bot"]
        assert person["first_seen_date"] < start
        day = shanghai_date(row["ordered_at"])
        assert day >= person["first_seen_date"]
        first_order[row["true_person_id"]] = min(day, first_order.get(row["true_person_id"], day))
        if person["persona"] == "reactivated":  # lapsed in the months before their return (first order aside)
            assert day < start - dt.timedelta(days=LAPSED_DAYS_LOW) or day == person["first_seen_date"]
        if row["channel"] != "store":  # online orders only of persons with an account
            assert person["has_account"]
    # A person first seen inside the history placed their first order that day.
    newcomers = [person for person in first_order
                 if persons[person]["first_seen_date"] >= start - dt.timedelta(days=HISTORY_DAYS)]
    assert newcomers and all(first_order[person] == persons[person]["first_seen_date"] for person in newcomers)
    assert demo["summary"]["order_history"]["persons"] == len(first_order)


def test_order_ids_are_unique_across_history_and_window(demo):
    history = {row["order_id"] for row in demo["orders"] if row["_folder"] is None}
    window = {row["order_id"] for row in demo["orders"] if row["_folder"] is not None}
    assert history and window and not history & window
    assert max(history) < min(window)  # 'SO' and ten digits: the history's numbers come first
    rows = collections.defaultdict(set)
    for row in demo["orders"]:
        rows[row["order_id"]].add(row["ordered_at"])
    assert all(len(times) == 1 for times in rows.values())  # an order id names one order


def test_window_files_do_not_depend_on_the_history(tmp_path, monkeypatch):
    generate(tmp_path / "with", persons=150, days=4, seed=6)
    monkeypatch.setattr(generator, "write_order_history", lambda *arguments: {})
    generate(tmp_path / "without", persons=150, days=4, seed=6)
    with_history, without_history = content_digests(tmp_path / "with"), content_digests(tmp_path / "without")
    history_files = {name for name in with_history if "/history/" in name}
    assert history_files == {"raw/orders/history/orders_history.csv",
                             "raw/order_items/history/order_items_history.csv"}
    # Erasure requests may come from anyone the data shows, customers known from the history included.
    window_files = {name: digest for name, digest in with_history.items()
                    if name.startswith("raw/") and name not in history_files and "/erasure_requests/" not in name}
    assert window_files == {name: digest for name, digest in without_history.items()
                            if name.startswith("raw/") and "/erasure_requests/" not in name}


def test_history_order_rates_by_persona_match_the_window(tmp_path):
    """Orders per person-day in the history against the window, for the persons first seen before the window:
    steady personas within 30% each (about three standard errors at this size) and within 10% together;
    churners buy in the history like the steady regulars (they decline only in the window)."""
    days = 90
    generate(tmp_path, persons=3000, days=days, end_date=END_DATE, seed=SEED)
    start = window_start(days=days)
    history_start = start - dt.timedelta(days=HISTORY_DAYS)
    persons = {row["true_person_id"]: row for row in pq.read_table(tmp_path / "truth" / "persons.parquet").to_pylist()
               if row["first_seen_date"] and row["first_seen_date"] < start and not row["is_test_account"]
               and not row["is_bot"]}
    history_days, window_days = collections.Counter(), collections.Counter()
    for person in persons.values():
        history_days[person["persona"]] += (start - max(person["first_seen_date"], history_start)).days
        window_days[person["persona"]] += days
    history_orders, window_orders = collections.Counter(), collections.Counter()
    history, window = split_truth_orders(tmp_path, start)
    for rows, counter in ((history, history_orders), (window, window_orders)):
        for row in rows:
            if row["true_person_id"] in persons:
                counter[persons[row["true_person_id"]]["persona"]] += 1

    def rate(counter: collections.Counter, exposure: collections.Counter, personas: tuple[str, ...]) -> float:
        return sum(counter[persona] for persona in personas) / sum(exposure[persona] for persona in personas)

    ratios = {persona: rate(history_orders, history_days, (persona,)) / rate(window_orders, window_days, (persona,))
              for persona in STEADY_PERSONAS}
    assert all(0.7 < ratio < 1.3 for ratio in ratios.values()), ratios
    steady = rate(history_orders, history_days, STEADY_PERSONAS) / rate(window_orders, window_days, STEADY_PERSONAS)
    assert 0.9 < steady < 1.1, steady
    churners = rate(history_orders, history_days, ("churner",)) / rate(history_orders, history_days, ("regular",))
    assert 0.7 < churners < 1.3, churners


# -- realism ----------------------------------------------------------------------------------------------


def test_funnel_decreases_step_by_step(demo):
    funnel = json.loads((demo["truth"] / "funnel.json").read_text())
    for platform, figures in [*funnel["platforms"].items(), ("all", funnel["all_platforms"])]:
        sessions = [figures["sessions"][step] for step in funnel["steps"]]
        persons = [figures["persons"][step] for step in funnel["steps"]]
        assert sessions == sorted(sessions, reverse=True) and sessions[-1] > 0, platform
        assert persons == sorted(persons, reverse=True), platform
    completed = sum(1 for event in demo["clean_events"] if event.get("event") == "Order Completed")
    test_accounts = {row["true_person_id"] for row in demo["persons"] if row["is_test_account"]}
    assert funnel["all_platforms"]["sessions"]["order_completed"] <= completed
    assert test_accounts  # test accounts exist, and the funnel truth leaves them out


def test_weekends_are_busier_than_weekdays(demo):
    per_day = collections.Counter(parse_time(event["timestamp"]).astimezone(SHANGHAI).date()
                                  for event in demo["clean_events"])
    window = [dt.date.fromisoformat(END_DATE) - dt.timedelta(days=offset) for offset in range(DAYS)]
    weekend = [per_day[day] for day in window if day.weekday() >= 5]
    weekday = [per_day[day] for day in window if day.weekday() < 5]
    assert sum(weekend) / len(weekend) > 1.1 * sum(weekday) / len(weekday)


def test_people_use_several_platforms_and_stores_link_to_online_users(demo):
    persons = {row["true_person_id"]: row for row in demo["persons"]}
    assert sum(1 for row in demo["persons"] if len(row["platforms"]) >= 2) > PERSONS * 0.1
    owner_of_phone = {row["identifier_value"]: row["true_person_id"] for row in demo["identifiers"]
                      if row["identifier_type"] == "phone"}
    with_user_id = {row["true_person_id"] for row in demo["identifiers"] if row["identifier_type"] == "user_id"}
    linked = {owner_of_phone[phone] for row in demo["orders"] if row["channel"] == "store"
              for phone in [normalize_phone(row["phone"] or None)] if phone in owner_of_phone}
    assert linked & with_user_id
    assert all(persons[person]["is_bot"] is False for person in linked)


def test_personas_churn_and_acquisition_are_recorded(demo):
    persons = demo["persons"]
    personas = collections.Counter(row["persona"] for row in persons)
    assert {"regular", "night_owl", "churner", "bot"} <= set(personas)
    churners = [row for row in persons if row["is_churner"]]
    assert churners and all(row["churn_date"] is not None for row in churners)
    assert sum(row["is_test_account"] for row in persons) >= 2 and sum(row["is_bot"] for row in persons) >= 2
    assert len({row["acquisition_channel"] for row in persons}) >= 5
    start = dt.date.fromisoformat(END_DATE) - dt.timedelta(days=DAYS - 1)
    first_seen = [row["first_seen_date"] for row in persons if row["first_seen_date"]]
    assert any(day < start for day in first_seen) and any(day >= start for day in first_seen)
    campaigns = [event["context"]["campaign"] for event in demo["clean_events"] if "campaign" in event["context"]]
    assert {campaign["source"] for campaign in campaigns} & {"baidu", "douyin", "xiaohongshu", "wechat", "referral"}


def test_night_owls_shop_at_night(demo):
    night_owls = {row["true_person_id"] for row in demo["persons"] if row["persona"] == "night_owl"}
    owner_of_user = {row["identifier_value"]: row["true_person_id"] for row in demo["identifiers"]
                     if row["identifier_type"] == "user_id"}
    hours = collections.Counter()
    for event in demo["clean_events"]:
        person = owner_of_user.get(event.get("userId"))
        if person:
            hour = parse_time(event["timestamp"]).astimezone(SHANGHAI).hour
            hours[(person in night_owls, hour >= 23 or hour < 3)] += 1
    owl_share = hours[(True, True)] / max(1, hours[(True, True)] + hours[(True, False)])
    other_share = hours[(False, True)] / max(1, hours[(False, True)] + hours[(False, False)])
    assert owl_share > 2 * other_share


def test_experiment_and_campaign_truth(demo):
    experiment = json.loads((demo["truth"] / "experiment.json").read_text())
    assert experiment["experiment_id"] == "checkout_redesign"
    assert experiment["true_relative_lift"] == pytest.approx(0.10)
    exposures = collections.Counter(event["properties"]["variation_id"] for event in demo["clean_events"]
                                    if event.get("event") == "Experiment Viewed")
    assert set(exposures) == {"control", "treatment"}
    variations = experiment["variations"]
    assert variations["control"]["persons_exposed"] > 0 and variations["treatment"]["persons_exposed"] > 0
    campaigns = json.loads((demo["truth"] / "campaigns.json").read_text())["campaigns"]
    touched = collections.Counter(row["campaign_id"] for row in demo["touches"] if not row["holdout"])
    held_out = collections.Counter(row["campaign_id"] for row in demo["touches"] if row["holdout"])
    assert campaigns and {c["campaign_id"]: c["touched"] for c in campaigns} == dict(touched) | {
        c["campaign_id"]: 0 for c in campaigns if c["campaign_id"] not in touched}
    assert {c["campaign_id"]: c["holdout"] for c in campaigns} == dict(held_out) | {
        c["campaign_id"]: 0 for c in campaigns if c["campaign_id"] not in held_out}
    assert all(c["holdout"] > 0 for c in campaigns if c["touched"] >= 20)


def test_holdout_records_are_assigned_at_the_send_hour_and_never_opened(demo):
    campaigns = {c["campaign_id"]: c for c in json.loads((demo["truth"] / "campaigns.json").read_text())["campaigns"]}
    holdout = [row for row in demo["touches"] if row["holdout"]]
    assert holdout and all(row["opened_at"] is None and row["clicked_at"] is None and row["coupon_code"] is None
                           for row in holdout)
    send_hours = {
        row["campaign_id"]: min(
            r["sent_at"] for r in demo["touches"] if r["campaign_id"] == row["campaign_id"] and not r["holdout"]
        )
        for row in holdout
    }
    for row in holdout:
        # Sent touches go out within the hour after the send hour; the holdout is assigned at its start.
        assert row["sent_at"] <= send_hours[row["campaign_id"]] < row["sent_at"] + dt.timedelta(hours=1)
        assert row["sent_at"].minute == row["sent_at"].second == 0
    assert len({row["touch_id"] for row in demo["touches"]}) == len(demo["touches"])
    assert sum(c["touched"] + c["holdout"] for c in campaigns.values()) == len(demo["touches"])
