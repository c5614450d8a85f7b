"""Cox proportional hazards from per-time risk-set sums (for data aggregated by an engine).

The partial likelihood of a Cox model (domain-spec section 5; R ``coxph``, no strata, no
late entry) depends on the data only through, at each distinct time ``t``, the sums over
the rows with time ``t`` of ``w = exp(x'b)``, ``w x``, ``w x x'`` (all rows, and the rows
with an event), the number of events ``d`` and the sum of the event rows' ``x``. The risk
set at ``t`` (time >= t) is a reverse cumulative sum of these. So an engine computes one
``GROUP BY time`` per Newton iteration and only one row per distinct time comes here.

Ties: ``breslow`` (SAS PHREG default) or ``efron`` (R default): at a time with ``d``
events the k-th of them (k = 0..d-1) sees the risk set less ``k/d`` of the tied events.
Newton-Raphson from b = 0 with step halving when the log-likelihood falls, until the
relative change of the log-likelihood is below ``eps`` (R ``coxph.control``), then one
more step. Covariates are expected centred (the caller subtracts their means; the
estimates do not depend on it, the arithmetic does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from blinrwe.errors import StatisticalInputError

__all__ = ["RiskSetSums", "CoxSumsFit", "sums_from_table", "partial_likelihood", "cox_from_sums"]


@dataclass(frozen=True)
class RiskSetSums:
    """Sums at each distinct time (ascending) for one ``b``: ``s0`` (T,), ``s1`` (T, p), ``s2`` (T, p, p)
    over all rows at that time; ``e0, e1, e2`` the same over its event rows; ``d`` events; ``xd`` (T, p)
    sum of the event rows' x."""

    time: np.ndarray
    s0: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    d: np.ndarray
    xd: np.ndarray
    e0: np.ndarray
    e1: np.ndarray
    e2: np.ndarray


@dataclass(frozen=True)
class CoxSumsFit:
    """``coef`` (p,), ``var`` inverse information (p, p), ``loglik`` (at 0, at the estimate),
    ``iterations``, ``converged``, ``ties``."""

    coef: np.ndarray
    var: np.ndarray
    loglik: tuple[float, float]
    iterations: int
    converged: bool
    ties: str


def sums_from_table(frame, p: int) -> RiskSetSums:
    """:class:`RiskSetSums` from a table with columns ``time, d, s0, e0, s1_j, e1_j, xd_j, s2_j_k, e2_j_k``
    (j <= k < p), one row per distinct time (e.g. ``blinrwe.derive.engine.cox.risk_set_sums_table``)."""
    frame = frame.sort_values("time", kind="mergesort")
    m = len(frame)

    def square(prefix):
        out = np.zeros((m, p, p))
        for j in range(p):
            for k in range(j, p):
                out[:, j, k] = out[:, k, j] = frame[f"{prefix}_{j}_{k}"].to_numpy(float)
        return out

    def vec(prefix):
        return np.column_stack([frame[f"{prefix}_{j}"].to_numpy(float) for j in range(p)]).reshape(m, p)

    return RiskSetSums(time=frame["time"].to_numpy(float), s0=frame["s0"].to_numpy(float), s1=vec("s1"),
                       s2=square("s2"), d=np.rint(frame["d"].to_numpy(float)).astype(np.int64), xd=vec("xd"),
                       e0=frame["e0"].to_numpy(float), e1=vec("e1"), e2=square("e2"))


def _risk(a: np.ndarray) -> np.ndarray:
    return np.cumsum(a[::-1], axis=0)[::-1]


def partial_likelihood(sums: RiskSetSums, beta: np.ndarray, ties: str = "efron"):
    """Log partial likelihood, score and information at ``beta`` from the sums at ``beta``."""
    r0, r1, r2 = _risk(sums.s0), _risk(sums.s1), _risk(sums.s2)
    ev = sums.d > 0
    d = sums.d[ev].astype(float)
    r0, r1, r2 = r0[ev], r1[ev], r2[ev]
    e0, e1, e2 = sums.e0[ev], sums.e1[ev], sums.e2[ev]
    xd = sums.xd[ev]
    loglik = float(np.sum(xd @ beta))
    score = xd.sum(axis=0)
    info = np.zeros((beta.size, beta.size))
    steps = int(d.max()) if ties == "efron" and d.size else 1
    for k in range(steps):
        if ties == "efron":
            use = k < d
            f = np.where(use, k / d, 0.0)
            weight = use.astype(float)
        else:
            f, weight = np.zeros_like(d), d
        den = r0 - f * e0
        a1 = r1 - f[:, None] * e1
        a2 = r2 - f[:, None, None] * e2
        with np.errstate(divide="ignore", invalid="ignore"):
            lg = np.where(weight > 0, np.log(np.where(weight > 0, den, 1.0)), 0.0)
            m1 = np.where(weight[:, None] > 0, a1 / den[:, None], 0.0)
            m2 = np.where(weight[:, None, None] > 0, a2 / den[:, None, None], 0.0)
        loglik -= float(np.sum(weight * lg))
        score = score - (weight[:, None] * m1).sum(axis=0)
        info = info + (weight[:, None, None] * (m2 - m1[:, :, None] * m1[:, None, :])).sum(axis=0)
    return loglik, score, info


def cox_from_sums(sums_at: Callable[[np.ndarray], RiskSetSums], p: int, ties: str = "efron", *,
                  iter_max: int = 30, eps: float = 1e-12) -> CoxSumsFit:
    """Newton-Raphson on the partial likelihood; ``sums_at(beta)`` gives the sums (e.g. an engine query)."""
    ties = str(ties).lower()
    if ties not in ("efron", "breslow"):
        raise StatisticalInputError(f"ties must be 'efron' (R default) or 'breslow' (SAS default); got {ties!r}.")
    beta = np.zeros(p)
    loglik, score, info = partial_likelihood(sums_at(beta), beta, ties)
    loglik0, converged, it = loglik, False, 0
    for it in range(1, iter_max + 1):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError as exc:
            raise StatisticalInputError("the Cox information matrix is singular; drop a collinear covariate.") from exc
        new = beta + step
        ll, sc, inf = partial_likelihood(sums_at(new), new, ties)
        halvings = 0
        while ll < loglik - 1e-12 * abs(loglik) and halvings < 20:
            new = (beta + new) / 2
            ll, sc, inf = partial_likelihood(sums_at(new), new, ties)
            halvings += 1
        done = abs(1 - ll / loglik) <= eps if loglik else abs(ll) <= eps
        beta, loglik, score, info = new, ll, sc, inf
        if done or np.max(np.abs(step)) < 1e-13:
            converged = True
            break
    var = np.linalg.inv(info)
    return CoxSumsFit(coef=beta, var=var, loglik=(loglik0, loglik), iterations=it, converged=converged, ties=ties)
