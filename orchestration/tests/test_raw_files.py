"""The raw ingest (orchestration/raw_files.py): every file format, incremental loads, unreadable files."""

import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import duckdb
import pytest

from orchestration import raw_files
from orchestration.raw_files import load_raw_directory
from orchestration.settings import RAW_SOURCES


@pytest.fixture
def connection():
    with duckdb.connect(":memory:") as connection:
        yield connection


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    path = tmp_path / "raw"
    path.mkdir()
    return path


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def rows(connection, source: str) -> list[dict]:
    result = connection.execute(
        f"select _raw_row_id, _file_path, _file_date, _row_number, _load_id, _parse_error, payload "
        f"from raw.{source} order by _file_path, _row_number"
    )
    names = [column[0] for column in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def loads_by_source(connection, raw_dir: Path) -> dict:
    return {load.source: load for load in load_raw_directory(connection, raw_dir)}


def test_json_lines_plain_and_gzip_skip_blank_lines_and_keep_malformed_lines(connection, raw_dir):
    lines = '{"messageId": "m1"}\n\n   \n{not json\n{"messageId": "m2", "note": "a|b\\"c"}\n'
    write(raw_dir / "events" / "plain.jsonl", lines)
    write(raw_dir / "events" / "packed.jsonl.gz", gzip.compress(lines.encode()))

    load = loads_by_source(connection, raw_dir)["events"]

    assert (load.files_loaded, load.rows_loaded, load.rows_rejected_by_reader) == (2, 6, 0)
    plain = [row for row in rows(connection, "events") if row["_file_path"] == "plain.jsonl"]
    packed = [row for row in rows(connection, "events") if row["_file_path"] == "packed.jsonl.gz"]
    # Line numbers survive the skipped blank lines; the malformed line is kept verbatim for staging.
    assert [(row["_row_number"], row["payload"]) for row in plain] == [
        (1, '{"messageId": "m1"}'),
        (4, "{not json"),
        (5, '{"messageId": "m2", "note": "a|b\\"c"}'),
    ]
    assert [row["payload"] for row in packed] == [row["payload"] for row in plain]
    assert all(row["_parse_error"] is None for row in plain + packed)
    assert plain[0]["_raw_row_id"] == "plain.jsonl:1"


def test_csv_rows_become_json_objects_and_rejected_rows_keep_their_text(connection, raw_dir):
    write(
        raw_dir / "orders" / "orders.csv",
        'order_id,note,amount\n1,"hello, world",10.50\n2,too,many,columns\n3,plain,7\n',
    )

    load = loads_by_source(connection, raw_dir)["orders"]

    assert (load.rows_loaded, load.rows_rejected_by_reader) == (3, 1)
    loaded = rows(connection, "orders")
    clean = [row for row in loaded if row["_parse_error"] is None]
    rejected = [row for row in loaded if row["_parse_error"] is not None]
    # Every value is text (staging does the typing); the quoted comma stays inside its value.
    assert [json.loads(row["payload"]) for row in clean] == [
        {"order_id": "1", "note": "hello, world", "amount": "10.50"},
        {"order_id": "3", "note": "plain", "amount": "7"},
    ]
    assert len(rejected) == 1
    assert rejected[0]["payload"] == "2,too,many,columns"
    assert rejected[0]["_raw_row_id"].startswith("orders.csv:line")
    assert "column" in rejected[0]["_parse_error"].lower()


def test_parquet_rows_become_json_objects(connection, raw_dir):
    path = raw_dir / "products" / "products.parquet"
    path.parent.mkdir(parents=True)
    connection.execute(
        f"copy (select * from (values ('p1', 'Tea', 12.5), ('p2', 'Cup', 3.0)) as t(product_id, name, price)) "
        f"to '{path}' (format parquet)"
    )

    load = loads_by_source(connection, raw_dir)["products"]

    assert load.rows_loaded == 2
    assert [json.loads(row["payload"]) for row in rows(connection, "products")] == [
        {"product_id": "p1", "name": "Tea", "price": 12.5},
        {"product_id": "p2", "name": "Cup", "price": 3.0},
    ]


def test_unchanged_files_are_skipped_on_a_second_load(connection, raw_dir):
    write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n{"n": 2}\n')
    write(raw_dir / "orders" / "o.csv", "order_id\n1\n")
    loads_by_source(connection, raw_dir)
    first = rows(connection, "events") + rows(connection, "orders")

    second_loads = loads_by_source(connection, raw_dir)

    assert (second_loads["events"].files_loaded, second_loads["events"].files_unchanged) == (0, 1)
    assert (second_loads["orders"].files_loaded, second_loads["orders"].files_unchanged) == (0, 1)
    assert rows(connection, "events") + rows(connection, "orders") == first  # no duplicates, same load ids


def test_a_changed_file_replaces_its_rows(connection, raw_dir):
    path = write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n{"n": 2}\n')
    write(raw_dir / "events" / "b.jsonl", '{"n": 9}\n')
    loads_by_source(connection, raw_dir)
    first_load_id = rows(connection, "events")[0]["_load_id"]

    write(path, '{"n": 1}\n{"n": 2}\n{"n": 3}\n')
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    load = loads_by_source(connection, raw_dir)["events"]

    assert (load.files_loaded, load.files_unchanged) == (1, 1)
    a_rows = [row for row in rows(connection, "events") if row["_file_path"] == "a.jsonl"]
    assert [row["payload"] for row in a_rows] == ['{"n": 1}', '{"n": 2}', '{"n": 3}']
    assert {row["_load_id"] for row in a_rows} != {first_load_id}
    assert load.total_rows == 4


def test_a_removed_file_takes_its_rows_with_it(connection, raw_dir):
    write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n')
    removed = write(raw_dir / "events" / "b.jsonl", '{"n": 2}\n{"n": 3}\n')
    loads_by_source(connection, raw_dir)

    removed.unlink()
    load = loads_by_source(connection, raw_dir)["events"]

    assert load.files_removed == 1
    assert [row["_file_path"] for row in rows(connection, "events")] == ["a.jsonl"]
    manifest = connection.execute("select file_path from raw._loaded_files where source = 'events'").fetchall()
    assert manifest == [("a.jsonl",)]


@pytest.mark.parametrize(
    ("source", "file_name", "content"),
    [
        ("events", "broken.jsonl.gz", b"\x1f\x8b\x08\x00this is not a gzip stream"),
        ("products", "broken.parquet", b"PAR1 not really parquet"),
    ],
)
def test_an_unreadable_file_becomes_one_row_with_a_parse_error(connection, raw_dir, source, file_name, content):
    write(raw_dir / source / file_name, content)

    load = loads_by_source(connection, raw_dir)[source]

    assert (load.files_loaded, load.rows_loaded, load.rows_rejected_by_reader) == (1, 1, 1)
    [row] = rows(connection, source)
    assert row["_raw_row_id"] == f"{file_name}:file"
    assert row["_parse_error"].startswith("unreadable_file: ")
    assert row["payload"] is None


def test_absent_source_folders_give_empty_tables(connection, raw_dir):
    loads = loads_by_source(connection, raw_dir)

    assert set(loads) == set(RAW_SOURCES)
    for source in RAW_SOURCES:
        assert connection.execute(f"select count(*) from raw.{source}").fetchall() == [(0,)]
        assert loads[source].files_found == 0


def test_date_folders_fill_the_file_date(connection, raw_dir):
    write(raw_dir / "events" / "date=2026-03-01" / "part-0.jsonl", '{"n": 1}\n')
    write(raw_dir / "events" / "region=cn" / "date=2026-03-02" / "part-0.jsonl", '{"n": 2}\n')
    write(raw_dir / "events" / "undated.jsonl", '{"n": 3}\n')

    loads_by_source(connection, raw_dir)

    dates = {row["_file_path"]: row["_file_date"] for row in rows(connection, "events")}
    assert {path: str(day) if day else None for path, day in dates.items()} == {
        "date=2026-03-01/part-0.jsonl": "2026-03-01",
        "region=cn/date=2026-03-02/part-0.jsonl": "2026-03-02",
        "undated.jsonl": None,
    }


def test_marker_files_are_skipped_and_unknown_types_reported(connection, raw_dir):
    write(raw_dir / "events" / "_SUCCESS", "")
    write(raw_dir / "events" / ".hidden.jsonl", '{"n": 0}\n')
    write(raw_dir / "events" / "notes.txt", "not data")
    write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n')

    load = loads_by_source(connection, raw_dir)["events"]

    assert load.files_found == 1
    assert [Path(path).name for path in load.ignored_files] == ["notes.txt"]
    assert [row["_file_path"] for row in rows(connection, "events")] == ["a.jsonl"]


@pytest.mark.parametrize("transaction_bytes", [raw_files.TRANSACTION_BYTES, 30])
def test_an_unreadable_file_among_readable_ones_spoils_only_itself(connection, raw_dir, monkeypatch, transaction_bytes):
    # New files go in by transactions of several files; an unreadable one aborts its transaction, so the files
    # before it are loaded again and the files after it follow. Each must end up exactly once, whether all
    # files share one transaction or (30 bytes) they are spread over several.
    monkeypatch.setattr(raw_files, "TRANSACTION_BYTES", transaction_bytes)
    write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n{"n": 2}\n')
    write(raw_dir / "events" / "b.jsonl.gz", b"\x1f\x8b\x08\x00this is not a gzip stream")
    write(raw_dir / "events" / "c.jsonl", '{"n": 3}\n')
    write(raw_dir / "events" / "d.jsonl.gz", b"\x1f\x8b\x08\x00neither is this")
    write(raw_dir / "events" / "e.jsonl", '{"n": 4}\n\n{"n": 5}\n')

    load = loads_by_source(connection, raw_dir)["events"]

    assert (load.files_loaded, load.rows_loaded, load.rows_rejected_by_reader, load.total_rows) == (5, 7, 2, 7)
    assert [(row["_raw_row_id"], row["payload"]) for row in rows(connection, "events")] == [
        ("a.jsonl:1", '{"n": 1}'),
        ("a.jsonl:2", '{"n": 2}'),
        ("b.jsonl.gz:file", None),
        ("c.jsonl:1", '{"n": 3}'),
        ("d.jsonl.gz:file", None),
        ("e.jsonl:1", '{"n": 4}'),
        ("e.jsonl:3", '{"n": 5}'),
    ]
    manifest = connection.execute(
        "select file_path, row_count, rejected_row_count from raw._loaded_files where source = 'events' "
        "order by file_path"
    ).fetchall()
    assert manifest == [
        ("a.jsonl", 2, 0), ("b.jsonl.gz", 1, 1), ("c.jsonl", 1, 0), ("d.jsonl.gz", 1, 1), ("e.jsonl", 2, 0),
    ]


def test_a_changed_a_new_and_a_vanished_file_in_one_run(connection, raw_dir):
    changed = write(raw_dir / "orders" / "changed.csv", "order_id\n1\n2\n")
    write(raw_dir / "orders" / "kept.csv", "order_id\n7\n")
    vanished = write(raw_dir / "orders" / "vanished.csv", "order_id\n8\n")
    loads_by_source(connection, raw_dir)

    write(changed, "order_id\n3\n")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1_000_000_000))
    write(raw_dir / "orders" / "new.csv", "order_id\n4\n5\n")
    vanished.unlink()
    load = loads_by_source(connection, raw_dir)["orders"]

    assert (load.files_loaded, load.files_unchanged, load.files_removed) == (2, 1, 1)
    assert (load.rows_loaded, load.total_rows) == (3, 4)
    assert [(row["_raw_row_id"], json.loads(row["payload"])["order_id"]) for row in rows(connection, "orders")] == [
        ("changed.csv:1", "3"),
        ("kept.csv:1", "7"),
        ("new.csv:1", "4"),
        ("new.csv:2", "5"),
    ]
    manifest = connection.execute(
        "select file_path, row_count from raw._loaded_files where source = 'orders' order by file_path"
    ).fetchall()
    assert manifest == [("changed.csv", 1), ("kept.csv", 1), ("new.csv", 2)]


