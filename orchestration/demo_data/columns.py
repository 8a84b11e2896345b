"""A table as a dict of equally long numpy arrays, plus the grouped operations the simulation needs."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class Columns(dict):
    """Named numpy arrays of one length; rows are selected and stacked column by column."""

    def __len__(self) -> int:  # the number of rows, not of columns
        for values in self.values():
            return len(values)
        return 0

    @property
    def width(self) -> int:
        return dict.__len__(self)

    def take(self, rows: np.ndarray) -> Columns:
        return Columns({name: values[rows] for name, values in self.items()})

    def slice(self, start: int, stop: int) -> Columns:
        """Rows start..stop-1 as views (no copy)."""
        return Columns({name: values[start:stop] for name, values in self.items()})

    def copy(self) -> Columns:
        return Columns({name: values.copy() for name, values in self.items()})

    @staticmethod
    def concat(tables: Iterable[Columns]) -> Columns:
        tables = [table for table in tables if table is not None and table.width]
        if not tables:
            return Columns()
        names = list(tables[0])
        return Columns({name: np.concatenate([table[name] for table in tables]) for name in names})


def number_within_groups(sizes: np.ndarray) -> np.ndarray:
    """0..size-1 for each group, concatenated: [2, 3] -> [0, 1, 0, 1, 2]."""
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    starts = np.cumsum(sizes) - sizes
    return np.arange(total, dtype=np.int64) - np.repeat(starts, sizes)


def find_group_starts(keys: np.ndarray) -> np.ndarray:
    """Boolean mask of rows that start a new run of equal keys (keys must be sorted/grouped)."""
    starts = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        starts[1:] = keys[1:] != keys[:-1]
    return starts


def rank_within_groups(keys: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal keys (keys grouped)."""
    starts = find_group_starts(keys)
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0)) if len(keys) else starts
    return np.arange(len(keys)) - run_start


def find_group_ends(keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the last row of each run of equal keys."""
    last = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        last[:-1] = keys[:-1] != keys[1:]
    return last
