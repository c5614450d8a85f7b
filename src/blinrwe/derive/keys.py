"""Integer keys for the derivation's joins, group-bys and sorts on registry-sized data.

Joining, grouping and sorting on text patient ids or on timestamps costs pandas a
hash or a factorisation of the text per operation; on integer keys the same table
operations are several times faster. So :func:`encode_patient_ids` replaces every
``patient_id`` by its rank among the study's ids (a dense integer code in id
order, so any sort by code equals the sort by id), the derivation runs on the
codes, and :func:`decode_patient_ids` puts the ids back on the results (SQL: a
surrogate key).

:func:`sort_order` is a stable multi-key sort (``ORDER BY k1, k2, ...``) on
integer keys (packed into one key when they fit); :func:`first_in_group` marks
the first row of each key group of a sorted table and :func:`first_per_group`
finds the same rows without sorting (``ROW_NUMBER() OVER (PARTITION BY ...
ORDER BY ...) = 1``); :func:`join_on_patient` is the left join of per-patient
parts. Each is the plain pandas operation, only faster (tests/derive/test_keys.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

_DAY_NS = 86_400 * 10**9


def encode_patient_ids(tables: Mapping[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], np.ndarray | None]:
    """Replace ``patient_id`` in every table by its code; return ``(tables, ids)``, ``ids[code] = id``.

    Codes follow the sorted ids. When the ids are not all text (a test may pass
    integers or mixed values), the tables are returned unchanged with ``ids =
    None``: the derivations work on any id type, only slower.
    """
    columns = [t["patient_id"] for t in tables.values() if "patient_id" in t.columns]
    if not columns or any(c.dtype != object for c in columns if len(c)):
        return dict(tables), None
    ids = pd.unique(np.concatenate([c.to_numpy(dtype=object) for c in columns]))
    if pd.api.types.infer_dtype(ids, skipna=False) not in ("string", "empty"):
        return dict(tables), None
    ids = np.sort(ids)
    index = pd.Index(ids)
    coded = {}
    for name, table in tables.items():
        if "patient_id" in table.columns:
            table = table.copy(deep=False)
            table["patient_id"] = index.get_indexer(table["patient_id"]).astype(np.int64)
        coded[name] = table
    return coded, ids


def decode_patient_ids(frame: pd.DataFrame, ids: np.ndarray | None) -> pd.DataFrame:
    """``frame`` with its ``patient_id`` codes turned back into the ids (unchanged when ``ids`` is None)."""
    if ids is None or "patient_id" not in frame.columns:
        return frame
    frame = frame.copy(deep=False)
    frame["patient_id"] = ids[frame["patient_id"].to_numpy().astype(np.int64)]
    return frame


def join_on_patient(base: pd.DataFrame, parts) -> pd.DataFrame:
    """Left-join each per-patient part to ``base`` on ``patient_id`` (``base.merge(part, how="left")`` in turn).

    The per-patient parts of this layer list the patients in ``base``'s order;
    then the join is a column concatenation (no key matching, one copy). In
    any other case (duplicate ids, another order, shared column names) it is
    the ordinary merge.
    """
    ids = base["patient_id"].to_numpy()
    aligned = base["patient_id"].is_unique and all(
        len(part) == len(base) and np.array_equal(part["patient_id"].to_numpy(), ids) for part in parts)
    columns = [c for part in parts for c in part.columns if c != "patient_id"]
    if aligned and len(set(columns)) == len(columns) and not set(columns) & set(base.columns):
        index = pd.RangeIndex(len(base))  # as a merge gives
        pieces = [base] + [part.iloc[:, 1:] if part.columns[0] == "patient_id" else part.drop(columns="patient_id")
                           for part in parts]
        return pd.concat([p if p.index.equals(index) else p.set_axis(index) for p in pieces], axis=1)
    for part in parts:
        base = base.merge(part, on="patient_id", how="left")
    return base


def sort_order(*keys) -> np.ndarray:
    """Row order sorting by ``keys`` (most significant first), stable, ascending.

    Keys are integer arrays (see :func:`sort_key`; negate for descending).
    When they fit together in 62 bits they are packed into one int64 key
    (mixed radix, dates in whole days when they are) and sorted once, which is
    several times faster than a lexsort over each key; the order is the same.
    """
    keys = [np.asarray(k) for k in keys]
    packed = _packed(keys)
    if packed is not None:
        return np.argsort(packed, kind="stable")
    return np.lexsort(keys[::-1])


def _packed(keys: list[np.ndarray]) -> np.ndarray | None:
    """One int64 array ordering rows like ``keys`` lexicographically, or None when they do not fit."""
    if not keys or len(keys[0]) == 0 or any(k.dtype.kind not in "iub" for k in keys):
        return None
    packed, capacity = None, 1
    for k in keys:
        k = k.astype(np.int64, copy=False)
        lo, hi = int(k.min()), int(k.max())
        if hi - lo >= 2**62:
            return None
        shifted = k - lo
        step = 1
        if hi - lo >= 2**31 and not (shifted % _DAY_NS).any():  # dates in ns, all whole days: pack the days
            step = _DAY_NS
        span = (hi - lo) // step + 1
        capacity *= span
        if capacity >= 2**62:
            return None
        digit = shifted // step if step > 1 else shifted
        packed = digit if packed is None else packed * span + digit
    return packed


def first_in_group(*sorted_keys) -> np.ndarray:
    """True on the first row of each run of equal ``sorted_keys`` (the table sorted by them)."""
    n = len(sorted_keys[0])
    first = np.ones(n, dtype=bool)
    if n > 1:
        same = np.ones(n - 1, dtype=bool)
        for k in sorted_keys:
            k = np.asarray(k)
            same &= k[1:] == k[:-1]
        first[1:] = ~same
    return first


def first_per_group(group: np.ndarray, n_groups: int, *keys) -> np.ndarray:
    """For each group ``0 .. n_groups - 1`` the row that sorts first by ``keys`` (ties: the earliest row).

    Returns row positions, ``-1`` for empty groups. The same rows as
    :func:`sort_order` over ``(group, *keys)`` + :func:`first_in_group`
    (SQL: ``ROW_NUMBER() OVER (PARTITION BY group ORDER BY keys) = 1``), found
    without sorting: the minimum packed key per group, then the earliest row
    holding it.
    """
    group = np.asarray(group)
    packed = _packed([np.asarray(k) for k in keys])
    row = np.full(n_groups, -1, dtype=np.int64)
    if len(group) == 0:
        return row
    if packed is None:
        order = sort_order(group, *keys)
        order = order[first_in_group(group[order])]
        row[group[order]] = order
        return row
    best = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(best, group, packed)
    tied = np.flatnonzero(packed == best[group])
    earliest = np.full(n_groups, len(group), dtype=np.int64)
    np.minimum.at(earliest, group[tied], tied)
    return np.where(earliest < len(group), earliest, -1)


def sort_key(values) -> np.ndarray:
    """A numeric array that sorts like ``values`` under :func:`sort_order` (missing values last, as pandas).

    Dates become int64 nanoseconds, integers stay, anything else (text,
    floats with missing values) becomes its rank among the distinct values.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        ns = s.to_numpy(dtype="datetime64[ns]").view(np.int64)
        return np.where(ns == np.iinfo(np.int64).min, np.iinfo(np.int64).max, ns)
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return s.to_numpy(dtype=np.int64)
    codes, uniques = pd.factorize(s, sort=True)
    return np.where(codes < 0, len(uniques), codes)