def test_a_run_killed_mid_source_leaves_no_partial_file(raw_dir, tmp_path):
    # The process dies (no rollback, no exception handling) after the second file of a source is inserted:
    # the next run must find none of that source's new files, then load each exactly once.
    warehouse = tmp_path / "warehouse.duckdb"
    changed = write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n')
    with duckdb.connect(str(warehouse)) as connection:
        load_raw_directory(connection, raw_dir)
    write(changed, '{"n": 1}\n{"n": 2}\n')
    for name in ("b", "c", "d"):
        write(raw_dir / "events" / f"{name}.jsonl", f'{{"file": "{name}"}}\n')
    killer = f"""
import os, duckdb
from pathlib import Path
from orchestration import raw_files
insert_file, inserted = raw_files._insert_file, []
def insert_then_die(*arguments, **keywords):
    insert_file(*arguments, **keywords)
    inserted.append(1)
    if len(inserted) == 2:
        os._exit(9)
raw_files._insert_file = insert_then_die
raw_files.load_raw_directory(duckdb.connect({str(warehouse)!r}), Path({str(raw_dir)!r}))
"""
    result = subprocess.run([sys.executable, "-c", killer], cwd=Path(__file__).parents[2], check=False)
    assert result.returncode == 9

    with duckdb.connect(str(warehouse)) as connection:
        assert [row["payload"] for row in rows(connection, "events")] == ['{"n": 1}']  # a.jsonl's old version
        assert connection.execute("select file_path from raw._loaded_files").fetchall() == [("a.jsonl",)]
        load = loads_by_source(connection, raw_dir)["events"]
        assert (load.files_loaded, load.rows_loaded, load.total_rows) == (4, 5, 5)
        assert [row["_raw_row_id"] for row in rows(connection, "events")] == [
            "a.jsonl:1", "a.jsonl:2", "b.jsonl:1", "c.jsonl:1", "d.jsonl:1",
        ]


