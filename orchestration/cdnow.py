"""The CDNOW sample: 6,919 CD purchases by 2,357 customers (a 1/10 sample of the cohort that first bought
at CDNOW in the first quarter of 1997), from January 1997 to June 1998 - the data set on which Fader,
Hardie & Lee fitted the BG/NBD and Gamma-Gamma models. Used to check orchestration/lifetime_value.py
against the published parameters.

The file is read from the wheel of the `lifetimes` package as published on PyPI (pinned below by version,
file name and sha256); the wheel is downloaded once into a cache folder and only opened as a zip file:
lifetimes itself is neither installed nor imported. Its member lifetimes/datasets/CDNOW_sample.txt holds one
purchase per line, five fields separated by blanks, CRLF line ends:

    customer index in the full CDNOW data set   e.g. 00004
    customer id in the sample, 1..2357          e.g. 0001
    purchase date, yyyymmdd                     e.g. 19970101
    number of CDs bought                        e.g. 2
    dollar value                                e.g. 29.33
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from orchestration.settings import PROJECT_DIR

LIFETIMES_VERSION = "0.11.3"
WHEEL_FILE_NAME = "Lifetimes-0.11.3-py3-none-any.whl"
WHEEL_SHA256 = "261e3dc89977c2b60767ca6728aaa29d429de0c814635070a749c36555895da8"
WHEEL_URL = (
    "https://files.pythonhosted.org/packages/c5/1f/ee6a471dcb5cb2f4dbc219023e07991f3b917875f9c8a5f5d77c00ddabca/"
    + WHEEL_FILE_NAME
)
SAMPLE_MEMBER = "lifetimes/datasets/CDNOW_sample.txt"
DEFAULT_CACHE_DIR = PROJECT_DIR / "data" / "cdnow"
DOWNLOAD_TIMEOUT_SECONDS = 60

# The calibration period of Fader, Hardie & Lee: 39 weeks, 1997-01-01 to 1997-09-30.
CALIBRATION_END = date(1997, 9, 30)


class CdnowDownloadError(RuntimeError):
    """The lifetimes wheel could not be downloaded (offline, or PyPI unreachable)."""


class Transaction(NamedTuple):
    customer_id: int  # 1..2357
    purchase_date: date
    count_cds: int
    dollars: float


class CalibrationSummary(NamedTuple):
    """One entry per customer with a purchase on or before the end date, ordered by customer id."""

    frequency: np.ndarray  # repeat purchase days in the calibration period
    recency: np.ndarray  # first -> last purchase day, in units
    age: np.ndarray  # first purchase day -> end date, in units
    monetary_value: np.ndarray  # mean value of the repeat purchase days; 0 when there are none


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(cache_dir: Path = DEFAULT_CACHE_DIR) -> Path:
    """Path of the pinned lifetimes wheel in cache_dir, downloaded first if it is missing or corrupt.

    The download goes to a temporary file in cache_dir, is checked against WHEEL_SHA256 and then renamed
    into place, so an interrupted download never leaves a partial wheel behind.
    """
    cache_dir = Path(cache_dir)
    wheel = cache_dir / WHEEL_FILE_NAME
    if wheel.is_file() and _hash_file(wheel) == WHEEL_SHA256:
        return wheel
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{WHEEL_FILE_NAME}.", suffix=".part")
    temporary = Path(temporary_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as file:
            try:
                with urllib.request.urlopen(WHEEL_URL, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        digest.update(block)
                        file.write(block)
            except (urllib.error.URLError, OSError) as error:
                raise CdnowDownloadError(
                    f"could not download the CDNOW sample ({WHEEL_FILE_NAME}, lifetimes {LIFETIMES_VERSION}) "
                    f"from {WHEEL_URL}: {error}. It needs network access once; or copy that file "
                    f"(sha256 {WHEEL_SHA256}) into {cache_dir}."
                ) from error
        if digest.hexdigest() != WHEEL_SHA256:
            raise ValueError(
                f"downloaded {WHEEL_FILE_NAME} has sha256 {digest.hexdigest()}, expected {WHEEL_SHA256}"
            )
        os.chmod(temporary, 0o644)
        os.replace(temporary, wheel)
    finally:
        temporary.unlink(missing_ok=True)
    return wheel


def parse_sample(text: str) -> list[Transaction]:
    """Parses CDNOW_sample.txt (format in the module docstring); ValueError names a malformed line."""
    transactions = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            if len(fields) != 5:
                raise ValueError(f"expected 5 fields, found {len(fields)}")
            _, customer_id, day, count_cds, dollars = fields
            transactions.append(Transaction(
                customer_id=int(customer_id),
                purchase_date=datetime.strptime(day, "%Y%m%d").date(),
                count_cds=int(count_cds),
                dollars=float(dollars),
            ))
        except ValueError as error:
            raise ValueError(f"{SAMPLE_MEMBER} line {line_number}: {error}: {line!r}") from error
    return transactions


def cdnow_transactions(cache_dir: Path = DEFAULT_CACHE_DIR) -> list[Transaction]:
    """Every purchase of the CDNOW sample as (customer id, date, number of CDs, dollar value) tuples,
    in file order. Downloads the pinned lifetimes wheel into cache_dir on first use (CdnowDownloadError
    when that is impossible); later calls read the cached copy offline."""
    wheel = download_wheel(cache_dir)
    with zipfile.ZipFile(wheel) as archive:
        text = io.TextIOWrapper(archive.open(SAMPLE_MEMBER), encoding="ascii").read()
    return parse_sample(text)


def cdnow_calibration_summary(transactions, end: date = CALIBRATION_END, unit_days: float = 7
                              ) -> CalibrationSummary:
    """Per-customer (frequency, recency, age, monetary value) over the transactions on or before `end`,
    computed the standard way (as in the summaries Fader, Hardie & Lee publish):

    - transactions of one customer on the same day are ONE purchase, worth their summed value;
    - frequency x = number of purchase days after the first one;
    - recency t_x = days from the first to the last purchase day / unit_days;
    - age T = days from the first purchase day to `end` / unit_days;
    - monetary value = mean value of the repeat purchase days (the first day excluded), 0 when x = 0.

    `transactions` are (customer id, date, CDs, dollars) tuples such as cdnow_transactions() returns.
    """
    daily_value: dict[int, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for customer_id, purchase_date, _, dollars in transactions:
        if purchase_date <= end:
            daily_value[customer_id][purchase_date] += dollars
    customer_ids = sorted(daily_value)
    frequency = np.zeros(len(customer_ids))
    recency = np.zeros(len(customer_ids))
    age = np.zeros(len(customer_ids))
    monetary_value = np.zeros(len(customer_ids))
    for position, customer_id in enumerate(customer_ids):
        days = sorted(daily_value[customer_id])
        first, last = days[0], days[-1]
        frequency[position] = len(days) - 1
        recency[position] = (last - first).days / unit_days
        age[position] = (end - first).days / unit_days
        if len(days) > 1:
            monetary_value[position] = sum(daily_value[customer_id][day] for day in days[1:]) / (len(days) - 1)
    return CalibrationSummary(frequency, recency, age, monetary_value)
