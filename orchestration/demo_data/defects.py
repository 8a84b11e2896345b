"""Reason codes of the injected defects, as the warehouse's quarantine should name them.

A row carries at most one defect. Rows with a defect are extra rows (copies of clean rows, then
damaged), so the clean rows of every source are exactly the simulated business.
"""

from __future__ import annotations

CLEAN = 0
DUPLICATE = 1
MALFORMED_RECORD = 2
BAD_TIMESTAMP = 3
FUTURE_TIMESTAMP = 4
TOO_LATE = 5
BOT_TRAFFIC = 6
UNPLANNED_EVENT = 7
MISSING_REQUIRED = 8
TYPE_MISMATCH = 9
INVALID_IDENTIFIER = 10
INVALID_AMOUNT = 11
INVALID_VALUE = 12

REASONS = {
    DUPLICATE: "duplicate",
    MALFORMED_RECORD: "malformed_record",
    BAD_TIMESTAMP: "bad_timestamp",
    FUTURE_TIMESTAMP: "future_timestamp",
    TOO_LATE: "too_late",
    BOT_TRAFFIC: "bot_traffic",
    UNPLANNED_EVENT: "unplanned_event",
    MISSING_REQUIRED: "missing_required",
    TYPE_MISMATCH: "type_mismatch",
    INVALID_IDENTIFIER: "invalid_identifier",
    INVALID_AMOUNT: "invalid_amount",
    INVALID_VALUE: "invalid_value",
}

# Reasons each source can produce, in the order mess.json lists them.
SOURCE_REASONS = {
    "events": ("duplicate", "malformed_record", "bad_timestamp", "future_timestamp", "too_late", "bot_traffic",
               "unplanned_event", "missing_required", "type_mismatch", "invalid_identifier"),
    "orders": ("duplicate", "type_mismatch", "invalid_amount", "invalid_value"),
    "order_items": ("duplicate",),
    "customers": ("duplicate",),
    "tickets": ("type_mismatch", "invalid_value"),
    "campaign_touches": (),
    "products": (),
    "erasure_requests": ("duplicate", "invalid_identifier"),
}
# Flags on rows that stay clean: the value is unusable (or the row is late), the row is not.
SOURCE_FLAGS = {
    "events": ("late_arrivals", "invalid_phone", "invalid_email"),
    "orders": ("invalid_phone",),
    "order_items": (),
    "customers": ("invalid_phone", "invalid_email"),
    "tickets": (),
    "campaign_touches": (),
    "products": (),
    "erasure_requests": (),
}

# Identify traits damaged on purpose (the call itself stays clean).
TRAIT_CLEAN, TRAIT_INVALID_PHONE, TRAIT_INVALID_EMAIL = 0, 1, 2
