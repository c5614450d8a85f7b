"""Tabulation of follow-up rows into per-time counts: the counting pass behind :mod:`blinrwe.stats.counts`.

From validated arrays (times, event codes, group codes, optional frequency weights)
it computes, at each distinct time with an event or a censoring (ascending), the
censorings and the events of each cause per group, and the number at risk just
before that time, ``n_risk(t) = #{subjects with time >= t}`` (a reverse cumulative
sum: no late entry). Conventions are R ``survival``'s (``survfit``), as stated in
:mod:`blinrwe.stats.counts`: events precede censorings at the same time, every time
with an event *or* a censoring gets a row, and times within ``sqrt(machine eps)``
of each other are one time (R's ``timefix``,
:func:`blinrwe.stats._inputs.tie_near_times`, applied by ``as_tied_times``).

Speed: whole-number times (days), int64 or float64 holding whole numbers, are
tabulated with one ``np.bincount`` over the time range, O(n) without sorting; other
times (months) are hashed (:func:`blinrwe.stats._inputs.distinct_times`: ``np.unique``'s result,
without sorting every row).

Codes: event code 0 = censored, otherwise a cause code from ``causes``, mapped onto
1..K (:func:`_prepare`); groups are coded 0..k-1 in sorted label order, or category
order for a pandas Categorical (:func:`_group_codes`, :func:`_factorize_groups`).
The results are plain arrays; :mod:`blinrwe.stats.counts` builds the
``EventCounts`` / ``GroupedEventCounts`` from them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError

from ._inputs import as_event_codes, as_tied_times_indexed, as_weights, distinct_times


def _check_causes(causes) -> tuple[int, ...]:
    try:
        out = tuple(int(c) for c in causes)
    except (TypeError, ValueError) as exc:
        raise StatisticalInputError(f"causes must be positive integer codes such as (1, 2); got {causes!r}.") from exc
    if not out or any(c < 1 for c in out) or len(set(out)) != len(out):
        raise StatisticalInputError(
            f"causes must be distinct positive integer codes such as (1,) or (1, 2); got {causes!r}."
        )
    return out


def _tabulate(t: np.ndarray, codes: np.ndarray, gidx: np.ndarray, n_groups: int, n_codes: int,
              weights: np.ndarray | None, scratch: bool = False, index=None):
    """Return (distinct times, counts of shape (T, groups, codes)), empty times dropped.
    ``scratch``: ``t`` is a temporary of the caller's (int64 days cast from float), so the
    counting key is built in its memory. ``index``: ``np.unique(t, return_inverse=True)`` when
    the caller has it (:func:`~blinrwe.stats._inputs.as_tied_times_indexed`)."""
    n = t.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.float64), np.zeros((0, n_groups, n_codes), dtype=np.int64)
    width = n_groups * n_codes
    tmin, tmax = t.min(), t.max()
    whole = t.dtype.kind == "i"  # whole-number float days arrive as int64 (as_tied_times)
    span = int(tmax - tmin) + 1 if whole else 0
    if whole and span * width <= max(8 * n, 1 << 22):
        # Whole-number times (days): one counting pass over the time range, no sort.
        values = None
        base = t
        offset = int(tmin)
    else:
        values, base = index if index is not None else distinct_times(t, return_inverse=True)
        span = values.shape[0]
        offset = 0
    # key = ((time index) * groups + group) * codes + code, built in place in one array.
    out = base if scratch and values is None and base.dtype == np.int64 else None
    if n_groups > 1:
        key = np.multiply(base, n_groups, dtype=np.int64, out=out)
        if offset:
            key -= offset * n_groups
        key += gidx
        if n_codes > 1:
            key *= n_codes
            key += codes
    else:
        key = np.multiply(base, n_codes, dtype=np.int64, out=out)
        if offset:
            key -= offset * n_codes
        if n_codes > 1:
            key += codes
    counts = np.bincount(key, weights=weights, minlength=span * width)
    if weights is not None:
        counts = np.rint(counts)
    counts = counts.astype(np.int64, copy=False).reshape(span, n_groups, n_codes)
    present = counts.reshape(span, width).any(axis=1)
    if values is None:
        values = (np.flatnonzero(present) + tmin).astype(np.float64)
    else:
        values = values[present].astype(np.float64)
    return values, counts[present]


def _at_risk(total: np.ndarray) -> np.ndarray:
    """Subjects with time >= t: reverse cumulative sum along the time axis."""
    return np.cumsum(total[::-1], axis=0)[::-1]


def _group_codes(group, n: int, name: str):
    """Return (codes, labels, sparse). With ``sparse`` True the labels are 0..max of small
    non-negative integer groups, some possibly absent (drop empty groups after counting);
    the codes are then the caller's array itself (no copy, no hashing)."""
    if isinstance(group, pd.Series):
        group = group.to_numpy() if not isinstance(group.dtype, pd.CategoricalDtype) else group.array
    if isinstance(group, pd.Categorical):
        codes = np.asarray(group.codes, dtype=np.int64)
        labels = tuple(group.categories)
        sparse = False
    else:
        arr = np.asarray(group)
        if arr.ndim != 1:
            raise StatisticalInputError(f"{name} must be one-dimensional; got shape {arr.shape}.")
        lo = int(arr.min()) if arr.dtype.kind in "iub" and arr.size else -1
        hi = int(arr.max()) if lo >= 0 else -1
        if lo >= 0 and hi < 256:
            codes = arr.view(np.uint8) if arr.dtype.kind == "b" else arr
            labels = tuple(np.arange(hi + 1).astype(arr.dtype).tolist())
            sparse = True
        else:
            codes, uniques = pd.factorize(arr, sort=True, use_na_sentinel=True)
            codes = codes.astype(np.int64)
            labels = tuple(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
            sparse = False
    if codes.shape[0] != n:
        raise StatisticalInputError(
            f"{name} has {codes.shape[0]} values but time has {n}; give one {name} label per time."
        )
    if not sparse and codes.size and codes.min() < 0:
        i = int(np.flatnonzero(codes < 0)[0])
        raise StatisticalInputError(
            f"{name} is missing at position {i}; give every subject a {name} or drop the row."
        )
    return codes, labels, sparse


def _factorize_groups(group, n: int, name: str):
    """Return (codes 0..k-1, labels) with only the labels present (or all categories)."""
    codes, labels, sparse = _group_codes(group, n, name)
    if sparse:
        present = np.flatnonzero(np.bincount(codes, minlength=len(labels)))
        lookup = np.zeros(len(labels), dtype=np.int64)
        lookup[present] = np.arange(present.size)
        codes = lookup[codes]
        labels = tuple(labels[i] for i in present)
    return codes, labels


def _prepare(time, event, weights, causes):
    """(tied times, event codes 0..K, weights, causes, scratch, index): ``index`` as :func:`_tabulate` takes it."""
    causes = _check_causes(causes)
    t, index = as_tied_times_indexed(time, "time")
    scratch = not np.may_share_memory(t, np.asarray(time))
    codes = as_event_codes(event, t.shape[0], causes, "event")
    w = None if weights is None else as_weights(weights, t.shape[0], "weights")
    # Map codes (0 and the causes) onto 0..K, 0 = censored.
    if causes != tuple(range(1, len(causes) + 1)):
        lookup = np.zeros(max(causes) + 1, dtype=np.int64)
        lookup[list(causes)] = np.arange(1, len(causes) + 1)
        codes = lookup[codes]
    return t, codes, w, causes, scratch, index
