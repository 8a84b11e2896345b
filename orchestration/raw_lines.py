"""The line reader: every line of a raw text file (JSON lines or CSV, plain or gzip) becomes one raw row.

The ingest (orchestration/raw_files.py) reads clean UTF-8 files with DuckDB's fast reader. A file that
reader cannot take whole - bytes that are not UTF-8, a file in GB18030 or UTF-16, a gzip stream cut short,
a line longer than the reader's limit - comes here instead, so one broken line loses only itself:

- A line that does not decode becomes one row with `_parse_error` 'invalid_encoding: ...' and its bytes in
  a readable escaped form (`\\xff`), and the rest of the file loads.
- A compressed file damaged part-way keeps every complete line before the damage; the damage becomes one
  row 'truncated_file: ...' naming the file and the offsets. Bytes that no line holds (the partial line
  before the damage, the compressed tail after it) are counted in `FileLines.unsplit_bytes`.
- A line longer than MAX_RAW_LINE_BYTES becomes one row 'oversized_record: ...' holding its first
  OVERSIZED_PREFIX_CHARACTERS characters; the line is never held in memory whole.
- A file of which no line can be read (a zero-byte or corrupt gzip) raises UnreadableFile.

The encoding of a file is, in this order: the source's declared one (SOURCE_ENCODINGS), a byte-order mark
(UTF-8, UTF-16, UTF-32), else UTF-8 or GB18030 (which covers GBK and GB2312) by which one decodes more of
the file's non-ASCII lines: GB18030 only when most of them are not UTF-8 and it decodes more of them.

The reason codes at the start of `_parse_error` are read by macros/raw_reader_checks.sql.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_LINE_BYTES = 2**20
OVERSIZED_PREFIX_CHARACTERS = 4096
READ_CHUNK_BYTES = 2**20
DAMAGE_PROBE_BYTES = 64
FALLBACK_ENCODING = "gb18030"
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings whose newline is the single byte 0x0A and never part of another character: split before decoding.
ASCII_COMPATIBLE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "latin-1", "iso8859-1", "cp1252",
                    "ascii", "shift_jis", "euc-jp", "euc-kr", "cp936"}
_MARK_BASE = 0xDC00  # undecodable byte b -> chr(0xDC00 + b), like Python's surrogateescape


def _mark_undecodable(error: UnicodeDecodeError) -> tuple[str, int]:
    return "".join(chr(_MARK_BASE + byte) for byte in error.object[error.start:error.end]), error.end


codecs.register_error("raw_lines_mark", _mark_undecodable)


class UnreadableFile(Exception):
    """No line of the file can be read (e.g. a zero-byte or corrupt gzip); the message says why."""


@dataclass(frozen=True)
class RawLine:
    """One raw row: its id suffix ('<n>', 'line<n>' or 'truncated'), number, reader error and text."""

    id_suffix: str
    row_number: int
    parse_error: str | None
    payload: str | None


@dataclass
class FileLines:
    """The rows of one file (a generator: consume it once) and what was learnt reading it."""

    encoding: str
    rows: Iterator[RawLine]
    unsplit_bytes: int = 0


def canonical_encoding(name: str) -> str:
    """Python's name for an encoding ('GBK' -> 'gbk', 'utf8' -> 'utf-8'); ValueError for an unknown one."""
    try:
        return codecs.lookup(name).name
    except LookupError as error:
        raise ValueError(f"unknown encoding {name!r}") from error


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


@dataclass
class _Damage:
    """Where a compressed stream broke: compressed offset, decompressed bytes produced, and why."""

    compressed_offset: int
    produced_bytes: int
    reason: str


