"""Restricted mean survival time (RMST): the mean time event-free up to a horizon ``tau``.

Clinical meaning: the area under the Kaplan-Meier curve from 0 to ``tau``, i.e. the
average number of months (or days) a patient lives event-free within the first ``tau``;
the difference between two groups is the months gained or lost within that horizon. It
needs no proportional hazards and is defined when a median is not reached.

Conventions, chosen to equal R ``survival`` (``summary(survfit(...), rmean = tau)``,
``survival:::survmean``; golden values in ``tests/stats/golden/rmst.json``):

* the curve is the Kaplan-Meier step function on the per-time counts; when ``tau`` lies
  beyond the last observed time the curve is carried flat to ``tau`` (R does the same;
  ``table.beyond_follow_up`` flags it, as the estimate then extrapolates);
* ``se`` is R's variance of the mean (Miller 1981, p. 195):
  ``sum_i A_i^2 d_i / (n_i (n_i - d_i))`` over the times ``t_i <= tau``, with ``A_i`` the area
  under the curve between ``t_i`` and ``tau``; a time at which everyone at risk has the event
  contributes 0 (R's rule, as the curve is then 0 after it);
* R refuses a ``tau`` before the first observed time; here the curve is 1 there, so the RMST is
  ``tau`` with standard error 0;
* CIs are normal, ``rmst +/- z * se``; for two groups ``difference`` is the first level minus
  the second (levels in sorted order, or the categories' order of a categorical ``group``), with
  ``se = sqrt(se1^2 + se2^2)``, a normal CI and a two-sided Wald p.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level
from .counts import EventCounts, event_counts, grouped_event_counts

__all__ = ["RestrictedMean", "rmst", "rmst_from_counts"]


@dataclass(frozen=True)
class RestrictedMean:
    """RMST per group to ``tau``.

    ``table``: one row per group: ``group, n, n_events, rmst, se, lower, upper, beyond_follow_up``.
    ``difference``: for two groups, one row ``contrast, estimate, se, lower, upper, p``
    (first level minus second); None otherwise.
    """

    table: pd.DataFrame
    difference: pd.DataFrame | None
    tau: float
    level: float

    @property
    def method(self) -> str:
        return (f"restricted mean survival time to {self.tau:g} (area under the Kaplan-Meier curve), "
                f"R survival variance; normal {self.level:.0%} CI")


def _area_and_variance(counts: EventCounts, tau: float) -> tuple[float, float]:
    """Area under the KM curve on [0, tau] and its variance (``survival:::survmean``, transcribed)."""
    time, n, d = counts.time, counts.n_risk.astype(float), counts.n_event.astype(float)
    surv = np.cumprod(1.0 - np.divide(d, n, out=np.zeros_like(d), where=n > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_term = np.where(n - d > 0, d / (n * (n - d)), 0.0)
    keep = time <= tau
    if not keep.any():
        return float(tau), 0.0
    grid = np.append(time[keep], tau)
    height = np.concatenate(([1.0], surv[keep]))  # curve value on each interval [grid[j-1], grid[j])
    rectangles = np.diff(np.concatenate(([0.0], grid))) * height
    area_after = np.cumsum(rectangles[1:][::-1])[::-1]  # area between time_i and tau, for each kept time
    return float(rectangles.sum()), float(np.sum(area_after**2 * hazard_term[keep]))


def _check_tau(tau) -> float:
    try:
        tau = float(tau)
    except (TypeError, ValueError):
        raise StatisticalInputError(f"tau must be a positive number (the time horizon); got {tau!r}.") from None
    if not np.isfinite(tau) or tau <= 0:
        raise StatisticalInputError(f"tau must be a positive finite number (the time horizon); got {tau!r}.")
    return tau


def _row(counts: EventCounts, tau: float, z: float, group) -> dict:
    mean, var = _area_and_variance(counts, tau) if counts.n else (np.nan, np.nan)  # an empty level: not estimable
    se = float(np.sqrt(var))
    return {"group": group, "n": counts.n, "n_events": int(counts.n_event.sum()), "rmst": mean, "se": se,
            "lower": mean - z * se, "upper": mean + z * se,
            "beyond_follow_up": bool(counts.time.size == 0 or tau > counts.time[-1])}


def rmst_from_counts(counts: EventCounts | dict, tau: float, level: float = 0.95) -> RestrictedMean:
    """RMST from per-time counts: one :class:`EventCounts`, or a dict group label -> counts (in level order)."""
    tau, level = _check_tau(tau), as_level(level)
    z = float(norm.ppf(0.5 + level / 2))
    by_group = counts if isinstance(counts, dict) else {None: counts}
    table = pd.DataFrame([_row(c, tau, z, g) for g, c in by_group.items()])
    difference = None
    if len(table) == 2:
        a, b = table.iloc[0], table.iloc[1]
        est, se = a["rmst"] - b["rmst"], float(np.hypot(a["se"], b["se"]))
        # se = 0 (both curves known exactly to tau): p is 1 for equal areas, else 0; NaN when not estimable
        p = float(2 * norm.sf(abs(est) / se)) if se > 0 else (np.nan if np.isnan(est + se) else float(est == 0))
        difference = pd.DataFrame([{"contrast": f"{a['group']} - {b['group']}", "estimate": est, "se": se,
                                    "lower": est - z * se, "upper": est + z * se, "p": p}])
    return RestrictedMean(table=table, difference=difference, tau=tau, level=level)


def rmst(time, event, tau: float, group=None, level: float = 0.95) -> RestrictedMean:
    """Restricted mean survival time to ``tau`` from one row per patient (``event`` 1 = event, 0 = censored).

    With ``group``, one row per level and, for exactly two levels, their difference.
    """
    if group is None:
        return rmst_from_counts(event_counts(time, event), tau, level)
    grouped = grouped_event_counts(time, event, group)
    return rmst_from_counts({label: grouped.group(label) for label in grouped.groups}, tau, level)