def test_transaction_groups_hold_consecutive_files_up_to_the_byte_budget():
    files = [raw_files._PendingFile(Path(f"{size}.jsonl"), f"{size}.jsonl", size, 0) for size in (10, 10, 25, 5, 1)]

    groups = list(raw_files._transaction_groups(files, max_bytes=20))

    # A file bigger than the budget still goes in, alone.
    assert [[file.size for file in group] for group in groups] == [[10, 10], [25], [5, 1]]


# Lines, not files, are the unit of raw data: each case below is a hand-built file and the exact rows it must give.


def manifest(connection, source: str) -> list[tuple]:
    return connection.execute(
        "select file_path, row_count, rejected_row_count, encoding, unsplit_bytes from raw._loaded_files "
        "where source = ? order by file_path", [source],
    ).fetchall()


def test_a_line_that_is_not_utf8_loses_only_itself(connection, raw_dir):
    content = b'{"n": 1}\n{"n": "\xff\xfe bad"}\n{"n": "\xe4\xb8\xad"}\n'
    write(raw_dir / "events" / "mixed.jsonl", content)
    write(raw_dir / "events" / "mixed.jsonl.gz", gzip.compress(content))

    load = loads_by_source(connection, raw_dir)["events"]

    assert (load.rows_loaded, load.rows_rejected_by_reader) == (6, 2)
    for name in ("mixed.jsonl", "mixed.jsonl.gz"):
        assert [(row["_row_number"], row["_parse_error"], row["payload"])
                for row in rows(connection, "events") if row["_file_path"] == name] == [
            (1, None, '{"n": 1}'),
            (2, "invalid_encoding: line 2 is not valid utf-8 (byte 0xff at byte 7)", '{"n": "\\xff\\xfe bad"}'),
            (3, None, '{"n": "中"}'),
        ]
    assert manifest(connection, "events") == [("mixed.jsonl", 3, 1, "utf-8", 0), ("mixed.jsonl.gz", 3, 1, "utf-8", 0)]


