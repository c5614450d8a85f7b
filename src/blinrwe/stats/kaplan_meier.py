"""Kaplan-Meier survival with Greenwood variance, quantiles and landmarks.

Definitions (domain-spec section 5): product-limit estimator; Greenwood variance
``Var(S(t)) = S(t)^2 * sum d/(n(n-d))``; pointwise CI on a transformed scale
(default log-log, as SAS PROC LIFETEST and the seed publications; the transforms
and their edge rules are in :mod:`blinrwe.stats.kaplan_meier_ci`); median and other
quantiles with the Brookmeyer-Crowley CI; landmark rates. Median follow-up by
reverse Kaplan-Meier (domain-spec section 4) is in :mod:`blinrwe.stats.follow_up`.

Conventions, chosen to equal R ``survival`` (golden values from survival 3.5-3 in
``tests/stats/golden/km_logrank.json``):

* ``table`` has one row per distinct time with an event *or* a censoring, as
  ``survfit``; censorings at an event time are at risk at that time.
* ``std_err`` is the Greenwood standard error of S(t), ``S * sqrt(sum d/(n(n-d)))``
  (R's ``survfit$std.err`` is the SE of the cumulative hazard, ``sqrt(sum ...)``;
  ``summary.survfit`` reports ours). Once S(t) = 0 the sum is infinite and
  ``std_err`` is NaN, as in R.
* Pointwise CIs use ``se = sqrt(sum d/(n(n-d)))`` and R 3.5's ``survfit_confint``
  edge rules (:mod:`blinrwe.stats.kaplan_meier_ci`).
* Quantiles (``quantile(p)`` is the time by which a fraction p has had the event,
  so the median is p = 0.5) follow R ``quantile.survfit``: the first time the
  curve reaches 1 - p; if the curve is flat at exactly 1 - p (within
  sqrt(machine eps)) the midpoint of the flat segment, and if it stays at 1 - p
  to the end, the midpoint between the time it got there and the last
  observation time. The CI is where the lower and upper pointwise bands reach
  1 - p, by the same rule (Brookmeyer-Crowley with the chosen transform).
  ``rule="sas"`` follows SAS PROC LIFETEST instead: the estimate is the smallest
  event time with S(t) < 1 - p (midpoint when S = 1 - p exactly on
  [t_j, t_j+1), not estimable when that flat runs to the end), and the CI is
  [smallest event time whose transformed test of S(t) = 1 - p is not rejected,
  the event time following the largest such time] (not estimable when the largest
  is the last event time, or when the following event time takes S to 0), as
  documented in the SAS/STAT LIFETEST "Computational Formulas". Checked against SAS
  PROC LIFETEST output published by the PSI CAMIS project (CONFTYPE=LOGLOG; values
  in ``tests/stats/golden/sas_lifetest.json`` with their source).
* ``at(times)`` equals ``summary(fit, times=, extend=TRUE)`` up to the last
  observation time (before the first observed time S = 1 with bounds 1, 1, as R). Beyond it R carries the last estimate forward; here the
  estimate is NaN with ``estimable = False`` (a landmark not reached by follow-up
  is "NE"), except when the curve has already fallen to 0 (everyone had the
  event), where S = 0 is known and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level
from .counts import EventCounts, event_counts
from .kaplan_meier_ci import _CONF_LABEL, _conf_type, _transform, pointwise_ci

__all__ = [
    "KaplanMeier",
    "SurvivalQuantile",
    "kaplan_meier",
    "kaplan_meier_from_counts",
]

# R quantile.survfit's tolerance for "the curve is flat at exactly p".
_TOL = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class SurvivalQuantile:
    """Time by which a fraction ``p`` has had the event (median: p = 0.5).

    ``estimate`` is None when the curve never falls to 1 - p ("NR", not reached);
    ``lower``/``upper`` are None where the band never reaches 1 - p ("NE").
    """

    p: float
    estimate: float | None
    lower: float | None
    upper: float | None
    level: float
    conf_type: str
    rule: str
    method: str

    @property
    def reached(self) -> bool:
        return self.estimate is not None


def _none_if_nan(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def _first_occurrence(y: np.ndarray) -> np.ndarray:
    """Mask of values not seen before (R ``!duplicated(y)``; NaN equals NaN)."""
    return ~pd.Series(y).duplicated().to_numpy()


def _approx_index(y: np.ndarray, v: float) -> float:
    """R ``approx(y, seq_along(y), v, method="constant", f=1)``: 1-based index or NaN.

    NaN pairs are dropped and the pairs sorted by ``y`` (R ``regularize.values``);
    the result is the index paired with the smallest y >= v, NaN outside the range.
    """
    ok = ~np.isnan(y)
    ys = y[ok]
    idx = np.flatnonzero(ok) + 1
    if ys.size == 0:
        return np.nan
    order = np.argsort(ys, kind="stable")
    ys = ys[order]
    idx = idx[order]
    if v < ys[0] or v > ys[-1]:
        return np.nan
    return float(idx[np.searchsorted(ys, v, side="left")])


def _findq(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """R survival ``findq``: where the CDF ``y`` (with x) first reaches ``p``; midpoint on flats."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return np.nan
    xmax = x[-1]
    keep = _first_occurrence(y)
    x = x[keep]
    y = y[keep]
    i1 = _approx_index(y + _TOL, p)
    i2 = _approx_index(y - _TOL, p)
    x1 = x[int(i1) - 1] if not np.isnan(i1) else np.nan
    x2 = x[int(i2) - 1] if not np.isnan(i2) else np.nan
    quant = (x1 + x2) / 2
    if p == 0:
        quant = x[0]
    if not np.isnan(y[-1]) and abs(p - y[-1]) < _TOL:
        quant = (x1 + xmax) / 2
    return quant


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A Kaplan-Meier curve; ``table`` has one row per distinct time (see module docstring)."""

    counts: EventCounts
    conf_type: str
    level: float
    surv: np.ndarray = field(repr=False)
    se_log: np.ndarray = field(repr=False)  # sqrt(sum d/(n(n-d))), R survfit$std.err
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)

    @property
    def method(self) -> str:
        return (
            f"Kaplan-Meier; Greenwood variance; {_CONF_LABEL[self.conf_type]}; "
            "Brookmeyer-Crowley quantile CI"
        )

    @property
    def n(self) -> int:
        return self.counts.n

    @property
    def n_events(self) -> int:
        return int(self.counts.n_event.sum())

    @property
    def std_err(self) -> np.ndarray:
        """Greenwood SE of S(t) (NaN once S = 0, as R)."""
        with np.errstate(invalid="ignore"):
            return self.surv * self.se_log

    @property
    def table(self) -> pd.DataFrame:
        c = self.counts
        return pd.DataFrame(
            {
                "time": c.time,
                "n_risk": c.n_risk,
                "n_event": c.n_event,
                "n_censor": c.n_censor,
                "survival": self.surv,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    # --- quantiles ------------------------------------------------------------

    def quantile(self, p: float, rule: str = "r") -> SurvivalQuantile:
        """Time by which a fraction ``p`` had the event, with its Brookmeyer-Crowley CI.

        ``rule="r"`` (default) equals R ``quantile.survfit``; ``rule="sas"`` follows
        SAS PROC LIFETEST (see module docstring).
        """
        try:
            p = float(p)
        except (TypeError, ValueError) as exc:
            raise StatisticalInputError(f"p must be a probability such as 0.5; got {p!r}.") from exc
        if not 0.0 <= p <= 1.0:
            raise StatisticalInputError(f"p must be between 0 and 1 (0.5 for the median); got {p!r}.")
        rule = str(rule).lower()
        if rule == "r":
            x = np.concatenate([[0.0], self.counts.time])
            est = _findq(x, np.concatenate([[0.0], 1 - self.surv]), p)
            lo = _findq(x, np.concatenate([[0.0], 1 - self.lower]), p)
            hi = _findq(x, np.concatenate([[0.0], 1 - self.upper]), p)
            label = "R quantile.survfit rule"
        elif rule == "sas":
            est, lo, hi = self._quantile_sas(p)
            label = "SAS LIFETEST rule"
        else:
            raise StatisticalInputError(f"rule must be 'r' or 'sas'; got {rule!r}.")
        return SurvivalQuantile(
            p=p,
            estimate=_none_if_nan(est),
            lower=_none_if_nan(lo),
            upper=_none_if_nan(hi),
            level=self.level,
            conf_type=self.conf_type,
            rule=rule,
            method=f"Kaplan-Meier quantile ({label}); Brookmeyer-Crowley CI, {_CONF_LABEL[self.conf_type]}",
        )

    def median(self, rule: str = "r") -> SurvivalQuantile:
        """Median time to event (p = 0.5); None = not reached (NR)."""
        return self.quantile(0.5, rule=rule)

    def _quantile_sas(self, p: float):
        ev = self.counts.n_event > 0
        t = self.counts.time[ev]
        s = self.surv[ev]
        se = self.se_log[ev]
        target = 1.0 - p
        est = np.nan
        below = np.flatnonzero(s < target - _TOL)
        flat = np.flatnonzero(np.abs(s - target) < _TOL)
        if flat.size:
            j = flat[0]
            est = (t[j] + t[j + 1]) / 2 if j + 1 < t.size else np.nan
        elif below.size:
            est = t[below[0]]
        z = norm.ppf(1 - (1 - self.level) / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            g, g_target, gprime_se = _transform(self.conf_type, s, target, se)
            stat = (g - g_target) / gprime_se
        inside = np.flatnonzero(np.abs(stat) <= z)
        if inside.size == 0:
            return est, np.nan, np.nan
        lo = t[inside[0]]
        after = inside[-1] + 1
        # SAS prints NE for the upper bound when the next event time is the one that takes S to 0
        # (no variance there to test), and when there is no later event time
        hi = t[after] if after < t.size and s[after] > 0 else np.nan
        return est, lo, hi

    # --- landmarks ------------------------------------------------------------

    def at(self, times) -> pd.DataFrame:
        """Survival at landmark times, as R ``summary(fit, times=, extend=TRUE)``.

        Columns ``time, n_risk, survival, std_err, lower, upper, estimable``.
        Past the last observation time the estimate is NaN and ``estimable`` False
        (R would carry the last value forward), unless S has reached 0.
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if t.ndim != 1 or np.isnan(t).any() or (t < 0).any():
            raise StatisticalInputError(f"times must be landmark times >= 0; got {times!r}.")
        c = self.counts
        k = np.searchsorted(c.time, t, side="right") - 1  # last row with time <= t
        before = k < 0
        kk = np.where(before, 0, k)
        surv = np.where(before, 1.0, self.surv[kk] if c.time.size else 1.0)
        se = np.where(before, 0.0, self.se_log[kk] if c.time.size else 0.0)
        first_at_or_after = np.searchsorted(c.time, t, side="left")
        n_risk = np.where(
            first_at_or_after < c.time.size,
            c.n_risk[np.minimum(first_at_or_after, max(c.time.size - 1, 0))] if c.time.size else 0,
            0,
        )
        last = c.time[-1] if c.time.size else -np.inf
        beyond = t > last
        final_zero = bool(c.time.size) and self.surv[-1] == 0
        estimable = ~beyond | final_zero
        surv = np.where(estimable, surv, np.nan)
        se = np.where(estimable, se, np.nan)
        lower, upper = pointwise_ci(surv, se, self.conf_type, self.level)
        # Before the first observed time R (survfit0) reports S = 1 with bounds 1, 1 for
        # every conf type (the pointwise formula would give NA for log-log and arcsine).
        lower = np.where(before, 1.0, lower)
        upper = np.where(before, 1.0, upper)
        with np.errstate(invalid="ignore"):
            std_err = surv * se
        return pd.DataFrame(
            {
                "time": t,
                "n_risk": n_risk.astype(np.int64),
                "survival": surv,
                "std_err": std_err,
                "lower": lower,
                "upper": upper,
                "estimable": estimable,
            }
        )


