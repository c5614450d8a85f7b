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

from ._inputs import as_event_codes, as_times, tie_near_times
from .counts import GroupedEventCounts, _drop_empty_groups, _factorize_groups, _group_codes, _grouped_from_codes

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


def _accumulate(counts: GroupedEventCounts):
    """O, E, V of one stratum."""
    n = counts.n_risk.astype(float)
    d = counts.n_event.astype(float)
    total_n = n.sum(axis=1)
    total_d = d.sum(axis=1)
    keep = total_d > 0
    n, d, total_n, total_d = n[keep], d[keep], total_n[keep], total_d[keep]
    share = n / total_n[:, None]
    observed = d.sum(axis=0)
    expected = (share * total_d[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(total_n > 1, total_d * (total_n - total_d) / (total_n - 1), 0.0)
    variance = np.diag((w[:, None] * share).sum(axis=0)) - (share * w[:, None]).T @ share
    return observed, expected, variance


def _chisq(observed, expected, variance):
    use = expected > 0
    df = int(use.sum()) - 1
    if df < 1:
        return 0.0, df
    idx = np.flatnonzero(use)[1:]
    diff = (observed - expected)[idx]
    vv = variance[np.ix_(idx, idx)]
    try:
        sol = np.linalg.solve(vv, diff)
    except np.linalg.LinAlgError as exc:
        raise StatisticalInputError(
            "the log-rank variance matrix is singular (a group shares no event times with the others); "
            "merge or drop that group."
        ) from exc
    return float(sol @ diff), df


def logrank_from_counts(strata_counts) -> LogRankTest:
    """Log-rank test from one :class:`GroupedEventCounts` or a list of them (one per stratum,
    with the same ``groups``)."""
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
        o, e, v = _accumulate(c)
        observed += o
        expected += e
        variance += v
        n += c.n
    chisq, df = _chisq(observed, expected, variance)
    p = float(chi2.sf(chisq, df)) if df >= 1 else float("nan")
    table = pd.DataFrame({"group": list(groups), "n": n, "observed": observed, "expected": expected})
    variance.flags.writeable = False
    return LogRankTest(chisq=chisq, df=df, p=p, table=table, variance=variance,
                       stratified=len(strata_counts) > 1)


def _stratum_counts(time, event, group, strata):
    """Validate once, tabulate once (strata x groups as one index), split by stratum."""
    t = tie_near_times(as_times(time, "time"))
    e = as_event_codes(event, t.shape[0], (1,), "event")
    gcodes, labels, sparse = _group_codes(group, t.shape[0], "group")
    k = len(labels)
    if strata is None:
        parts = [_grouped_from_codes(t, e, gcodes, tuple(range(k)), None, (1,))]
    else:
        scodes, slabels = _factorize_groups(strata, t.shape[0], "strata")
        both = _grouped_from_codes(t, e, scodes * k + gcodes, tuple(range(len(slabels) * k)), None, (1,))
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
                       stratified=result.stratified)


def logrank(time, event, group, strata=None) -> LogRankTest:
    """Log-rank test comparing the survival of 2 or more ``group``s, optionally stratified.

    ``time`` >= 0, ``event`` 1 = event, 0 = censored, ``group`` one label per subject,
    ``strata`` one label per subject (stratified test: O, E and V summed over strata).
    """
    counts, labels = _stratum_counts(time, event, group, strata)
    return _relabel(logrank_from_counts(counts), labels)


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
        raise StatisticalInputError("the trend statistic has zero variance (no events at shared times); cannot test.")
    chisq = u * u / v
    return LogRankTrend(chisq=chisq, z=u / np.sqrt(v), p=float(chi2.sf(chisq, 1)), scores=tuple(w.tolist()),
                        groups=tuple(labels))
