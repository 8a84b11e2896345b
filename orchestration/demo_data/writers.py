"""Files of the raw directory, and the outboxes that hold rows until the day they are exported.

A day's events are rendered on a background thread while the main thread simulates the next day, and
compressed on two more; at most one day renders while the day before compresses, so memory stays
bounded by a few days of data. Gzip output is byte-for-byte reproducible (no timestamps in the
headers); Parquet files carry no creation time either.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from orchestration.demo_data import defects
from orchestration.demo_data.columns import Columns
from orchestration.demo_data.commerce import build_item_table, build_order_table
from orchestration.demo_data.mess import damage_items, damage_orders
from orchestration.demo_data.text import join_lines

LINES_PER_PART = 200_000
GZIP_LEVEL = 3


class Outbox:
    """Rows waiting for their export day: add them with a day per row, pop a day's rows when it comes.

    Rows for the current day are kept as (table, row numbers) without copying; rows for later days
    (a few percent) are copied out, so a day's big table is not kept alive by its late rows.
    """

    def __init__(self) -> None:
        self.pending: dict[int, list[tuple[Columns, np.ndarray]]] = defaultdict(list)

    def add(self, rows: Columns, days: np.ndarray, today: int) -> None:
        if not len(rows):
            return
        order = np.argsort(days, kind="stable")
        sorted_days = days[order]
        boundaries = np.flatnonzero(np.diff(sorted_days)) + 1
        for part in np.split(order, boundaries):
            day = int(days[part[0]])
            if day == today:
                self.pending[day].append((rows, np.sort(part)))
            else:
                self.pending[day].append((rows.take(part), np.arange(len(part))))

    def pop(self, day: int, sort_by: str | None = None) -> Columns:
        """The day's rows (in arrival order, or sorted by a column), built column by column."""
        pieces = self.pending.pop(day, [])
        if not pieces:
            return Columns()
        order = None
        if sort_by:
            order = np.argsort(np.concatenate([rows[sort_by][index] for rows, index in pieces]), kind="stable")
        result = Columns()
        for name in pieces[0][0]:
            values = np.concatenate([rows[name][index] for rows, index in pieces])
            result[name] = values[order] if order is not None else values
        return result

    def leftover_days(self) -> list[int]:
        return sorted(self.pending)


def _compress(path: Path, data: memoryview | bytes) -> int:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # gzip container, header mtime 0
    payload = compressor.compress(data) + compressor.flush()
    path.write_bytes(payload)
    return len(payload)


class RawWriter:
    """Writes the raw directory of the data contract."""

    def __init__(self, raw_dir: Path):
        self.raw_dir = Path(raw_dir)
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        # One thread renders a day's events while the main thread simulates the next day; two more
        # compress what was rendered (the day before's files may still be compressing meanwhile).
        self.renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-data-render")
        self.compressor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-data-gzip")
        self.rendering: list[Future] = []
        self.compressing: list[Future] = []
        self.files: dict[str, int] = defaultdict(int)
        self.bytes: dict[str, int] = defaultdict(int)

    def folder(self, source: str, date: str | None, subfolder: str | None = None) -> Path:
        """raw/<source>/date=<date>, or raw/<source>/<subfolder> for files of no one day, or raw/<source>."""
        path = self.raw_dir / source / (f"date={date}" if date else subfolder or "")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _finish_compressing(self) -> None:
        for compression in self.compressing:
            self.bytes["events"] += compression.result()
            self.files["events"] += 1
        self.compressing = []

    def _finish_rendering(self) -> None:
        for rendering in self.rendering:
            self.compressing.extend(rendering.result())
        self.rendering = []

    def wait(self) -> None:
        """Block until every event file submitted so far is on disk (re-raising a failure)."""
        self._finish_rendering()
        self._finish_compressing()

    def write_events(self, date: str, batches: Callable[[], Iterable[pa.Array]]) -> None:
        """Render a day's events in the background and write them as gzip files of newline-terminated
        JSON lines: one file per batch the callable yields (keep batches to LINES_PER_PART lines, so
        memory stays bounded). In flight at most: this day rendering, the day before compressing."""
        self._finish_compressing()
        self._finish_rendering()
        folder = self.folder("events", date)

        def render_and_compress() -> list[Future]:
            compressions = []
            for number, lines in enumerate(batches()):
                data = join_lines(lines, terminated=True)
                path = folder / f"part-{number:04d}.jsonl.gz"
                compressions.append(self.compressor.submit(_compress, path, data))
            return compressions

        self.rendering.append(self.renderer.submit(render_and_compress))

    def write_json_lines(self, source: str, date: str, name: str, lines: pa.Array) -> None:
        path = self.folder(source, date) / name
        path.write_bytes(bytes(join_lines(lines)) if len(lines) else b"")
        self.files[source] += 1
        self.bytes[source] += path.stat().st_size

    def write_csv(self, source: str, date: str | None, name: str, table: pa.Table,
                  subfolder: str | None = None) -> None:
        path = self.folder(source, date, subfolder) / name
        pa_csv.write_csv(table, path, write_options=pa_csv.WriteOptions(include_header=True, quoting_style="needed"))
        self.files[source] += 1
        self.bytes[source] += path.stat().st_size

    def write_parquet(self, source: str, date: str | None, name: str, table: pa.Table) -> None:
        path = self.folder(source, date) / name
        pq.write_table(table, path, compression="zstd")
        self.files[source] += 1
        self.bytes[source] += path.stat().st_size

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.renderer.shutdown(wait=True)
            self.compressor.shutdown(wait=True)


def export_orders(world, writer: RawWriter, ledger, orders, items, campaigns, random: np.random.Generator,
                  date: str | None, name_suffix: str = "", subfolder: str | None = None,
                  serial_counter: str = "order_serial") -> None:
    """Write order and order-item rows with their damaged copies (orders<suffix>.csv, order_items<suffix>.csv)
    and let the truth ledger (truth.TruthLedger) observe and count them: the one export of the window's
    daily orders and of the order history."""
    if len(orders):
        rows = Columns.concat([orders, damage_orders(world, orders, random, serial_counter=serial_counter)])
        rows = rows.take(np.argsort(rows["row_ms"], kind="stable"))
        writer.write_csv("orders", date, f"orders{name_suffix}.csv", build_order_table(world, rows, campaigns),
                         subfolder=subfolder)
        ledger.observe_orders(rows)
        clean = rows["defect"] == defects.CLEAN
        ledger.count_rows("orders", rows["defect"], {"invalid_phone": int((clean & (rows["phone_defect"] > 0)).sum())})
    if len(items):
        rows = Columns.concat([items, damage_items(items, random)])
        rows = rows.take(np.lexsort((rows["line_number"], rows["order_serial"])))
        writer.write_csv("order_items", date, f"order_items{name_suffix}.csv", build_item_table(world, rows),
                         subfolder=subfolder)
        ledger.count_rows("order_items", rows["defect"])