def kaplan_meier_from_counts(counts: EventCounts, conf_type: str = "log-log", level: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier from per-time counts (e.g. :func:`blinrwe.stats.event_counts_from_table`)."""
    if not isinstance(counts, EventCounts):
        raise StatisticalInputError(
            f"counts must be an EventCounts (from event_counts or event_counts_from_table); got {type(counts).__name__}."
        )
    conf_type = _conf_type(conf_type)
    level = as_level(level)
    if counts.n == 0:
        raise StatisticalInputError("no subjects: time and event are empty, so there is no curve to estimate.")
    n = counts.n_risk.astype(float)
    d = counts.n_event.astype(float)
    surv = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Greenwood increments; infinite once everyone at risk has the event (as R).
        inc = np.where(d > 0, d / (n * (n - d)), 0.0)
    se_log = np.sqrt(np.cumsum(inc))
    lower, upper = pointwise_ci(surv, se_log, conf_type, level)
    for arr in (surv, se_log, lower, upper):
        arr.flags.writeable = False
    return KaplanMeier(counts=counts, conf_type=conf_type, level=level, surv=surv, se_log=se_log,
                       lower=lower, upper=upper)


def kaplan_meier(time, event, conf_type: str = "log-log", level: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier survival from one row per subject: ``time`` >= 0, ``event`` 1 = event, 0 = censored."""
    return kaplan_meier_from_counts(event_counts(time, event), conf_type=conf_type, level=level)
