"""Checks on the arrays handed to the survival estimators, and R's rule for near-tied times.

Every check raises :class:`blinrwe.errors.StatisticalInputError` naming the
parameter, the offending position and value, and how to fix it. Values are
positions in the arrays passed in, never patient identifiers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError


# R all.equal's tolerance, used by survival's aeqSurv (timefix = TRUE).
TIE_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def as_times(values, name: str = "time") -> np.ndarray:
    """Return follow-up times as float64 or int64; finite and >= 0."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise StatisticalInputError(f"{name} must be one-dimensional; got shape {arr.shape}.")
    if arr.dtype == object or arr.dtype.kind not in "iufb":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise StatisticalInputError(
                f"{name} must be numeric (days or months since the origin); got values of type {arr.dtype}."
            ) from exc
    if arr.dtype.kind == "b":
        raise StatisticalInputError(f"{name} must be numeric times, not booleans.")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            i = _first_bad(bad)
            raise StatisticalInputError(
                f"{name} has a missing or infinite value at position {i} ({arr[i]}); "
                "drop the row or give its time to event or censoring."
            )
        arr = arr.astype(np.float64, copy=False)
    else:
        arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        i = _first_bad(arr < 0)
        raise StatisticalInputError(
            f"{name} has a negative value at position {i} ({arr[i]}); times are measured from the "
            "origin and must be >= 0 (check the origin and end dates)."
        )
    return arr


def tie_near_times(t: np.ndarray) -> np.ndarray:
    """Times that differ only by floating-point noise become one tie, as R survival's ``aeqSurv``.

    R's ``survfit``, ``survdiff`` and ``coxph`` (``timefix = TRUE``, the default) sort the
    distinct times and tie each one to the previous when they differ by at most
    ``sqrt(machine eps)``, absolutely or relative to the mean of the distinct absolute
    times; a tie group takes its smallest time. So ``0.1 + 0.2`` and ``0.3`` (months
    computed two ways) are one time with two events, not two times. Applied once to the
    whole sample an estimator is given (all groups and strata together, as R).
    """
    if t.size < 2:
        return t
    top = float(t.max())  # times are >= 0 (as_times)
    if top * TIE_TOLERANCE < 1 and (t.dtype.kind in "iu" or whole_days(t) is not None):
        return t  # distinct whole numbers differ by >= 1, more than either tolerance
    y = distinct_times(t)
    dy = np.diff(y)
    tied = (dy <= TIE_TOLERANCE) | (dy / np.mean(np.abs(y)) <= TIE_TOLERANCE)
    if not tied.any():
        return t
    cuts = y[np.concatenate(([True], ~tied))]
    return cuts[np.searchsorted(cuts, t, side="right") - 1]


