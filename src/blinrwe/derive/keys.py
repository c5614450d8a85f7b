"""Integer keys for the derivation's joins, group-bys and sorts on registry-sized data.

Joining, grouping and sorting on text patient ids or on timestamps costs pandas a
hash or a factorisation of the text per operation; on integer keys the same table
operations are several times faster. So :func:`encode_patient_ids` replaces every
``patient_id`` by its rank among the study's ids (a dense integer code in id
order, so any sort by code equals the sort by id), the derivation runs on the
codes, and :func:`decode_patient_ids` puts the ids back on the results (SQL: a
surrogate key).

:func:`sort_order` is a stable multi-key sort (``ORDER BY k1, k2, ...``) on
numeric keys; :func:`first_in_group` marks the first row of each key group of a
sorted table (``ROW_NUMBER() OVER (PARTITION BY ...) = 1``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


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


def sort_order(*keys) -> np.ndarray:
    """Row order sorting by ``keys`` (most significant first), stable, ascending.

    Keys are numeric arrays (see :func:`sort_key`; negate for descending); missing values are not allowed.
    """
    return np.lexsort([np.asarray(k) for k in reversed(keys)])


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
