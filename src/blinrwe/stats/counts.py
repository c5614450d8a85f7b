"""Per-time event counts: the one input of every survival estimator.

A time-to-event analysis needs, at each distinct time ``t`` (ascending), the
number of subjects still at risk just before ``t`` (``n_risk``), the number of
events at ``t`` (``n_event``, per cause for competing risks) and the number
censored at ``t`` (``n_censor``). Kaplan-Meier, Greenwood, the log-rank test and
the Aalen-Johansen cumulative incidence are all functions of these counts, so
the same estimator serves a 30-patient cohort (:func:`event_counts` from one row
per patient) and a registry aggregated by SQL (:func:`event_counts_from_table`
from one row per time, e.g. ``SELECT time, sum(event) AS n_event,
sum(1 - event) AS n_censor FROM tte GROUP BY time`` in duckdb).

Conventions (as R ``survival``): a subject censored at ``t`` is at risk at ``t``
(events are taken to precede censorings at the same time); every time with an
event *or* a censoring gets a row (as ``survfit``); no late entry (everyone is at
risk from time 0), so ``n_risk`` is the number of subjects whose time is ``>= t``;
times within ``sqrt(machine eps)`` of each other are one time (R's ``timefix``,
:func:`blinrwe.stats._inputs.tie_near_times`).

The counting pass itself (one ``np.bincount`` for whole-number days, O(n) without
sorting) is in :mod:`blinrwe.stats.tabulation`; this module holds the count
containers and the ways of building them (one row per subject, an aggregated table,
``(start, stop]`` intervals). One tabulation serves several statistics:
:meth:`GroupedEventCounts.pooled` is the whole sample, :meth:`EventCounts.reversed`
the reverse Kaplan-Meier of follow-up.

Event codes: 0 = censored, otherwise a cause code from ``causes`` (default
``(1,)``: 0/1 data). Competing risks pass e.g. ``causes=(1, 2)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError

from ._inputs import as_event_codes, as_times, as_weights, tie_near_times
from .tabulation import _at_risk, _check_causes, _group_codes, _prepare, _tabulate

__all__ = [
    "EventCounts",
    "GroupedEventCounts",
    "event_counts",
    "grouped_event_counts",
    "event_counts_from_table",
    "counting_process_counts",
]


def _frozen(arr, dtype) -> np.ndarray:
    out = np.array(arr, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class EventCounts:
    """Counts at each distinct time of one sample (one group, one stratum).

    Attributes
    ----------
    time : float64, distinct times with at least one event or censoring, ascending.
    n_risk : int64, subjects at risk just before ``time`` (time >= t).
    n_event : int64, events of any cause at ``time``.
    n_censor : int64, censorings at ``time``.
    n_event_by_cause : int64 array (len(time), len(causes)); column j counts cause ``causes[j]``.
    causes : tuple of the cause codes.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    n_event_by_cause: np.ndarray
    causes: tuple[int, ...] = (1,)

    def __post_init__(self):
        causes = _check_causes(self.causes)
        object.__setattr__(self, "causes", causes)
        for name, dtype in (("time", np.float64), ("n_risk", np.int64), ("n_event", np.int64), ("n_censor", np.int64)):
            object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        by_cause = np.asarray(self.n_event_by_cause, dtype=np.int64)
        if by_cause.ndim == 1:
            by_cause = by_cause[:, None]
        object.__setattr__(self, "n_event_by_cause", _frozen(by_cause, np.int64))
        m = self.time.shape[0]
        if not (self.n_risk.shape == self.n_event.shape == self.n_censor.shape == (m,)):
            raise StatisticalInputError("EventCounts arrays time, n_risk, n_event, n_censor must have equal lengths.")
        if self.n_event_by_cause.shape != (m, len(causes)):
            raise StatisticalInputError(
                f"n_event_by_cause must have shape ({m}, {len(causes)}); got {self.n_event_by_cause.shape}."
            )
        if m > 1 and not np.all(np.diff(self.time) > 0):
            raise StatisticalInputError("EventCounts.time must be distinct and ascending.")

    @property
    def n(self) -> int:
        """Number of subjects (at risk at the first time)."""
        return int(self.n_risk[0]) if self.time.size else 0

    def events_of(self, cause: int) -> np.ndarray:
        """Events of one cause at each time."""
        try:
            j = self.causes.index(int(cause))
        except ValueError as exc:
            raise StatisticalInputError(f"cause {cause!r} is not one of {self.causes}.") from exc
        return self.n_event_by_cause[:, j]

    def reversed(self) -> "EventCounts":
        """Counts of the reverse Kaplan-Meier (censoring is the event, events are censored;
        R ``survfit(Surv(time, 1 - event))``): same times and risk sets, no second tabulation."""
        return EventCounts(time=self.time, n_risk=self.n_risk, n_event=self.n_censor, n_censor=self.n_event,
                           n_event_by_cause=self.n_censor)

    def to_frame(self) -> pd.DataFrame:
        """One row per time: time, n_risk, n_event, n_censor (+ n_event_<cause> when several causes)."""
        data = {"time": self.time, "n_risk": self.n_risk, "n_event": self.n_event, "n_censor": self.n_censor}
        if len(self.causes) > 1:
            for j, c in enumerate(self.causes):
                data[f"n_event_{c}"] = self.n_event_by_cause[:, j]
        return pd.DataFrame(data)


