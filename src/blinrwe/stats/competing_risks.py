"""Cumulative incidence with competing risks and Gray's test, equal to R ``cmprsk::cuminc``.

Clinical meaning: when a patient can fail in several exclusive ways (relapse, or
death in remission without relapse: the standard pair after transplant or in
leukaemia), the cumulative incidence function (CIF) of a cause is the
probability of having failed *from that cause* by time t. Unlike 1 - Kaplan-Meier
with the competing event censored, it does not pretend the competing event could
be followed by the event of interest; the CIFs of all causes plus overall
event-free survival add up to 1.

Definitions (Kalbfleisch & Prentice 1980; Gray 1988, Ann. Stat. 16:1141; R
``cmprsk`` 2.2, whose Fortran ``cinc`` this module ports as vectorised array
arithmetic; its ``crstm`` is ported in :mod:`blinrwe.stats.gray_statistic`):

* Estimate (Aalen-Johansen): ``F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j`` with S
  the Kaplan-Meier estimate of being free of any event, ``n_j`` at risk and
  ``d_kj`` cause-k events at ``t_j``. Censorings tied with events are at risk at
  that time (events precede censorings).
* Variance: cmprsk's delta-method (Aalen-type) estimator, ``sum_{t_j <= t}`` of
  ``(1 + (F_k(t_j) - F_k(t)) / S(t_j))^2 S(t_j-)^2 d_kj (n_j - d_kj) / ((n_j - 1) n_j^2)``
  over cause-k events and ``((F_k(t_j) - F_k(t)) / S(t_j))^2 S(t_j-)^2 d_oj (n_j - d_oj) / ((n_j - 1) n_j^2)``
  over competing events (the ``(n-d)/(n-1)`` tie factor only when d > 1).
* CI: not given by cmprsk. We use the log(-log) transform (as the KM intervals of
  this project, and the default of ``tidycmprsk``/SAS ``PROC LIFETEST`` CIF):
  ``F^exp(+/- z sqrt(Var) / (F log F))``; it stays inside (0, 1). Where F = 0 the
  bounds are NaN (not estimable) and where F = 1 they are (1, 1), exactly what
  the formula gives in R.
* ``at(times)``: the step function at or before each time, as
  ``cmprsk::timepoints``: 0 before the first event, NaN after the group's last
  observation (event or censoring) time.
* Gray's test (``gray_test``): K-sample test that a cause's CIF is the same in
  all groups, ``s' V^-1 s`` ~ chi-square(K-1) on the score of the first K-1 groups,
  weight ``(1 - F(t-))^rho`` (rho = 0 default, as cmprsk), summed over ``strata``;
  computed in :mod:`blinrwe.stats.gray_statistic` (definition and sources there).
  A singular variance gives ``stat`` and ``p`` NaN with the reason in ``note``
  (cmprsk reports ``stat = -1, p = 1``, a p value that reads as "no difference"
  where there is no test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level, as_times, tie_near_times
from .counts import _grouped_from_codes
from .gray_statistic import _gray_all_causes

__all__ = ["CumulativeIncidence", "cumulative_incidence", "gray_test"]

ALL_GROUP = "all"  # group label when no grouping variable is given


# --- inputs -------------------------------------------------------------------------


def _labels_of(values, n: int, name: str):
    """Factorize a grouping vector: codes 0.., labels sorted (or Categorical order), empty ones dropped."""
    if isinstance(values, pd.Series):
        values = values.array if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
    if isinstance(values, pd.Categorical):
        codes = np.asarray(values.codes, dtype=np.int64)
        labels = list(values.categories)
    else:
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise StatisticalInputError(f"{name} must be one-dimensional; got shape {arr.shape}.")
        codes, uniques = pd.factorize(arr, sort=True, use_na_sentinel=True)
        codes = codes.astype(np.int64)
        labels = list(uniques)
    if codes.shape[0] != n:
        raise StatisticalInputError(f"{name} has {codes.shape[0]} values but time has {n}; give one per subject.")
    if codes.size and codes.min() < 0:
        i = int(np.flatnonzero(codes < 0)[0])
        raise StatisticalInputError(f"{name} is missing at position {i}; give every subject a {name} or drop the row.")
    used = np.bincount(codes, minlength=len(labels)) > 0
    remap = np.cumsum(used) - 1
    labels = [_plain(lab) for lab, u in zip(labels, used) if u]
    return remap[codes], labels


def _plain(value):
    """numpy scalars -> Python scalars (for readable tables and comparisons)."""
    return value.item() if isinstance(value, np.generic) else value


def _event_codes(event_type, n: int, censored):
    """Return (codes: 0 censored, 1..K causes in sorted label order, cause labels)."""
    if isinstance(event_type, pd.Series):
        event_type = event_type.to_numpy()
    arr = np.asarray(event_type)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise StatisticalInputError(
            f"event_type must have one code per time ({n}); got shape {arr.shape}."
        )
    missing = pd.isna(arr)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise StatisticalInputError(
            f"event_type is missing at position {i}; code every subject ({censored!r} = censored, "
            "otherwise the cause, e.g. 1 = relapse, 2 = death without relapse)."
        )
    if arr.dtype.kind in "iufb":
        is_cens = arr == censored
    else:
        is_cens = arr.astype(str) == str(censored)
    causes_arr = arr[~is_cens]
    codes = np.zeros(n, dtype=np.int64)
    if causes_arr.size:
        cause_codes, labels = pd.factorize(causes_arr, sort=True)
        codes[~is_cens] = cause_codes + 1
        labels = [_plain(v) for v in labels]
    else:
        labels = []
    return codes, labels


def _match_label(value, labels: list, name: str):
    for lab in labels:
        if lab == value or str(lab) == str(value):
            return lab
    return None


# --- estimate and variance (cmprsk cinc) ------------------------------------------------------


def _cif_curve(n_risk, d_cause, d_other):
    """Estimate and cmprsk variance of one cause's CIF at each distinct time of one group."""
    n = n_risk.astype(float)
    d1 = d_cause.astype(float)
    d2 = d_other.astype(float)
    surv = np.cumprod((n - d1 - d2) / n)  # S(t_j), event-free (any cause) KM
    surv_before = np.concatenate(([1.0], surv[:-1]))  # S(t_j-)
    est = np.cumsum(surv_before * d1 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = np.where(surv > 0, 1.0 / surv, 0.0)

        def tie(d):
            return np.where(d > 1, 1.0 - (d - 1.0) / (n - 1.0), 1.0)

        # competing events at t_j (skipped when S(t_j) = 0): h = F(t_j)/S(t_j), g = 1/S(t_j)
        w2 = np.where((d2 > 0) & (surv > 0), surv_before**2 * tie(d2) * d2 / (n * n), 0.0)
        h2, g2 = est * inv_s, inv_s
        # cause events at t_j: h = 1 + F(t_j)/S(t_j), g = 1/S(t_j) (0 when S(t_j) = 0)
        w1 = np.where(d1 > 0, surv_before**2 * tie(d1) * d1 / (n * n), 0.0)
        h1, g1 = 1.0 + est * inv_s, inv_s
    # running sums in cmprsk's order (competing term, then cause term, at each time)
    v1 = np.cumsum(np.column_stack((h2 * h2 * w2, h1 * h1 * w1)).ravel())[1::2]
    v2 = np.cumsum(np.column_stack((g2 * h2 * w2, g1 * h1 * w1)).ravel())[1::2]
    v3 = np.cumsum(np.column_stack((g2 * g2 * w2, g1 * g1 * w1)).ravel())[1::2]
    var_at_event = v1 + est * est * v3 - 2.0 * est * v2
    # Var F(t) changes only at the cause's event times (F is constant in between)
    jump = d1 > 0
    idx = np.maximum.accumulate(np.where(jump, np.arange(jump.size), -1))
    var = np.where(idx >= 0, var_at_event[np.maximum(idx, 0)], 0.0)
    return est, var


def cif_frame(counts, cause_index: int, group, cause, level: float) -> pd.DataFrame:
    """The Aalen-Johansen curve of one cause in one group's counts (column ``cause_index`` of
    ``n_event_by_cause``), as rows of the ``CumulativeIncidence.table``."""
    d_cause = counts.n_event_by_cause[:, cause_index]
    d_other = counts.n_event - d_cause
    est, var = _cif_curve(counts.n_risk, d_cause, d_other)
    lower, upper = loglog_ci(est, var, level)
    return pd.DataFrame({
        "group": [group] * counts.time.size, "cause": [cause] * counts.time.size, "time": counts.time,
        "n_risk": counts.n_risk, "n_event": d_cause, "n_competing": d_other, "n_censor": counts.n_censor,
        "estimate": est, "variance": var, "lower": lower, "upper": upper,
    })


def loglog_ci(estimate, variance, level: float):
    """Pointwise CI ``F^exp(+/- z sqrt(Var) / (F log F))`` (NaN at F = 0, (1, 1) at F = 1)."""
    z = _sps.norm.ppf((1 + level) / 2)
    est = np.asarray(estimate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = z * np.sqrt(np.asarray(variance, dtype=float)) / (est * np.log(est))
        a = np.power(est, np.exp(k))
        b = np.power(est, np.exp(-k))
    return np.fmin(a, b), np.fmax(a, b)


# --- Gray's test (cmprsk crstm/crst; the statistic is in gray_statistic) ------------------------


def gray_test(time, event_type, cause, group, strata=None, rho: float = 0.0, *, censored=0) -> pd.DataFrame:
    """Gray's test for each cause (or the one given); see :func:`cumulative_incidence`."""
    result = cumulative_incidence(time, event_type, cause, group=group, strata=strata, rho=rho, censored=censored)
    return result.gray_test


# --- result ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CumulativeIncidence:
    """Result of :func:`cumulative_incidence`.

    ``table``: the step curve of every group x cause, one row per distinct
    observation time of the group: ``group, cause, time, n_risk, n_event,
    n_competing, n_censor, estimate, variance, lower, upper``.
    ``gray_test``: ``cause, stat, df, p, note`` (one row per cause, as ``cuminc$Tests``),
    or None without groups; ``stat`` and ``p`` are NaN where the score variance is
    singular, with the reason in ``note`` ("" otherwise).
    """

    cause: object
    causes: tuple
    groups: tuple
    level: float
    table: pd.DataFrame
    gray_test: pd.DataFrame | None
    method: str
    gray_method: str | None

    def at(self, times, cause=None) -> pd.DataFrame:
        """Estimates at ``times`` per group (``cmprsk::timepoints``): ``group, time, estimate, variance, lower, upper``.

        The value at a time is the step function at or before it; NaN after the
        group's last observation time. ``cause`` defaults to the cause of interest.
        """
        lab = self.cause if cause is None else _match_label(cause, list(self.causes), "cause")
        if lab is None:
            raise StatisticalInputError(f"cause {cause!r} is not one of {list(self.causes)}.")
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if t.ndim != 1 or np.isnan(t).any() or (t < 0).any():
            raise StatisticalInputError(f"times must be non-negative numbers; got {times!r}.")
        out = []
        for g in self.groups:
            cur = self.table[(self.table["group"] == g) & (self.table["cause"] == lab)]
            ct = cur["time"].to_numpy()
            j = np.searchsorted(ct, t, side="right") - 1
            est = np.where(j >= 0, cur["estimate"].to_numpy()[np.maximum(j, 0)], 0.0)
            var = np.where(j >= 0, cur["variance"].to_numpy()[np.maximum(j, 0)], 0.0)
            beyond = t > ct[-1]
            est = np.where(beyond, np.nan, est)
            var = np.where(beyond, np.nan, var)
            lower, upper = loglog_ci(est, var, self.level)
            out.append(pd.DataFrame({"group": [g] * t.size, "time": t, "estimate": est, "variance": var,
                                     "lower": lower, "upper": upper}))
        return pd.concat(out, ignore_index=True)


def cumulative_incidence(
    time,
    event_type,
    cause,
    group=None,
    level: float = 0.95,
    *,
    strata=None,
    rho: float = 0.0,
    censored=0,
) -> CumulativeIncidence:
    """Cumulative incidence of each cause by group, as R ``cmprsk::cuminc`` (see module docstring).

    Parameters
    ----------
    time : times from the origin (>= 0).
    event_type : ``censored`` (default 0) for censored, otherwise the cause (integer or label),
        e.g. 1 = relapse, 2 = death without relapse.
    cause : the cause of interest (the default of ``at``); curves are computed for every cause.
    group : optional group of each subject; Gray's test compares the groups.
    level : confidence level of the pointwise intervals.
    strata : optional stratum of each subject for Gray's test (cuminc ``strata``).
    rho : power of the weight ``(1 - F(t-))^rho`` in Gray's test (cmprsk default 0).
    """
    level = as_level(level)
    t = tie_near_times(as_times(time, "time").astype(np.float64))
    n = t.shape[0]
    if n == 0:
        raise StatisticalInputError("time is empty; give at least one subject.")
    codes, labels = _event_codes(event_type, n, censored)
    lab = _match_label(cause, labels, "cause")
    if lab is None:
        # a cause without any event in these data: its incidence is 0 everywhere
        try:
            new_labels = sorted(labels + [cause])
        except TypeError as exc:
            raise StatisticalInputError(
                f"cause {cause!r} is not one of the event_type codes {labels}; give the code of the cause of interest."
            ) from exc
        remap = np.array([0] + [new_labels.index(v) + 1 for v in labels], dtype=np.int64)
        codes, labels, lab = remap[codes], new_labels, cause
    try:
        rho = float(rho)
    except (TypeError, ValueError) as exc:
        raise StatisticalInputError(f"rho must be a number (0 = Gray's default); got {rho!r}.") from exc
    if group is None:
        gidx, groups = np.zeros(n, dtype=np.int64), [ALL_GROUP]
    else:
        gidx, groups = _labels_of(group, n, "group")
    scodes = np.zeros(n, dtype=np.int64) if strata is None else _labels_of(strata, n, "strata")[0]

    k = len(labels)
    cause_codes = tuple(range(1, k + 1)) if k else (1,)
    frames = []
    by_group = _grouped_from_codes(t, codes, gidx, tuple(range(len(groups))), None, cause_codes)
    for gi, g in enumerate(groups):
        counts = by_group.group(gi)
        frames += [cif_frame(counts, ci, g, c, level) for ci, c in enumerate(labels)]
    table = pd.concat(frames, ignore_index=True)

    gray = None
    gray_method = None
    if len(groups) > 1 and k:
        rows = _gray_all_causes(t, codes, gidx, len(groups), scodes, k, rho)
        stat = np.array([r[0] for r in rows])
        df = len(groups) - 1
        gray = pd.DataFrame({"cause": labels, "stat": stat, "df": df, "p": _sps.chi2.sf(stat, df),
                             "note": [r[1] for r in rows]})
        gray_method = (
            f"Gray's test (cmprsk cuminc), rho = {rho:g}" + (", stratified" if strata is not None else "")
        )
    method = (
        "Cumulative incidence (Aalen-Johansen), cmprsk delta-method variance, "
        f"log(-log) pointwise {level:.0%} CI"
    )
    return CumulativeIncidence(
        cause=lab, causes=tuple(labels), groups=tuple(groups), level=level, table=table,
        gray_test=gray, method=method, gray_method=gray_method,
    )