def distinct_times(t: np.ndarray, return_inverse: bool = False):
    """``np.unique(t)`` (and its inverse) of finite values (times, covariates), by hashing instead of
    sorting every row.

    Follow-up times in months are whole days divided by 30.4375: a million rows hold a few
    thousand distinct values, so hashing them (``pd.factorize``) and sorting only the distinct
    ones is 2-5x faster than numpy's sort of the whole array; the values and the inverse are
    numpy's exactly (equal floats hash alike, 0.0 and -0.0 too; the values have been checked finite)."""
    if not return_inverse:
        return np.sort(pd.unique(t))
    codes, values = pd.factorize(t)
    order = np.argsort(values, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return values[order], rank[codes]


def stable_order(*keys: np.ndarray) -> np.ndarray:
    """``np.lexsort(keys[::-1])``: the rows sorted by ``keys`` (most significant first), ties in row order.

    When the keys' distinct values are few (strata, days, a status, categories) their ranks are
    combined into one 16-bit key whose stable sort (numpy's radix sort of small integers) is the
    same permutation, several times faster than sorting by each key in turn."""
    n = keys[0].size if keys else 0
    if n > 1 << 16:
        ranks, size = [], 1
        for key in keys:
            if key.dtype.kind in "iub" and key.size and key.min() >= 0 and int(key.max()) < 1 << 16:
                rank, width = key.astype(np.int64), int(key.max()) + 1
            elif key.dtype.kind == "f" and np.isnan(key).any():  # (lexsort's NaN-last order)
                break
            else:
                values, rank = distinct_times(key, return_inverse=True)
                width = values.size
            size *= width
            if size > 1 << 16:
                break
            ranks.append((rank, width))
        else:
            combined = np.zeros(n, dtype=np.int64)
            for rank, width in ranks:
                combined *= width
                combined += rank
            return np.argsort(combined.astype(np.uint16), kind="stable")
    return np.lexsort(keys[::-1])


def whole_days(t: np.ndarray) -> np.ndarray | None:
    """``t`` as int64 when every time is a whole number below 2**53 (days held as float64, as
    pandas holds them), else None. One cast and one comparison, no sort."""
    if t.dtype.kind in "iu":
        return t.astype(np.int64, copy=False)
    if not t.size or not float(t.max()) < 2.0**53:  # times are >= 0 (as_times)
        return None
    days = t.astype(np.int64)
    return days if np.array_equal(days, t) else None


def as_tied_times(values, name: str = "time") -> np.ndarray:
    """:func:`as_times`, then :func:`tie_near_times`; whole-number times come back as int64
    (the same values, so the same counts and estimates) for the counting pass."""
    arr = np.asarray(values)
    if arr.dtype == np.float64 and arr.ndim == 1 and arr.size:
        # Fast path, one cast and one comparison: whole numbers are finite, so as_times' checks
        # reduce to the sign; anything else (NaN, fractions, huge) takes the full path below.
        with np.errstate(invalid="ignore"):
            days = arr.astype(np.int64)
        if np.array_equal(days, arr) and days.min() >= 0 and float(days.max()) * TIE_TOLERANCE < 1:
            return days  # tie_near_times leaves distinct whole numbers as they are
    t = as_times(arr, name)
    if t.dtype.kind == "f" and float(t.max(initial=0.0)) * TIE_TOLERANCE < 1:
        days = whole_days(t)
        if days is not None:
            return days
    return tie_near_times(t)


def as_tied_times_indexed(values, name: str = "time"):
    """:func:`as_tied_times`, and for times that are not whole numbers (months) also their distinct
    values with each row's index into them (``np.unique(t, return_inverse=True)``), from the one
    hashing pass that looks for R's near ties (the counting pass needs that index: hashing a
    registry's times once, not twice). The index is None for whole numbers (counted by value) and
    when near ties were merged."""
    arr = np.asarray(values)
    if arr.dtype == np.float64 and arr.ndim == 1 and arr.size:
        with np.errstate(invalid="ignore"):
            days = arr.astype(np.int64)
        if np.array_equal(days, arr) and days.min() >= 0 and float(days.max()) * TIE_TOLERANCE < 1:
            return days, None  # as as_tied_times
    t = as_times(arr, name)
    if t.dtype.kind == "f" and float(t.max(initial=0.0)) * TIE_TOLERANCE < 1:
        days = whole_days(t)
        if days is not None:
            return days, None
    if t.dtype.kind == "f" and t.size >= 2:  # tie_near_times, its distinct values kept with their inverse
        y, inverse = distinct_times(t, return_inverse=True)
        dy = np.diff(y)
        if not ((dy <= TIE_TOLERANCE) | (dy / np.mean(np.abs(y)) <= TIE_TOLERANCE)).any():
            return t, (y, inverse)
    return tie_near_times(t), None


def as_event_codes(values, n: int, causes: tuple[int, ...], name: str = "event") -> np.ndarray:
    """Return event codes as int64: 0 = censored, otherwise one of ``causes``."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise StatisticalInputError(f"{name} must be one-dimensional; got shape {arr.shape}.")
    if arr.shape[0] != n:
        raise StatisticalInputError(
            f"{name} has {arr.shape[0]} values but time has {n}; give one event indicator per time."
        )
    if arr.dtype.kind in "biu":
        # Integer codes: range checks only, no copy (the counting pass widens them).
        codes = arr.view(np.uint8) if arr.dtype.kind == "b" else arr
        lo = int(codes.min()) if codes.size else 0
        hi = int(codes.max()) if codes.size else 0
        if lo >= 0 and hi <= max(causes) and (causes == tuple(range(1, len(causes) + 1)) or hi == 0):
            return codes
        codes = codes.astype(np.int64)
    else:
        try:
            num = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise StatisticalInputError(
                f"{name} must hold integer codes (0 = censored, 1 = event); got type {arr.dtype}."
            ) from exc
        bad = ~np.isfinite(num) | (num != np.round(num))
        if bad.any():
            i = _first_bad(bad)
            raise StatisticalInputError(
                f"{name} has a missing or non-integer value at position {i} ({arr[i]}); "
                "use 0 = censored, 1 = event."
            )
        codes = num.astype(np.int64)
    allowed = np.zeros(max(max(causes), 1) + 1, dtype=bool)
    allowed[0] = True
    allowed[list(causes)] = True
    bad = (codes < 0) | (codes >= allowed.size)
    if not bad.any():
        bad = ~allowed[codes]
    if bad.any():
        i = _first_bad(bad)
        want = "0 = censored, " + ", ".join(str(c) for c in causes)
        hint = " (1 = event)" if causes == (1,) else " (one code per cause)"
        raise StatisticalInputError(
            f"{name} has value {arr[i]} at position {i}; allowed codes are {want}{hint}."
        )
    return codes


def as_weights(values, n: int, name: str = "weights") -> np.ndarray:
    """Return non-negative integer frequency weights (row counts) as int64."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise StatisticalInputError(
            f"{name} must have one count per time ({n}); got shape {arr.shape}."
        )
    try:
        num = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise StatisticalInputError(f"{name} must be whole-number counts; got type {arr.dtype}.") from exc
    bad = ~np.isfinite(num) | (num < 0) | (num != np.round(num))
    if bad.any():
        i = _first_bad(bad)
        raise StatisticalInputError(
            f"{name} has value {arr[i]} at position {i}; counts must be whole numbers >= 0."
        )
    return num.astype(np.int64)


def as_level(level: float) -> float:
    """Return a confidence level strictly between 0 and 1."""
    try:
        value = float(level)
    except (TypeError, ValueError) as exc:
        raise StatisticalInputError(f"level must be a number such as 0.95; got {level!r}.") from exc
    if not 0.0 < value < 1.0:
        raise StatisticalInputError(f"level must be between 0 and 1 (e.g. 0.95); got {level!r}.")
    return value
