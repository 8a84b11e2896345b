"""Phone numbers and e-mail addresses as people type them: valid variants, malformed values, normal forms.

The normal forms (E.164 phone, trimmed lower-case e-mail) are what the ground truth stores; the raw
files carry the typed variants so the warehouse has to normalize them.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_data.text import format_digit_matrix, pack_strings

# Valid ways of writing 13812345678; the index is the format code.
PHONE_FORMATS = ("plain", "spaced_plus", "zero_zero_dashed", "country_space", "dashed", "bracketed_plus")
PHONE_FORMAT_WEIGHTS = (0.5, 0.12, 0.06, 0.1, 0.14, 0.08)
# How e-mails are typed: as is, capitalized, upper case, padded with spaces.
EMAIL_STYLE_WEIGHTS = (0.7, 0.12, 0.06, 0.12)
MALFORMED_PHONE_KINDS = ("too_short", "letters", "landline", "wrong_first_digit", "too_long")
MALFORMED_EMAIL_KINDS = ("no_domain", "no_at_sign", "inner_space", "no_top_level_domain")

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _constant(text: str, count: int) -> np.ndarray:
    return np.tile(np.frombuffer(text.encode(), dtype=np.uint8), (count, 1))


def draw_phone_formats(random: np.random.Generator, count: int) -> np.ndarray:
    """A PHONE_FORMATS code per row, as people type their number."""
    return random.choice(len(PHONE_FORMATS), size=count, p=PHONE_FORMAT_WEIGHTS).astype(np.int8)


def draw_email_styles(random: np.random.Generator, count: int) -> np.ndarray:
    """An email style code per row (see type_emails)."""
    return random.choice(len(EMAIL_STYLE_WEIGHTS), size=count, p=EMAIL_STYLE_WEIGHTS).astype(np.int8)


def type_phones(numbers: np.ndarray, formats: np.ndarray) -> pa.Array:
    """Typed forms of 11-digit mobile numbers, one of PHONE_FORMATS per row."""
    count = len(numbers)
    digits = format_digit_matrix(numbers, 11)
    head, middle, tail = digits[:, 0:3], digits[:, 3:7], digits[:, 7:11]
    space, dash = _constant(" ", count), _constant("-", count)
    variants = [
        digits,
        np.concatenate([_constant("+86 ", count), head, space, middle, space, tail], axis=1),
        np.concatenate([_constant("0086-", count), head, dash, middle, dash, tail], axis=1),
        np.concatenate([_constant("86 ", count), digits], axis=1),
        np.concatenate([head, dash, middle, dash, tail], axis=1),
        np.concatenate([_constant("(+86)", count), digits], axis=1),
    ]
    return pc.choose(pa.array(np.asarray(formats, dtype=np.int8)), *[pack_strings(v) for v in variants])


def garble_phones(numbers: np.ndarray, kinds: np.ndarray) -> pa.Array:
    """Unusable phone values derived from real numbers, one of MALFORMED_PHONE_KINDS per row."""
    count = len(numbers)
    digits = format_digit_matrix(numbers, 11)
    wrong_first = digits.copy()
    wrong_first[:, 0] = ord("2")
    variants = [
        digits[:, 0:7],
        np.concatenate([digits[:, 0:3], _constant("abc", count), digits[:, 6:11]], axis=1),
        np.concatenate([_constant("021-", count), digits[:, 7:11]], axis=1),
        wrong_first,
        np.concatenate([digits, digits[:, 10:11]], axis=1),
    ]
    return pc.choose(pa.array(np.asarray(kinds, dtype=np.int8)), *[pack_strings(v) for v in variants])


def type_emails(emails: pa.Array, styles: np.ndarray) -> pa.Array:
    """Typed forms of normalized e-mails: 0 as is, 1 capitalized, 2 upper-case, 3 padded with spaces."""
    capitalized = pc.utf8_capitalize(emails)
    domain_upper = pc.replace_substring_regex(capitalized, r"@qq\.com$", "@QQ.com")
    variants = [emails, domain_upper, pc.utf8_upper(emails), pc.binary_join_element_wise(" ", emails, " ", "")]
    return pc.choose(pa.array(np.asarray(styles, dtype=np.int8)), *variants)


def garble_emails(emails: pa.Array, kinds: np.ndarray) -> pa.Array:
    """Unusable e-mail values derived from real ones, one of MALFORMED_EMAIL_KINDS per row."""
    local = pc.replace_substring_regex(emails, r"@.*$", "")
    domain = pc.replace_substring_regex(emails, r"^.*@", "")
    variants = [
        pc.binary_join_element_wise(local, "@", ""),
        pc.binary_join_element_wise(local, domain, "."),
        pc.binary_join_element_wise(pc.utf8_slice_codeunits(local, 0, 2), " ",
                                    pc.utf8_slice_codeunits(local, 2), "@", domain, ""),
        pc.replace_substring_regex(emails, r"\.[a-z]+$", ""),
    ]
    return pc.choose(pa.array(np.asarray(kinds, dtype=np.int8)), *variants)


def normalize_phone(text: str | None) -> str | None:
    """E.164 form (+8613812345678) of a typed mainland mobile number, None when it is not one."""
    if text is None:
        return None
    if re.search(r"[A-Za-z]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return "+86" + digits
    return None


def normalize_email(text: str | None) -> str | None:
    """Trimmed lower-case e-mail, None when the value is not a usable address."""
    if text is None:
        return None
    value = text.strip().lower()
    return value if EMAIL_PATTERN.match(value) else None
