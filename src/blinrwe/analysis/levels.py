"""Category levels of ADSL columns as they appear in the ARD (``level`` / ``group`` labels).

Booleans are labelled "yes"/"no" (as entered in the template), whether the
column is ``bool``, nullable ``boolean`` or an object column holding only
True/False and missing values; other values by their text; missing stays missing (code -1). Factorising once into integer
codes keeps the per-level counts O(n) with ``np.bincount`` on registry-sized
cohorts (object-array comparisons per level were the hot spot at 100,000 patients).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .array_memo import ArrayMemo
from .positions import patient_positions  # re-exported: the analyses import it from here

__all__ = ["factor_levels", "level_labels", "patient_positions", "codes_at", "present_categorical", "subset_variable",
           "subset_mask"]


#: factor_levels of numpy-backed columns, kept while the column lives (one study asks for the same
#: grouping columns in Table 1, exposure, survival, Cox, response...: factorised once)
_LEVELS = ArrayMemo(16)


def factor_levels(values) -> tuple[np.ndarray, list[str]]:
    """``(codes, labels)``: int64 codes into the sorted labels, -1 for missing.

    The codes of a column (a numpy-backed Series) are computed once while it lives and shared:
    read-only."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    array = series.to_numpy() if isinstance(series.dtype, np.dtype) else None
    known = _LEVELS.get(array) if array is not None else None
    if known is None:
        known = _factor_levels(series)
        known[0].flags.writeable = False
        if array is not None:
            _LEVELS.put(known, array)
    return known[0], list(known[1])


def _factor_levels(series: pd.Series) -> tuple[np.ndarray, list[str]]:
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


def codes_at(codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``codes`` (from :func:`factor_levels` of an ADSL column) at ``positions`` (-1 stays missing)."""
    if not codes.size:
        return np.full(positions.shape, -1, dtype=np.int64)
    if not positions.size or positions.min() >= 0:  # every patient found (the usual case): one take
        return codes[positions]
    return np.where(positions >= 0, codes[np.maximum(positions, 0)], -1)


def present_categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """The known values (codes >= 0) as a Categorical of the labels present, in label order.

    Statistics functions take a Categorical without hashing its values; keeping
    only present levels gives the same groups as factorising the labels themselves.
    """
    mask = codes >= 0
    known = codes if mask.all() else codes[mask]
    present = np.flatnonzero(np.bincount(known, minlength=len(labels)))
    if present.size < len(labels):
        remap = np.full(len(labels), -1, dtype=np.int64)
        remap[present] = np.arange(present.size)
        known = remap[known]
    # the codes are in range by construction: no validation pass
    return pd.Categorical.from_codes(known, categories=[labels[i] for i in present], validate=False)


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
