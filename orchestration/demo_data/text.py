"""Vectorized text building: ids, timestamps, money and JSON fragments as Arrow string arrays.

The generator writes millions of rows per run, so nothing here loops in Python per row. Fixed-width
values (hex ids, timestamps) are laid out as byte matrices with numpy; variable-width values are
joined with Arrow compute kernels.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEX_PAIRS = np.array([f"{value:02x}".encode() for value in range(256)], dtype="S2").view(np.uint16)
HEX_PAIRS_UPPER = np.array([f"{value:02X}".encode() for value in range(256)], dtype="S2").view(np.uint16)
ALPHABET_64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)
DIGIT_CHARACTERS = np.frombuffer(b"0123456789", dtype=np.uint8)
NULL_STRING = pa.scalar(None, pa.string())
MILLISECONDS_PER_DAY = 86_400_000
SHANGHAI_OFFSET_MS = 8 * 3_600_000


def mix(*parts: np.ndarray | int) -> np.ndarray:
    """A splitmix64 hash of the given integer arrays (broadcast together), as uint64."""
    state = np.uint64(0x243F6A8885A308D3)
    with np.errstate(over="ignore"):
        for part in parts:
            value = np.asarray(part).astype(np.uint64)
            state = state ^ (value + np.uint64(0x9E3779B97F4A7C15) + (state << np.uint64(6)) + (state >> np.uint64(2)))
            state = (state ^ (state >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            state = (state ^ (state >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            state = state ^ (state >> np.uint64(31))
    return state


def pack_strings(matrix: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
    """One ASCII string per row of a uint8 matrix (all rows the same width); null where not valid."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    count, width = matrix.shape
    offsets = np.arange(count + 1, dtype=np.int32) * width
    bitmap, nulls = None, 0
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        nulls = int(count - valid.sum())
        if nulls:
            bitmap = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
    return pa.Array.from_buffers(
        pa.string(), count, [bitmap, pa.py_buffer(offsets.tobytes()), pa.py_buffer(matrix.tobytes())],
        null_count=nulls,
    )


def frame(matrix: np.ndarray, prefix: bytes = b"", suffix: bytes = b"") -> np.ndarray:
    """The matrix with constant bytes added before and after every row."""
    count = len(matrix)
    parts = [np.tile(np.frombuffer(prefix, dtype=np.uint8), (count, 1))] if prefix else []
    parts.append(matrix)
    if suffix:
        parts.append(np.tile(np.frombuffer(suffix, dtype=np.uint8), (count, 1)))
    return np.concatenate(parts, axis=1) if len(parts) > 1 else matrix


def format_hex_matrix(values: np.ndarray, upper: bool = False) -> np.ndarray:
    """16 hex characters per uint64 value, as a uint8 matrix."""
    pairs = (HEX_PAIRS_UPPER if upper else HEX_PAIRS)[values.astype(">u8").view(np.uint8).reshape(-1, 8)]
    return np.ascontiguousarray(pairs).view(np.uint8).reshape(-1, 16)


def format_hex(values: np.ndarray, width: int = 16, upper: bool = False) -> pa.StringArray:
    """The last `width` hex characters of each uint64 value."""
    return pack_strings(format_hex_matrix(values, upper)[:, 16 - width:])


def format_uuid_matrix(first: np.ndarray, second: np.ndarray, upper: bool = False, prefix: bytes = b"",
                       suffix: bytes = b"") -> np.ndarray:
    """Version-4-shaped UUID characters from two uint64 arrays, as a uint8 matrix between prefix and suffix."""
    characters = np.concatenate([format_hex_matrix(first, upper), format_hex_matrix(second, upper)], axis=1)
    characters[:, 12] = ord("4")
    variants = np.frombuffer(b"89AB" if upper else b"89ab", dtype=np.uint8)
    characters[:, 16] = variants[(second & np.uint64(3)).astype(np.intp)]
    start = len(prefix)
    out = np.empty((len(first), start + 36 + len(suffix)), dtype=np.uint8)
    if prefix:
        out[:, :start] = np.frombuffer(prefix, dtype=np.uint8)
    if suffix:
        out[:, start + 36:] = np.frombuffer(suffix, dtype=np.uint8)
    for begin, end in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)):
        shift = start + begin + (begin > 0) + (begin > 8) + (begin > 12) + (begin > 16)
        out[:, shift:shift + end - begin] = characters[:, begin:end]
    for dash in (8, 13, 18, 23):
        out[:, start + dash] = ord("-")
    return out


def format_uuids(first: np.ndarray, second: np.ndarray, upper: bool = False) -> pa.StringArray:
    """Version-4-shaped UUID text from two uint64 arrays."""
    return pack_strings(format_uuid_matrix(first, second, upper))


def format_tokens(values: np.ndarray, length: int, prefix: bytes = b"") -> pa.StringArray:
    """URL-safe base64-looking tokens (like WeChat openids) derived from uint64 seeds."""
    columns = []
    state = values.astype(np.uint64)
    for position in range(length):
        if position % 10 == 0:
            state = mix(values, position)
        columns.append(ALPHABET_64[(state & np.uint64(63)).astype(np.intp)])
        state = state >> np.uint64(6)
    matrix = np.stack(columns, axis=1)
    if prefix:
        head = np.tile(np.frombuffer(prefix, dtype=np.uint8), (len(values), 1))
        matrix = np.concatenate([head, matrix], axis=1)
    return pack_strings(matrix)


def format_digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, as a uint8 matrix."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return DIGIT_CHARACTERS[(values[:, None] // powers) % 10]