def test_a_gbk_csv_export_arrives_intact(connection, raw_dir):
    # Excel's Chinese CSV: GBK, CRLF line ends, a quoted field spanning two lines.
    write(raw_dir / "customers" / "crm.csv",
          'crm_id,full_name,city\r\nC-1,张伟,深圳\r\nC-2,"欧阳\r\n娜娜",北京\r\n'.encode("gbk"))

    loads_by_source(connection, raw_dir)

    assert [(row["_raw_row_id"], json.loads(row["payload"])) for row in rows(connection, "customers")] == [
        ("crm.csv:1", {"crm_id": "C-1", "full_name": "张伟", "city": "深圳"}),
        ("crm.csv:2", {"crm_id": "C-2", "full_name": "欧阳\n娜娜", "city": "北京"}),
    ]
    assert manifest(connection, "customers") == [("crm.csv", 2, 0, "gb18030", 0)]


def test_gb18030_four_byte_characters_and_a_declared_encoding(connection, raw_dir):
    # 𠀀 (U+20000) exists in GB18030 only as a four-byte sequence; 'customers=gb18030' is declared.
    write(raw_dir / "customers" / "crm.jsonl", '{"full_name": "𠀀丂"}\n'.encode("gb18030"))
    write(raw_dir / "tickets" / "t.jsonl", '{"content": "𠀀丂"}\n'.encode("gb18030"))

    loads = {load.source: load for load in load_raw_directory(
        connection, raw_dir, options=raw_files.ReadOptions(encodings={"customers": "gb18030"}))}

    assert loads["customers"].rows_rejected_by_reader == 0
    assert [row["payload"] for row in rows(connection, "customers")] == ['{"full_name": "𠀀丂"}']
    # Undeclared, the one non-ASCII line is not UTF-8 and is GB18030: recognized.
    assert [row["payload"] for row in rows(connection, "tickets")] == ['{"content": "𠀀丂"}']
    assert [entry[3] for entry in manifest(connection, "customers") + manifest(connection, "tickets")] == [
        "gb18030", "gb18030"]