@dataclass(frozen=True, eq=False)
class GroupedEventCounts:
    """Counts of several groups on their pooled distinct times (for log-rank tests).

    ``n_risk``, ``n_event``, ``n_censor`` have shape (len(time), len(groups));
    ``n_event_by_cause`` has shape (len(time), len(groups), len(causes)).
    ``groups`` are in sorted order (or category order for a pandas Categorical).
    """

    time: np.ndarray
    groups: tuple
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    n_event_by_cause: np.ndarray
    causes: tuple[int, ...] = (1,)

    def __post_init__(self):
        object.__setattr__(self, "causes", _check_causes(self.causes))
        object.__setattr__(self, "groups", tuple(self.groups))
        object.__setattr__(self, "time", _frozen(self.time, np.float64))
        for name in ("n_risk", "n_event", "n_censor", "n_event_by_cause"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.int64))
        shape = (self.time.shape[0], len(self.groups))
        if not (self.n_risk.shape == self.n_event.shape == self.n_censor.shape == shape):
            raise StatisticalInputError(f"GroupedEventCounts arrays must have shape {shape}.")

    @property
    def n(self) -> np.ndarray:
        """Subjects per group."""
        if not self.time.size:
            return np.zeros(len(self.groups), dtype=np.int64)
        return self.n_risk[0].copy()

    def pooled(self) -> EventCounts:
        """All groups together."""
        return EventCounts(
            time=self.time,
            n_risk=self.n_risk.sum(axis=1),
            n_event=self.n_event.sum(axis=1),
            n_censor=self.n_censor.sum(axis=1),
            n_event_by_cause=self.n_event_by_cause.sum(axis=1),
            causes=self.causes,
        )

    def group(self, label) -> EventCounts:
        """Counts of one group, on the times where that group has an event or censoring."""
        try:
            j = self.groups.index(label)
        except ValueError as exc:
            raise StatisticalInputError(f"group {label!r} is not one of {list(self.groups)}.") from exc
        keep = (self.n_event[:, j] + self.n_censor[:, j]) > 0
        return EventCounts(
            time=self.time[keep],
            n_risk=self.n_risk[keep, j],
            n_event=self.n_event[keep, j],
            n_censor=self.n_censor[keep, j],
            n_event_by_cause=self.n_event_by_cause[keep, j, :],
            causes=self.causes,
        )


# --- tabulation -------------------------------------------------------------


def _drop_empty_groups(counts: "GroupedEventCounts", keep: np.ndarray | None = None) -> "GroupedEventCounts":
    if keep is None:
        keep = counts.n > 0
    if keep.all():
        return counts
    return GroupedEventCounts(
        time=counts.time,
        groups=tuple(g for g, k in zip(counts.groups, keep) if k),
        n_risk=counts.n_risk[:, keep],
        n_event=counts.n_event[:, keep],
        n_censor=counts.n_censor[:, keep],
        n_event_by_cause=counts.n_event_by_cause[:, keep, :],
        causes=counts.causes,
    )


def event_counts(time, event, *, weights=None, causes: Sequence[int] = (1,)) -> EventCounts:
    """Tabulate individual (or frequency-weighted) follow-up into :class:`EventCounts`.

    Parameters
    ----------
    time : array of times from the origin (>= 0, finite).
    event : array of codes, 0 = censored, otherwise one of ``causes`` (default 0/1).
    weights : optional whole-number frequencies (one row standing for several subjects).
    causes : the event codes; ``(1, 2)`` for an event of interest and a competing event.
    """
    t, codes, w, causes, scratch, index = _prepare(time, event, weights, causes)
    k1 = len(causes) + 1
    values, counts = _tabulate(t, codes, np.zeros(0, np.int64), 1, k1, None if w is None else w.astype(np.float64),
                               scratch, index)
    counts = counts[:, 0, :]
    n_censor = counts[:, 0]
    by_cause = counts[:, 1:]
    n_event = by_cause.sum(axis=1)
    return EventCounts(
        time=values,
        n_risk=_at_risk(counts.sum(axis=1)),
        n_event=n_event,
        n_censor=n_censor,
        n_event_by_cause=by_cause,
        causes=causes,
    )


def grouped_event_counts(time, event, group, *, weights=None, causes: Sequence[int] = (1,)) -> GroupedEventCounts:
    """Tabulate follow-up by group on the pooled distinct times (see :func:`event_counts`)."""
    t, codes, w, causes, scratch, index = _prepare(time, event, weights, causes)
    gidx, labels, sparse = _group_codes(group, t.shape[0], "group")
    counts = _grouped_from_codes(t, codes, gidx, labels, w, causes, scratch, index)
    return _drop_empty_groups(counts) if sparse else counts


