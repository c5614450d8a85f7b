"""Log-rank test (Mantel-Cox) for k groups, stratified, and the test for trend.

Definition (domain-spec section 5, "Log-rank test"): at each distinct event time
with ``N`` at risk and ``D`` events in all groups, group j (``n_j`` at risk)
expects ``E_j = n_j D / N`` events; the variance of O - E is the hypergeometric
``V_jk = D (N - D) / (N - 1) * n_j / N * (delta_jk - n_k / N)``, summed over times
and over strata (stratified test). The statistic is ``(O - E)' V^- (O - E)``,
computed as R ``survdiff`` (rho = 0) does: groups with E = 0 are dropped, then
the first remaining group, and the reduced system is solved; df = (groups with
E > 0) - 1. Equal to R ``survival::survdiff`` (golden values in
``tests/stats/golden/km_logrank.json``) and SAS PROC LIFETEST's log-rank test.

Not estimable (``chisq`` and ``p`` NaN, the reason in ``note``; never an error):
no events; only one group with expected events (the others have nobody at risk at
any event time); a zero or singular variance of O - E, e.g. when at every event time
every patient at risk has the event (``D = N``, so each term ``D (N - D)`` is 0).
R's ``survdiff`` stops there with "system is exactly singular" from ``solve``; SAS
prints no test. Singular is decided by R ``qr()``'s rank rule (``stats._chi_square``).

Test for trend across ordered groups with scores w (SAS LIFETEST ``TREND``):
``chi2 = (w'(O - E))^2 / (w' V w)`` on 1 df, from the same O - E and V.

Groups are ordered as sorted labels (R factor levels), or category order for a
pandas Categorical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2

from blinrwe.errors import StatisticalInputError

from ._chi_square import quadratic_form
from ._inputs import as_event_codes, as_tied_times
from .counts import GroupedEventCounts, _drop_empty_groups, _grouped_from_codes
from .tabulation import _factorize_groups, _group_codes

__all__ = ["LogRankTest", "LogRankTrend", "logrank", "logrank_from_counts", "logrank_trend"]


@dataclass(frozen=True, eq=False)
class LogRankTest:
    """Log-rank test result. ``table``: group, n, observed, expected; ``variance``: V of O - E."""

    chisq: float
    df: int
    p: float
    table: pd.DataFrame = field(repr=False)
    variance: np.ndarray = field(repr=False)
    stratified: bool = False
    method: str = "log-rank test (Mantel-Cox; R survdiff rho = 0)"
    note: str = ""  # why chisq and p are NaN (not estimable); "" when they are computed

    @property
    def groups(self) -> tuple:
        return tuple(self.table["group"])


@dataclass(frozen=True)
class LogRankTrend:
    """Log-rank test for trend across ordered groups (1 df). ``z`` is signed: > 0 means
    more events than expected in groups with higher scores."""

    chisq: float
    z: float
    p: float
    scores: tuple
    groups: tuple
    df: int = 1
    method: str = "log-rank test for trend (scores w: (w'(O-E))^2 / w'Vw, 1 df)"
    note: str = ""  # why chisq, z and p are NaN (not estimable); "" when they are computed


def _accumulate(counts: GroupedEventCounts, rho: float = 0.0):
    """O, E, V of one stratum, each event time weighted by S(t-)^rho (1 for the log-rank test)."""
    n = counts.n_risk.astype(float)
    d = counts.n_event.astype(float)
    total_n = n.sum(axis=1)
    total_d = d.sum(axis=1)
    weight = np.ones_like(total_n)
    if rho != 0:  # left-continuous Kaplan-Meier of the pooled stratum, as survdiff2.c
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(total_n > 0, (total_n - total_d) / total_n, 1.0)
        weight = np.concatenate(([1.0], np.cumprod(factor)[:-1])) ** rho
    keep = total_d > 0
    n, d, total_n, total_d, weight = n[keep], d[keep], total_n[keep], total_d[keep], weight[keep]
    share = n / total_n[:, None]
    observed = (weight[:, None] * d).sum(axis=0)
    expected = (weight[:, None] * share * total_d[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = weight**2 * np.where(total_n > 1, total_d * (total_n - total_d) / (total_n - 1), 0.0)
    variance = np.diag((w[:, None] * share).sum(axis=0)) - (share * w[:, None]).T @ share
    return observed, expected, variance


def _method(rho: float) -> str:
    if rho == 0:
        return "log-rank test (Mantel-Cox; R survdiff rho = 0)"
    if rho == 1:
        return "Peto-Peto modification of the Gehan-Wilcoxon test (weights S(t-); R survdiff rho = 1)"
    return f"Fleming-Harrington G({rho:g}) weighted log-rank test (weights S(t-)^{rho:g}; R survdiff rho = {rho:g})"


_ZERO_VARIANCE = (
    "variance is zero: at every event time all patients at risk had the event, so the groups cannot be "
    "compared (R survdiff stops with a singular system)"
)


def _chisq(observed, expected, variance) -> tuple[float, int, str]:
    """Chi-square, df and, when it cannot be computed, the reason (chi-square NaN)."""
    use = expected > 0
    df = int(use.sum()) - 1
    if df < 1:
        why = "no events in any group" if df < 0 else (
            "only one group had patients at risk at the event times, so there is nothing to compare")
        return float("nan"), max(df, 0), why
    idx = np.flatnonzero(use)[1:]
    diff = (observed - expected)[idx]
    vv = variance[np.ix_(idx, idx)]
    chisq = quadratic_form(diff, vv)
    if np.isnan(chisq):
        return chisq, df, _ZERO_VARIANCE if not np.any(vv) else (
            "variance matrix of O - E is singular: a group is at risk only at event times where every "
            "patient at risk had the event; merge or drop that group"
        )
    return chisq, df, ""


def logrank_from_counts(strata_counts, rho: float = 0.0) -> LogRankTest:
    """Log-rank test from one :class:`GroupedEventCounts` or a list of them (one per stratum,
    with the same ``groups``); ``rho`` > 0 weights early differences more (see :func:`logrank`)."""
    try:
        rho = float(rho)
    except (TypeError, ValueError):
        raise StatisticalInputError(f"rho must be a number >= 0 (0 log-rank, 1 Peto-Peto); got {rho!r}.") from None
    if not (np.isfinite(rho) and rho >= 0):
        raise StatisticalInputError(f"rho must be a number >= 0 (0 log-rank, 1 Peto-Peto); got {rho!r}.")
    if isinstance(strata_counts, GroupedEventCounts):
        strata_counts = [strata_counts]
    strata_counts = list(strata_counts)
    if not strata_counts or not all(isinstance(c, GroupedEventCounts) for c in strata_counts):
        raise StatisticalInputError("logrank_from_counts needs GroupedEventCounts (from grouped_event_counts).")
    groups = strata_counts[0].groups
    if any(c.groups != groups for c in strata_counts):
        raise StatisticalInputError("every stratum must have the same groups in the same order.")
    k = len(groups)
    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    n = np.zeros(k, dtype=np.int64)
    for c in strata_counts:
        o, e, v = _accumulate(c, rho)
        observed += o
        expected += e
        variance += v
        n += c.n
    chisq, df, note = _chisq(observed, expected, variance)
    p = float("nan") if note else float(chi2.sf(chisq, df))
    table = pd.DataFrame({"group": list(groups), "n": n, "observed": observed, "expected": expected})
    variance.flags.writeable = False
    return LogRankTest(chisq=chisq, df=df, p=p, table=table, variance=variance,
                       stratified=len(strata_counts) > 1, method=_method(rho), note=note)


def _stratum_counts(time, event, group, strata):
    """Validate once, tabulate once (strata x groups as one index), split by stratum."""
    t = as_tied_times(time, "time")
    scratch = not np.may_share_memory(t, np.asarray(time))  # a cast of float days: the key may reuse it
    e = as_event_codes(event, t.shape[0], (1,), "event")
    gcodes, labels, sparse = _group_codes(group, t.shape[0], "group")
    k = len(labels)
    if strata is None:
        parts = [_grouped_from_codes(t, e, gcodes, tuple(range(k)), None, (1,), scratch)]
    else:
        scodes, slabels = _factorize_groups(strata, t.shape[0], "strata")
        both = _grouped_from_codes(t, e, scodes * k + gcodes, tuple(range(len(slabels) * k)), None, (1,), scratch)
        parts = []
        for s in range(len(slabels)):
            cols = slice(s * k, (s + 1) * k)
            parts.append(GroupedEventCounts(
                time=both.time, groups=tuple(range(k)), n_risk=both.n_risk[:, cols],
                n_event=both.n_event[:, cols], n_censor=both.n_censor[:, cols],
                n_event_by_cause=both.n_event_by_cause[:, cols, :], causes=(1,),
            ))
    if sparse:  # small integer labels: drop the values that no subject has
        keep = sum(p.n for p in parts) > 0
        parts = [_drop_empty_groups(p, keep) for p in parts]
        labels = tuple(lab for lab, k_ in zip(labels, keep) if k_)
        parts = [GroupedEventCounts(time=p.time, groups=tuple(range(len(labels))), n_risk=p.n_risk,
                                    n_event=p.n_event, n_censor=p.n_censor, n_event_by_cause=p.n_event_by_cause,
                                    causes=(1,)) for p in parts]
    if len(labels) < 2:
        raise StatisticalInputError(
            f"group has {len(labels)} level(s) ({list(labels)}); the log-rank test compares at least 2 groups."
        )
    return parts, labels


def _relabel(result: LogRankTest, labels) -> LogRankTest:
    table = result.table.copy()
    table["group"] = list(labels)
    return LogRankTest(chisq=result.chisq, df=result.df, p=result.p, table=table, variance=result.variance,
                       stratified=result.stratified, method=result.method, note=result.note)


def logrank(time, event, group, strata=None, rho: float = 0.0) -> LogRankTest:
    """Log-rank test comparing the survival of 2 or more ``group``s, optionally stratified.

    ``time`` >= 0, ``event`` 1 = event, 0 = censored, ``group`` one label per subject,
    ``strata`` one label per subject (stratified test: O, E and V summed over strata).
    ``rho``: the Fleming-Harrington G(rho) family of R ``survdiff(rho = )``: each event time is
    weighted by S(t-)^rho, S the left-continuous Kaplan-Meier of the pooled sample (per
    stratum); 0 is the log-rank test, 1 the Peto-Peto modification of the Gehan-Wilcoxon test
    (more weight on early differences).
    """
    counts, labels = _stratum_counts(time, event, group, strata)
    return _relabel(logrank_from_counts(counts, rho), labels)


def logrank_trend(time, event, group_scores, strata=None) -> LogRankTrend:
    """Log-rank test for trend across ordered groups.

    ``group_scores`` gives each subject the numeric score of its group (e.g. 1, 2, 3
    for increasing disease burden); the groups are the distinct scores and each is
    weighted by its score.
    """
    scores = np.asarray(group_scores)
    try:
        scores = scores.astype(float)
    except (TypeError, ValueError) as exc:
        raise StatisticalInputError(
            "group_scores must be numeric scores of ordered groups (e.g. 1, 2, 3)."
        ) from exc
    if np.isnan(scores).any():
        i = int(np.flatnonzero(np.isnan(scores))[0])
        raise StatisticalInputError(f"group_scores is missing at position {i}; give every subject a score.")
    counts, labels = _stratum_counts(time, event, scores, strata)
    test = logrank_from_counts(counts)
    w = np.asarray(labels, dtype=float)
    diff = (test.table["observed"] - test.table["expected"]).to_numpy()
    u = float(w @ diff)
    v = float(w @ test.variance @ w)
    if not v > 0:
        nan = float("nan")
        return LogRankTrend(chisq=nan, z=nan, p=nan, scores=tuple(w.tolist()), groups=tuple(labels),
                            note=test.note or "variance of the trend statistic is zero: the groups' events "
                                              "fall only at times where every patient at risk had the event")
    chisq = u * u / v
    return LogRankTrend(chisq=chisq, z=u / np.sqrt(v), p=float(chi2.sf(chisq, 1)), scores=tuple(w.tolist()),
                        groups=tuple(labels))
