"""Category levels of ADSL columns as they appear in the ARD (``level`` / ``group`` labels).

Booleans are labelled "yes"/"no" (as entered in the template), whether the
column is ``bool``, nullable ``boolean`` or an object column holding only
True/False and missing values; other values by their text; missing stays missing (code -1). Factorising once into integer
codes keeps the per-level counts O(n) with ``np.bincount`` on registry-sized
cohorts (object-array comparisons per level were the hot spot at 100,000 patients).
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

__all__ = ["factor_levels", "level_labels", "patient_positions", "codes_at", "present_categorical", "subset_variable",
           "subset_mask"]


def factor_levels(values) -> tuple[np.ndarray, list[str]]:
    """``(codes, labels)``: int64 codes into the sorted labels, -1 for missing."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    # an object column of True/False (and missing) is a yes/no variable like a bool/boolean one;
    # checked on the distinct values only
    is_bool = pd.api.types.is_bool_dtype(series) or (
        series.dtype == object and len(uniques) > 0 and all(isinstance(u, (bool, np.bool_)) for u in uniques))
    if is_bool:
        labels = ["yes" if bool(u) else "no" for u in uniques]
    else:
        labels = [str(u) for u in uniques]
    order = sorted(range(len(labels)), key=lambda i: labels[i])
    remap = np.empty(len(labels), dtype=np.int64)
    remap[order] = np.arange(len(labels))
    codes = np.asarray(codes, dtype=np.int64)
    out = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(labels) else -1, -1)
    sorted_labels = [labels[i] for i in order]
    # two raw values with the same text (e.g. 1 and "1") share one label
    if len(set(sorted_labels)) != len(sorted_labels):
        uniq = sorted(set(sorted_labels))
        merge = np.array([uniq.index(lab) for lab in sorted_labels], dtype=np.int64)
        out = np.where(out >= 0, merge[np.maximum(out, 0)], -1)
        sorted_labels = uniq
    return out, sorted_labels


def level_labels(values) -> pd.Series:
    """The ARD label of each value (None when missing)."""
    codes, labels = factor_levels(values)
    arr = np.array(labels + [None], dtype=object)
    index = values.index if isinstance(values, pd.Series) else None
    return pd.Series(arr[np.where(codes >= 0, codes, len(labels))], index=index, dtype=object)


def patient_positions(adsl: pd.DataFrame, patient_ids) -> np.ndarray:
    """Row position in ``adsl`` of each patient id (-1 when absent): one hash lookup per row.

    Replaces a merge per analysis: the levels of any ADSL column for the rows of a
    long table are then ``codes[positions]`` (integer takes, no string hashing).
    """
    index = _patient_index(adsl)
    ids = patient_ids.to_numpy() if isinstance(patient_ids, pd.Series) else np.asarray(patient_ids, dtype=object)
    return np.asarray(index.get_indexer(ids), dtype=np.int64)


#: the last ADSL's patient-id Index: (the ADSL, weakly; its id array; the Index)
_last_index: tuple[weakref.ref, np.ndarray, pd.Index] | None = None


def _patient_index(adsl: pd.DataFrame) -> pd.Index:
    """The Index of ``adsl``'s patient ids, built once while the same ADSL and id array are asked for.

    One study's analyses look up some twenty long tables in the same ADSL; the Index's hash
    table (and its uniqueness check) is most of each lookup's cost at a million patients.
    The id array is held, so an equal data address below is the same array, not a reused one.
    """
    global _last_index
    ids = adsl["patient_id"].to_numpy()
    last = _last_index  # read once: another thread may replace it
    if last is not None and last[0]() is adsl and _same_array(last[1], ids):
        return last[2]
    index = pd.Index(ids)
    _last_index = (weakref.ref(adsl), ids, index)
    return index


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    return a is b or (a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides
                      and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def codes_at(codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``codes`` (from :func:`factor_levels` of an ADSL column) at ``positions`` (-1 stays missing)."""
    return np.where(positions >= 0, codes[np.maximum(positions, 0)], -1) if codes.size else \
        np.full(positions.shape, -1, dtype=np.int64)


def present_categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """The known values (codes >= 0) as a Categorical of the labels present, in label order.

    Statistics functions take a Categorical without hashing its values; keeping
    only present levels gives the same groups as factorising the labels themselves.
    """
    known = codes[codes >= 0]
    present = np.flatnonzero(np.bincount(known, minlength=len(labels)))
    remap = np.full(len(labels), -1, dtype=np.int64)
    remap[present] = np.arange(present.size)
    return pd.Categorical.from_codes(remap[known], categories=[labels[i] for i in present])


def subset_variable(subset: str) -> str:
    """The ADSL column a subset names: "responder" -> "responder", "best_response=CR" -> "best_response"."""
    return str(subset).partition("=")[0].strip()


def subset_mask(adsl: pd.DataFrame, subset: str) -> np.ndarray:
    """The patients of a subset (``[survival] within``): a yes/no column = yes ("responder"), or
    "<column>=<level>" with the level as the ARD labels it ("best_response=CR", "sex=female")."""
    column, eq, level = str(subset).partition("=")
    values = adsl[column.strip()]
    if eq:
        return (level_labels(values) == level.strip()).fillna(False).to_numpy(dtype=bool)
    return values.astype("boolean").fillna(False).to_numpy(dtype=bool)