def format_digits(values: np.ndarray, width: int, prefix: bytes = b"") -> pa.StringArray:
    """Zero-padded decimal text with an optional fixed prefix, e.g. prefix b'U' -> 'U00012345'."""
    matrix = format_digit_matrix(values, width)
    if prefix:
        head = np.tile(np.frombuffer(prefix, dtype=np.uint8), (len(matrix), 1))
        matrix = np.concatenate([head, matrix], axis=1)
    return pack_strings(matrix)


def format_timestamps(epoch_ms: np.ndarray, offset_ms: int = 0, suffix: bytes = b"Z",
                      milliseconds: bool = True, separator: bytes = b"T", prefix: bytes = b"",
                      valid: np.ndarray | None = None) -> pa.StringArray:
    """ISO-8601 text of UTC epoch milliseconds shifted by `offset_ms`, between `prefix` and `suffix`.

    format_timestamps(x) -> '2026-10-01T12:34:56.789Z'; with offset_ms=8h and suffix b'' it is the
    Shanghai wall-clock time without an offset, with suffix b'+08:00' the same with its offset.
    Rows that are not `valid` are null. Arrow formats the clock; only the separator is patched in.
    """
    local = np.asarray(epoch_ms, dtype=np.int64) + offset_ms
    count = len(local)
    if count == 0:
        return pa.array([], pa.string())
    unit = "ms" if milliseconds else "s"
    values = local if milliseconds else local // 1000
    text = pc.cast(pa.array(values, pa.timestamp(unit)), pa.string())
    width = 23 if milliseconds else 19
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[: count * width].copy()
    data[10::width] = separator[0]
    bitmap, nulls = None, 0
    if valid is not None and not np.all(valid):
        bitmap = pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little").tobytes())
        nulls = int(count - np.count_nonzero(valid))
    text = pa.Array.from_buffers(pa.string(), count, [bitmap, text.buffers()[1], pa.py_buffer(data)], null_count=nulls)
    if prefix or suffix:
        text = pc.binary_join_element_wise(prefix.decode(), text, suffix.decode(), "")
    return text


def format_money(cents: np.ndarray) -> pa.StringArray:
    """Amounts in cents as decimal text with two decimals: 12340 -> '123.40', -500 -> '-5.00'."""
    cents = np.asarray(cents, dtype=np.int64)
    magnitude = np.abs(cents)
    whole = pc.cast(pa.array(magnitude // 100), pa.string())
    fraction = pack_strings(format_digit_matrix(magnitude % 100, 2))
    text = pc.binary_join_element_wise(whole, fraction, ".")
    if (cents < 0).any():
        text = pc.if_else(pa.array(cents < 0), pc.binary_join_element_wise("-", text, ""), text)
    return text


@functools.lru_cache(maxsize=512)
def _options(options: tuple[str, ...]) -> pa.StringArray:
    return pa.array(list(options), type=pa.string())


def choose(options: Sequence[str], indices: np.ndarray) -> pa.StringArray:
    """options[indices] as an Arrow string array (negative index -> null)."""
    indices = np.asarray(indices)
    table = _options(tuple(options))
    if (indices < 0).any():
        return table.take(pa.array(indices, mask=indices < 0))
    return table.take(pa.array(indices))


def format_integers(values: np.ndarray) -> pa.StringArray:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def quote(values: pa.Array) -> pa.Array:
    """JSON string literals of values known to need no escaping (all generated text is plain)."""
    return pc.binary_join_element_wise('"', values, '"', "")


def mask_rows(values: pa.Array, keep: np.ndarray) -> pa.Array:
    """Values where keep is true, null elsewhere."""
    return pc.if_else(pa.array(keep), values, NULL_STRING)


def encode_member(key: str, encoded: pa.Array | pa.Scalar | str) -> pa.Array:
    """'"key":<encoded>' per row; null rows stay null so encode_object drops them."""
    return pc.binary_join_element_wise(f'"{key}":', encoded, "")


def encode_text_member(key: str, values: pa.Array) -> pa.Array:
    """'"key":"<value>"' per row (values need no escaping); null rows stay null."""
    return pc.binary_join_element_wise(f'"{key}":"', values, '"', "")


def concatenate(pieces: Sequence[pa.Array | str]) -> pa.Array:
    """Row-wise concatenation of pieces, a null piece counting as empty text."""
    return pc.binary_join_element_wise(*pieces, "", null_handling="replace", null_replacement="")


def encode_object(members: Sequence[pa.Array], count: int, opening: str = "{", closing: str = "}") -> pa.Array:
    """'{member,member,...}' per row, skipping null members; '{}' when every member is null.

    `opening` may carry the key of the object, e.g. ',"properties":{', to save a copy.
    """
    if not members:
        return pa.array([opening + closing] * count, type=pa.string())
    members = [pa.array([member.as_py()] * count, pa.string()) if isinstance(member, pa.Scalar) else member
               for member in members]
    # Arrow's skip mode (pyarrow 26) drops rows whose members are all null instead of joining them to
    # '', so such rows get an empty first member, which then joins to nothing.
    all_null = pc.is_null(members[0])
    for member in members[1:]:
        all_null = pc.and_(all_null, pc.is_null(member))
    if pc.any(all_null).as_py():
        members[0] = pc.if_else(all_null, pa.scalar(""), members[0])
    body = pc.binary_join_element_wise(*members, ",", null_handling="skip")
    if len(body) != count:
        raise RuntimeError("JSON object rendering lost rows")
    return pc.binary_join_element_wise(opening, body, closing, "")


def join_lines(lines: pa.Array, terminated: bool = False) -> memoryview:
    """The bytes of all lines, each followed by a newline (already there when `terminated`), without
    copying line by line."""
    if not terminated:
        lines = pc.binary_join_element_wise(lines, "", "\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset: lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0]: offsets[-1]]
