"""The ARD read once into plain records, grouped by display table and keyed by what a cell shows.

Table builders look up one statistic per cell (a Table 1 with 30 variables x 5 levels
x 3 groups asks ~1,000 times). Boolean filtering of the ARD DataFrame for every cell
costs ~3 ms a lookup in pandas overhead; here the ARD is turned into dict records
once, string columns normalised ("" for missing), partitioned by ``table`` and
indexed by the full cell key (:data:`CELL_KEY`), so a lookup is a dict access and a
narrowing is a scan of a few dozen records. The report never computes on these
records: it only reads the values the analysis layer wrote.
"""

from __future__ import annotations

import math
from typing import Iterable, Iterator, Sequence

import pandas as pd

from blinrwe.analysis.ard import ARD_COLUMNS

#: the ARD columns that identify one printed statistic (``time`` separates landmarks)
CELL_KEY = ("table", "variable", "level", "group_var", "group", "variant", "statistic")
_NUMERIC = ("value", "lower", "upper", "n", "denominator", "time")
_TEXT = tuple(c for c in ARD_COLUMNS if c not in _NUMERIC)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _matches(record: dict, conditions: dict) -> bool:
    for column, wanted in conditions.items():
        value = record[column]
        if isinstance(wanted, (set, frozenset, list, tuple)):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


class ArdRows(Sequence):
    """An ordered selection of ARD records (dicts with every ARD column; text columns are
    str, "" when missing; numeric columns float, NaN when missing)."""

    __slots__ = ("_records",)

    def __init__(self, records: Iterable[dict] = ()):
        self._records = list(records)

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, i):
        return self._records[i]

    def __iter__(self) -> Iterator[dict]:
        return iter(self._records)

    def where(self, **conditions) -> "ArdRows":
        """Records whose columns equal the given values (a set/list/tuple means "one of")."""
        return ArdRows(r for r in self._records if _matches(r, conditions))

    def first(self, **conditions) -> dict | None:
        """The first record matching ``conditions`` (ARD order), None when there is none."""
        for r in self._records:
            if _matches(r, conditions):
                return r
        return None

    def has(self, **conditions) -> bool:
        return self.first(**conditions) is not None

    def unique(self, column: str) -> list:
        """Distinct values of ``column`` in order of first appearance."""
        return list(dict.fromkeys(r[column] for r in self._records))

    def unique_pairs(self, a: str, b: str) -> list[tuple]:
        return list(dict.fromkeys((r[a], r[b]) for r in self._records))


class ArdIndex(ArdRows):
    """The whole ARD as records, with the per-table partition and the cell-key index built once."""

    __slots__ = ("frame", "_by_table", "_by_cell")

    def __init__(self, ard: pd.DataFrame | None):
        frame = ard if ard is not None else pd.DataFrame(columns=list(ARD_COLUMNS))
        columns = [c for c in ARD_COLUMNS if c in frame.columns]
        records = frame[columns].to_dict("records") if len(frame) else []
        # to_dict unboxes a float subclass to a plain float: a SuppressedCount (disclosure.py) would print
        # NA instead of "<k"; object columns (where suppression put them) are read back as they are
        for c in _NUMERIC:
            if c in frame.columns and frame[c].dtype == object and len(frame):
                for r, v in zip(records, frame[c].tolist()):
                    r[c] = v
        for r in records:
            for c in _TEXT:
                r[c] = _text(r.get(c))
            for c in _NUMERIC:
                v = r.get(c)
                # floats kept as they are: a SuppressedCount (disclosure.py) must keep printing "<k"
                r[c] = v if isinstance(v, float) else float("nan") if v is None else float(v)
        super().__init__(records)
        self.frame = frame
        self._by_table: dict[str, list[dict]] = {}
        self._by_cell: dict[tuple, dict] = {}
        for r in records:
            self._by_table.setdefault(r["table"], []).append(r)
            self._by_cell.setdefault(tuple(r[c] for c in CELL_KEY) + (r["time"] if r["time"] == r["time"] else None,), r)

    def table(self, table_id: str) -> ArdRows:
        """The records of one display table, in ARD order."""
        return ArdRows(self._by_table.get(table_id, ()))

    def tables(self, table_ids: Iterable[str]) -> ArdRows:
        wanted = set(table_ids)
        return ArdRows(r for r in self._records if r["table"] in wanted)

    def cell(self, table: str, variable: str, level: str, group_var: str, group: str, variant: str, statistic: str,
             time: float | None = None) -> dict | None:
        """The record of one printed statistic (the first when the ARD repeats a key), or None."""
        return self._by_cell.get((table, variable, level, group_var, group, variant, statistic, time))


def as_ard_index(ard) -> ArdIndex:
    """``ard`` as an :class:`ArdIndex` (built once; an index is returned as is)."""
    return ard if isinstance(ard, ArdIndex) else ArdIndex(ard)


def as_ard_rows(ard) -> ArdRows:
    """``ard`` as :class:`ArdRows`: a selection (or index) as is, a DataFrame indexed once."""
    return ard if isinstance(ard, ArdRows) else ArdIndex(ard)