def _grouped_from_codes(t, codes, gidx, labels, w, causes, scratch: bool = False, index=None) -> GroupedEventCounts:
    """Tabulate already validated arrays (``gidx`` in 0..len(labels)-1; ``scratch``, ``index``: see _tabulate)."""
    k1 = len(causes) + 1
    values, counts = _tabulate(t, codes, gidx, len(labels), k1, None if w is None else w.astype(np.float64),
                               scratch, index)
    by_cause = counts[:, :, 1:]
    return GroupedEventCounts(
        time=values,
        groups=labels,
        n_risk=_at_risk(counts.sum(axis=2)),
        n_event=by_cause.sum(axis=2),
        n_censor=counts[:, :, 0],
        n_event_by_cause=by_cause,
        causes=causes,
    )


def _column(table, name: str, what: str) -> np.ndarray:
    try:
        col = table[name]
    except (KeyError, IndexError, TypeError) as exc:
        cols = list(getattr(table, "columns", []))
        raise StatisticalInputError(
            f"the aggregated table has no {what} column {name!r} (columns: {cols}); pass {what}=<column name>."
        ) from exc
    return np.asarray(col)


def event_counts_from_table(
    table,
    *,
    time: str = "time",
    n_event: str | Sequence[str] = "n_event",
    n_censor: str = "n_censor",
    group: str | None = None,
    causes: Sequence[int] | None = None,
) -> EventCounts | GroupedEventCounts:
    """Counts from an aggregated table (e.g. a duckdb/SQL ``GROUP BY time`` result).

    ``table`` is a pandas DataFrame (or anything indexable by column name) with one
    row per time (times may repeat; rows are summed), a column of events and a
    column of censorings. For competing risks pass ``n_event`` as a list of
    columns, one per cause (cause codes ``causes``, default 1, 2, ...). With
    ``group`` the result is a :class:`GroupedEventCounts`.
    """
    event_cols = [n_event] if isinstance(n_event, str) else list(n_event)
    if causes is None:
        causes = tuple(range(1, len(event_cols) + 1))
    causes = _check_causes(causes)
    if len(causes) != len(event_cols):
        raise StatisticalInputError(
            f"n_event names {len(event_cols)} columns but causes has {len(causes)} codes; give one cause per column."
        )
    t = _column(table, time, "time")
    pieces_t, pieces_code, pieces_w = [], [], []
    for code, col in [(0, n_censor)] + list(zip(causes, event_cols)):
        counts = as_weights(_column(table, col, "n_censor" if code == 0 else "n_event"), t.shape[0], col)
        pieces_t.append(t)
        pieces_code.append(np.full(t.shape[0], code, dtype=np.int64))
        pieces_w.append(counts)
    all_t = np.concatenate(pieces_t) if pieces_t else t
    all_code = np.concatenate(pieces_code)
    all_w = np.concatenate(pieces_w)
    if group is None:
        return event_counts(all_t, all_code, weights=all_w, causes=causes)
    g = _column(table, group, "group")
    all_g = np.concatenate([g] * (1 + len(event_cols)))
    if isinstance(table, pd.DataFrame) and isinstance(table[group].dtype, pd.CategoricalDtype):
        all_g = pd.Categorical(all_g, categories=table[group].cat.categories)
    return grouped_event_counts(all_t, all_code, all_g, weights=all_w, causes=causes)


def counting_process_counts(start, stop, event) -> EventCounts:
    """Per-time counts of ``(start, stop]`` intervals (delayed entry, time-dependent states): at risk
    when ``start < t <= stop``; every stop time gets a row, as ``survfit(Surv(start, stop, event))``."""
    t0, t1 = as_times(start, "start").astype(float), as_times(stop, "stop").astype(float)
    if t0.shape != t1.shape:
        raise StatisticalInputError(f"start has {t0.size} values but stop has {t1.size}; give one per interval.")
    bad = np.flatnonzero(t0 >= t1)
    if bad.size:
        i = int(bad[0])
        raise StatisticalInputError(f"interval {i} is ({t0[i]}, {t1[i]}]; start must be before stop.")
    d = as_event_codes(event, t1.size, (1,))
    t0, t1 = np.split(tie_near_times(np.concatenate([t0, t1])), 2)
    times = np.unique(t1)
    n_risk = (t1.size - np.searchsorted(np.sort(t1), times, side="left")
              - (t0.size - np.searchsorted(np.sort(t0), times, side="left")))
    n_event = np.bincount(np.searchsorted(times, t1[d == 1]), minlength=times.size)
    n_censor = np.bincount(np.searchsorted(times, t1[d == 0]), minlength=times.size)
    return EventCounts(time=times, n_risk=n_risk, n_event=n_event, n_censor=n_censor, n_event_by_cause=n_event)