def test_utf16_with_a_byte_order_mark_is_recognized(connection, raw_dir):
    write(raw_dir / "products" / "p.csv", "sku,name\r\nS-1,茶杯\r\n".encode("utf-16"))

    loads_by_source(connection, raw_dir)

    assert [json.loads(row["payload"]) for row in rows(connection, "products")] == [{"sku": "S-1", "name": "茶杯"}]
    assert manifest(connection, "products")[0][3] == "utf-16"


def test_a_gzip_cut_short_keeps_every_complete_line_before_the_damage(connection, raw_dir):
    lines = "".join(f'{{"n": {number}}}\n' for number in range(1, 2001)).encode()
    packed = gzip.compress(lines, mtime=0)
    path = write(raw_dir / "events" / "upload.jsonl.gz", packed[: len(packed) // 2])

    load = loads_by_source(connection, raw_dir)["events"]

    loaded = rows(connection, "events")
    complete = [row for row in loaded if row["_parse_error"] is None]
    [damage] = [row for row in loaded if row["_parse_error"] is not None]
    # Every line before the damage, in order; the line the damage cut is not a row.
    kept = len(complete)
    assert 0 < kept < 2000
    assert [row["payload"] for row in complete] == [f'{{"n": {number}}}' for number in range(1, kept + 1)]
    assert damage["_raw_row_id"] == "upload.jsonl.gz:truncated"
    assert damage["_parse_error"].startswith(f"truncated_file: upload.jsonl.gz is damaged at compressed byte "
                                             f"{len(packed) // 2:,} of {len(packed) // 2:,}")
    assert damage["payload"] is None
    [(_, row_count, rejected, encoding, unsplit)] = manifest(connection, "events")
    assert (row_count, rejected, encoding, load.rows_loaded) == (kept + 1, 1, "utf-8", kept + 1)
    # Bytes no line holds: the partial line the damage cut (decompressed after the last complete line).
    decompressed = zlib.decompressobj(wbits=31).decompress(packed[: len(packed) // 2])
    assert unsplit == len(decompressed) - sum(len(row["payload"]) + 1 for row in complete) > 0

    # The complete copy arrives: the file is loaded again, once, and the damage row is gone.
    write(path, packed)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    load = loads_by_source(connection, raw_dir)["events"]
    assert (load.files_loaded, load.total_rows, load.rows_rejected_by_reader) == (1, 2000, 0)
    assert [row["payload"] for row in rows(connection, "events")] == [f'{{"n": {n}}}' for n in range(1, 2001)]
    assert manifest(connection, "events") == [("upload.jsonl.gz", 2000, 0, "utf-8", 0)]


def test_an_oversized_line_is_quarantined_with_its_prefix(connection, raw_dir):
    long_line = '{"note": "' + "x" * 5000 + '"}'
    write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n' + long_line + '\n{"n": 2}\n')
    write(raw_dir / "orders" / "o.csv", "order_id,note\n1,short\n2," + "y" * 5000 + "\n3,short\n")

    loads = {load.source: load for load in load_raw_directory(
        connection, raw_dir, options=raw_files.ReadOptions(max_line_bytes=1024))}

    assert loads["events"].rows_rejected_by_reader == 1
    events = rows(connection, "events")
    assert [(row["_row_number"], row["payload"][:20]) for row in events] == [
        (1, '{"n": 1}'), (2, long_line[:20]), (3, '{"n": 2}')]
    assert events[1]["_parse_error"] == (
        "oversized_record: line 2 has 5,012 bytes, more than MAX_RAW_LINE_BYTES (1,024); "
        "its first 4,096 characters are kept")
    assert len(events[1]["payload"]) == 4096
    orders = rows(connection, "orders")
    assert [(row["_raw_row_id"], (row["_parse_error"] or "")[:16]) for row in orders] == [
        ("o.csv:1", ""), ("o.csv:2", ""), ("o.csv:line3", "oversized_record")]
    assert [json.loads(row["payload"])["order_id"] for row in orders[:2]] == ["1", "3"]


def test_empty_files_empty_lines_and_mixed_line_ends(connection, raw_dir):
    write(raw_dir / "events" / "empty.jsonl", b"")
    write(raw_dir / "events" / "empty_content.jsonl.gz", gzip.compress(b""))
    write(raw_dir / "events" / "mixed.jsonl", b'{"n": 1}\r\n\r\n{"n": 2}\n\n{"n": 3}')
    write(raw_dir / "orders" / "empty.csv", b"")
    write(raw_dir / "orders" / "header_only.csv", b"order_id,note\r\n")
    write(raw_dir / "events" / "zero.jsonl.gz", b"")

    loads = loads_by_source(connection, raw_dir)

    assert [row["payload"] for row in rows(connection, "events") if row["_file_path"] == "mixed.jsonl"] == [
        '{"n": 1}', '{"n": 2}', '{"n": 3}']
    # A zero-byte gzip is the one file-level rejection among them: no line can be read from it.
    [zero] = [row for row in rows(connection, "events") if row["_file_path"] == "zero.jsonl.gz"]
    assert (zero["_raw_row_id"], zero["_parse_error"]) == (
        "zero.jsonl.gz:file", "unreadable_file: zero.jsonl.gz: empty compressed file (0 bytes)")
    # No encoding was read from it, and every byte it has (none) is unsplit.
    assert [entry for entry in manifest(connection, "events") if entry[0] == "zero.jsonl.gz"] == [
        ("zero.jsonl.gz", 1, 1, None, 0)]
    assert (loads["events"].rows_loaded, loads["orders"].rows_loaded) == (4, 0)
    assert [entry[:3] for entry in manifest(connection, "orders")] == [("empty.csv", 0, 0), ("header_only.csv", 0, 0)]


def test_bom_crlf_and_nul_keep_working_on_the_fast_path(connection, raw_dir):
    write(raw_dir / "orders" / "bom.csv", b"\xef\xbb\xbforder_id,note\r\n1,a\x00b\r\n")
    write(raw_dir / "events" / "bom.jsonl", b'\xef\xbb\xbf{"n": 1}\r\n{"n": 2}\r\n')

    loads_by_source(connection, raw_dir)

    assert [json.loads(row["payload"]) for row in rows(connection, "orders")] == [{"order_id": "1", "note": "a\x00b"}]
    assert [row["payload"] for row in rows(connection, "events")][1] == '{"n": 2}'
    assert [entry[3] for entry in manifest(connection, "orders") + manifest(connection, "events")] == [
        "utf-8-sig", "utf-8-sig"]


def test_a_bad_line_in_one_file_among_many_keeps_the_others_once(connection, raw_dir, monkeypatch):
    monkeypatch.setattr(raw_files, "TRANSACTION_BYTES", 10**6)
    write(raw_dir / "events" / "a.jsonl", '{"n": 1}\n')
    write(raw_dir / "events" / "b.jsonl", b'{"n": 2}\n\xc3\x28\n{"n": 3}\n')
    write(raw_dir / "events" / "c.jsonl", '{"n": 4}\n')

    load = loads_by_source(connection, raw_dir)["events"]

    assert (load.total_rows, load.rows_rejected_by_reader) == (5, 1)
    assert [row["_raw_row_id"] for row in rows(connection, "events")] == [
        "a.jsonl:1", "b.jsonl:1", "b.jsonl:2", "b.jsonl:3", "c.jsonl:1"]


def test_source_encodings_are_validated():
    from orchestration.settings import parse_source_encodings

    assert parse_source_encodings("customers=GBK, orders = utf8") == (("customers", "gbk"), ("orders", "utf-8"))
    assert parse_source_encodings("") == ()
    with pytest.raises(ValueError, match="not a raw source"):
        parse_source_encodings("crm=gbk")
    with pytest.raises(ValueError, match="unknown encoding"):
        parse_source_encodings("customers=klingon")