class _ByteStream:
    """The decompressed bytes of a file in chunks; for gzip, records damage instead of raising."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.damage: _Damage | None = None
        self.file_size = path.stat().st_size

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            if not is_gzip(self.path):
                while chunk := handle.read(READ_CHUNK_BYTES):
                    yield chunk
                return
            yield from self._gunzip(handle)

    def _gunzip(self, handle) -> Iterator[bytes]:
        decompressor = zlib.decompressobj(wbits=31)
        consumed = produced = 0
        member_started = False
        while data := handle.read(READ_CHUNK_BYTES):
            while data:
                if decompressor.eof:
                    # A member ended: zero padding may follow, or another member (concatenated gzip files).
                    data = data.lstrip(b"\x00")
                    if not data:
                        break
                    decompressor = zlib.decompressobj(wbits=31)
                before = decompressor.copy()
                try:
                    output = decompressor.decompress(data)
                except zlib.error as error:
                    # zlib drops the output of a call that fails: feed the chunk again in small pieces from the
                    # state before it, so every byte before the damage is kept.
                    for offset in range(0, len(data), DAMAGE_PROBE_BYTES):
                        try:
                            output = before.decompress(data[offset:offset + DAMAGE_PROBE_BYTES])
                        except zlib.error:
                            break
                        produced += len(output)
                        consumed += DAMAGE_PROBE_BYTES
                        yield output
                    self.damage = _Damage(consumed, produced, f"corrupt compressed data: {error}")
                    return
                member_started = True
                if output:
                    produced += len(output)
                    yield output
                used = len(data) - len(decompressor.unused_data) if decompressor.eof else len(data)
                consumed += used
                data = data[used:]
        if not member_started:
            self.damage = _Damage(0, 0, "empty compressed file (0 bytes)")
        elif not decompressor.eof:
            self.damage = _Damage(consumed, produced, "the compressed stream ends before its end marker")


def _split_lines(chunks: Iterator[bytes], max_line_bytes: int) -> Iterator[tuple[int, bytes, int, bool]]:
    """(line number, line bytes without its end, full length, ends with a newline) for each line.

    At most max_line_bytes + 1 bytes of a line (or the oversized prefix's worth) are held: an oversized line
    is known by its full length.
    """
    number = 0
    pending = bytearray()
    pending_length = 0
    keep = max(max_line_bytes + 1, OVERSIZED_PREFIX_CHARACTERS * 4)
    for chunk in chunks:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if len(pending) < keep:
                pending += piece[: keep - len(pending)]
            pending_length += len(piece)
            if end < 0:
                break
            number += 1
            yield number, bytes(pending), pending_length, True
            pending.clear()
            pending_length = 0
            start = end + 1
    if pending_length:
        yield number + 1, bytes(pending), pending_length, False


def _escaped(line: bytes, encoding: str) -> str:
    return line.decode(encoding, errors="backslashreplace")


def _is_blank(text: str) -> bool:
    return not text.strip(" \r\t")


def byte_order_mark_encoding(path: Path) -> str | None:
    """The encoding a file's byte-order mark names (of its decompressed bytes, for gzip), else None.

    Reads a few bytes only (this runs on every text file the fast path loads); a gzip too damaged to give
    them has no mark."""
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as handle:
                head = handle.read(4)
        else:
            with path.open("rb") as handle:
                head = handle.read(4)
    except (OSError, EOFError, zlib.error):
        return None
    for mark, name in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return name
    return None


def sniff_encoding(path: Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> str:
    """The encoding of an undeclared file: its byte-order mark, else UTF-8 or GB18030 (module docstring)."""
    marked = byte_order_mark_encoding(path)
    if marked:
        return marked
    utf8_good = utf8_bad = fallback_bad = 0
    for _, line, _, _ in _split_lines(_ByteStream(path).chunks(), max_line_bytes):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_good += 1
            continue
        except UnicodeDecodeError:
            utf8_bad += 1
        try:
            line.decode(FALLBACK_ENCODING)
        except UnicodeDecodeError:
            fallback_bad += 1
    if utf8_bad > utf8_good and fallback_bad < utf8_bad:
        return FALLBACK_ENCODING
    return "utf-8"


def _decoded_lines(
    path: Path, encoding: str, max_line_bytes: int, lines: FileLines
) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text or None, reader error or None) of every line; records damage on `lines`."""
    stream = _ByteStream(path)
    if encoding in ASCII_COMPATIBLE:
        for number, line, length, terminated in _split_lines(stream.chunks(), max_line_bytes):
            if not terminated and stream.damage is not None:
                lines.unsplit_bytes += length  # the partial line the damage cut
                continue
            yield _decode_one(number, line, length, encoding, max_line_bytes)
    else:
        yield from _decoded_wide_lines(stream, encoding, max_line_bytes)
    if stream.damage is not None:
        damage = stream.damage
        if damage.produced_bytes == 0:
            raise UnreadableFile(f"unreadable_file: {path.name}: {damage.reason}")
        lines.unsplit_bytes += stream.file_size - damage.compressed_offset
        yield -1, None, (
            f"truncated_file: {path.name} is damaged at compressed byte {damage.compressed_offset:,} of "
            f"{stream.file_size:,} ({damage.reason}); the complete lines before it, "
            f"{damage.produced_bytes:,} decompressed bytes, are kept"
        )


def _oversized(number: int, size_text: str, max_line_bytes: int) -> str:
    """The reader error of a line longer than MAX_RAW_LINE_BYTES."""
    return (f"oversized_record: line {number} has {size_text} bytes, more than MAX_RAW_LINE_BYTES "
            f"({max_line_bytes:,}); its first {OVERSIZED_PREFIX_CHARACTERS:,} characters are kept")


def _decode_one(number: int, line: bytes, length: int, encoding: str, max_line_bytes: int):
    if length > max_line_bytes:
        text = line[: OVERSIZED_PREFIX_CHARACTERS * 4].decode(encoding, errors="ignore")[:OVERSIZED_PREFIX_CHARACTERS]
        return number, text, _oversized(number, f"{length:,}", max_line_bytes)
    try:
        return number, line.decode(encoding), None
    except UnicodeDecodeError as error:
        return number, _escaped(line, encoding), (
            f"invalid_encoding: line {number} is not valid {encoding} "
            f"(byte 0x{line[error.start]:02x} at byte {error.start})"
        )


def _decoded_wide_lines(stream: _ByteStream, encoding: str, max_line_bytes: int):
    """Lines of a UTF-16/32 file: decoded as a stream (the newline is several bytes), undecodable bytes marked."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="raw_lines_mark")
    number = 0
    pending = ""
    for chunk in stream.chunks():
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        for text in complete:
            number += 1
            yield _checked_wide_line(number, text, encoding, max_line_bytes)
    pending += decoder.decode(b"", final=True)
    if pending:
        yield _checked_wide_line(number + 1, pending, encoding, max_line_bytes)


def _checked_wide_line(number: int, text: str, encoding: str, max_line_bytes: int):
    size = len(text.encode("utf-16-le", errors="surrogatepass"))
    if size > max_line_bytes:
        return number, text[:OVERSIZED_PREFIX_CHARACTERS], _oversized(number, f"about {size:,}", max_line_bytes)
    marked = [index for index, character in enumerate(text) if 0xDC00 <= ord(character) <= 0xDCFF]
    if not marked:
        return number, text, None
    escaped = "".join(
        f"\\x{ord(character) - _MARK_BASE:02x}" if 0xDC00 <= ord(character) <= 0xDCFF else character
        for character in text
    )
    return number, escaped, f"invalid_encoding: line {number} is not valid {encoding} (at character {marked[0]})"


def read_json_lines(path: Path, encoding: str, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> FileLines:
    """Every non-blank line of a JSON-lines file, verbatim (trailing CRs dropped): staging parses them."""
    lines = FileLines(encoding=encoding, rows=iter(()))

    def rows() -> Iterator[RawLine]:
        for number, text, error in _decoded_lines(path, encoding, max_line_bytes, lines):
            if number < 0:
                yield RawLine("truncated", 0, error, None)
                continue
            if number == 1 and text and text.startswith("\ufeff"):
                text = text[1:]
            if error is None and _is_blank(text):
                continue
            yield RawLine(str(number), number, error, text.rstrip("\r") if error is None else text)

    lines.rows = rows()
    return lines


def read_csv_lines(path: Path, encoding: str, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> FileLines:
    """CSV rows as JSON object texts keyed by the header; a row whose fields do not match it keeps its text.

    Clean rows are numbered in file order (ids '<n>'); rejected lines are numbered by their line ('line<n>'),
    as DuckDB's reader numbers them. A quoted field may span lines.
    """
    lines = FileLines(encoding=encoding, rows=iter(()))
    csv.field_size_limit(max(max_line_bytes, 2**20) * 4)

    def rows() -> Iterator[RawLine]:
        decoded = _decoded_lines(path, encoding, max_line_bytes, lines)
        header: list[str] | None = None
        header_error: str | None = None
        side_rows: list[RawLine] = []  # rows found while the csv reader pulls lines
        row_lines: list[tuple[int, str]] = []

        def good_lines() -> Iterator[str]:
            for number, text, error in decoded:
                if number < 0:
                    side_rows.append(RawLine("truncated", 0, error, None))
                elif error is not None:
                    side_rows.append(RawLine(f"line{number}", number, error, text))
                elif not _is_blank(text) or row_lines:
                    row_lines.append((number, text.rstrip("\r")))
                    yield text.rstrip("\r") + "\n"

        source = good_lines()
        data_number = 0
        while True:
            reader = csv.reader(source, strict=True)
            try:
                for fields in reader:
                    taken, row_lines[:] = list(row_lines), []
                    yield from side_rows
                    side_rows.clear()
                    first_line = taken[0][0] if taken else 0
                    raw_text = "\n".join(text for _, text in taken)
                    if header is None and header_error is None:
                        if first_line == 1 and fields and fields[0].startswith("\ufeff"):
                            fields[0] = fields[0][1:]
                        if not fields or len(set(fields)) != len(fields) or not all(fields):
                            header_error = f"CSV header is empty or repeats a column name: {fields}"
                        else:
                            header = fields
                        continue
                    if header_error is not None:
                        yield RawLine(f"line{first_line}", first_line, header_error, raw_text)
                    elif len(fields) != len(header):
                        yield RawLine(
                            f"line{first_line}", first_line,
                            f"Expected Number of Columns: {len(header)} Found: {len(fields)}", raw_text,
                        )
                    else:
                        data_number += 1
                        yield RawLine(str(data_number), data_number, None,
                                      json.dumps(dict(zip(header, fields)), ensure_ascii=False))
                break
            except csv.Error as error:
                taken, row_lines[:] = list(row_lines), []
                first_line = taken[0][0] if taken else 0
                yield RawLine(f"line{first_line}", first_line, f"malformed CSV row: {error}",
                              "\n".join(text for _, text in taken))
        yield from side_rows

    lines.rows = rows()
    return lines


def read_text_file(
    path: Path, kind: str, encoding: str | None = None, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> FileLines:
    """The rows of a JSON-lines ('json_lines') or CSV ('csv') file, in `encoding` or the sniffed one."""
    chosen = canonical_encoding(encoding) if encoding else sniff_encoding(path, max_line_bytes)
    reader = read_json_lines if kind == "json_lines" else read_csv_lines
    return reader(path, chosen, max_line_bytes)
