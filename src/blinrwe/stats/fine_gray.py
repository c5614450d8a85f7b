"""The Fine-Gray subdistribution hazard model for one cause among competing events, equal to ``cmprsk::crr``.

Clinical meaning: with relapse as the event of interest and death in remission as the competing
event, the subdistribution hazard ratio (sHR) says how a covariate changes the cumulative
incidence of relapse: an sHR above 1 means more patients relapse. It differs from the
cause-specific HR (a Cox model of relapse with deaths censored), which describes the rate of
relapse among patients still alive and in remission; reports show both.

Definition (Fine & Gray 1999, JASA 94:496): a proportional-hazards model for the subdistribution
hazard, fitted by a weighted partial likelihood. At a time ``t`` the risk set holds every patient
still event-free (``T >= t``) and, with weight ``G(t-) / G(T_i-)``, every patient who had a
competing event before ``t``; ``G`` is the Kaplan-Meier estimate of the censoring distribution.
Ties are handled as Breslow (each tied event sees the whole risk set), as ``crr``.

Conventions, chosen to equal ``cmprsk::crr`` (golden values in ``tests/stats/golden/fine_gray.json``):

* standard errors are the robust sandwich of Fine & Gray (their section 3), including the term for
  the estimated censoring distribution (``crr``'s ``var``); p values are two-sided Wald, CIs
  ``exp(coef -/+ z se)``;
* Newton-Raphson from 0 with step halving on the likelihood (as ``crr``), iterated to the maximiser
  (``crr``'s default ``gtol = 1e-6`` may stop a few digits earlier);
* one censoring distribution for everyone (``crr`` without ``cengroup``); no time-varying ``cov2``;
* covariates are coded as in :func:`blinrwe.stats.cox.cox_ph` (dummy columns ``column[level]``
  against the first level); rows with a missing value are dropped and counted.

Why hand-written: no pinned Python library fits the Fine-Gray model (lifelines has none; statsmodels
has none), and a port of ``crr``'s O(n^2) Fortran would not scale. Every risk-set sum here is a
cumulative sum over time-sorted patients, because the weight ``G(t-) / G(T_i-)`` factorises, so a
fit costs a few passes over an n x p(p+1) array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level, as_times
from .counts import event_counts
from .cox_design import _as_list, _check_columns, _design_matrix
from .cox_likelihood import _BLOCK_ROWS, _row_blocks

__all__ = ["FineGrayResult", "fine_gray"]

_GTOL = 1e-10  # relative gradient size at which Newton-Raphson stops (crr's rule, stricter)
_ITER_MAX = 50
_LOGLIK_RTOL = 1e-13  # a step changing the log likelihood by less than this (relative) is not a decrease


@dataclass(frozen=True, eq=False)
class FineGrayResult:
    """``table``: ``term, coef, se, hr, lower, upper, z, p`` (hr = subdistribution hazard ratio).

    ``loglik`` (at 0, at the estimate) of the weighted partial likelihood; ``n``, ``n_events``
    (of the cause), ``n_competing``, ``n_dropped`` (incomplete rows); ``converged``; ``note`` names a
    coefficient that may be infinite (monotone likelihood; its se, CI and p are then NaN).
    """

    table: pd.DataFrame
    coef: np.ndarray
    var: np.ndarray
    loglik: tuple[float, float]
    n: int
    n_events: int
    n_competing: int
    n_dropped: int
    cause: object
    converged: bool
    iterations: int
    level: float
    terms: dict
    note: str = ""

    @property
    def method(self) -> str:
        return ("Fine-Gray subdistribution hazard model (weighted partial likelihood, Breslow ties, "
                "robust variance with the censoring-distribution term, as R cmprsk::crr)")


def _censoring_before(t_sorted: np.ndarray, censored: np.ndarray, *queries: np.ndarray) -> list[np.ndarray]:
    """Kaplan-Meier of the censoring distribution just before each time of each query, ``G(query-)``
    (crr takes it from ``survfit`` with the censorings as the events; tabulated once for all queries)."""
    counts = event_counts(t_sorted, censored.astype(np.int64))
    after = np.cumprod(1.0 - counts.n_event / counts.n_risk)
    out = []
    for query in queries:
        k = np.searchsorted(counts.time, query, side="left")  # number of distinct times strictly before the query
        out.append(np.where(k > 0, after[np.maximum(k - 1, 0)], 1.0))
    return out


class _WeightedLikelihood:
    """The Fine-Gray log partial likelihood, score and information on time-sorted data."""

    def __init__(self, t, is_cause, is_competing, censored, x):
        self.t, self.x = t, x
        self.cause, self.competing = is_cause, is_competing
        self.fail_times, self.d = np.unique(t[is_cause], return_counts=True)
        self.pos = np.searchsorted(t, self.fail_times, side="left")  # first patient with T >= t_j
        self.g_fail, self.g_own = _censoring_before(t, censored, self.fail_times, t)
        self.own_fail = np.searchsorted(self.fail_times, t)  # failure-time index of each patient's own time
        # per patient 1, x and the distinct products x_k x_l (k <= l): every risk-set sum is a
        # weighted column sum of this one matrix, over the blocks of patients between failure times
        p = x.shape[1]
        self.upper = np.triu_indices(p)
        # (stored one row per moment: summing contiguous rows is several times faster; built from the
        # transposed covariates, each product of two contiguous rows)
        xt = np.ascontiguousarray(x.T)
        self.moments = np.empty((1 + p + self.upper[0].size, len(t)))
        self.moments[0] = 1.0
        self.moments[1:1 + p] = xt
        for k, (i, j) in enumerate(zip(*self.upper)):
            np.multiply(xt[i], xt[j], out=self.moments[1 + p + k])
        # the blocks of patients between failure times, some 16,000 patients at a time: each chunk's
        # weighted moments are formed in a small scratch array and summed while in cache (the same
        # per-block sums as of one array of all patients, to the last bit)
        self._chunks = _row_blocks(self.pos, len(t), _BLOCK_ROWS)
        width = max([hi - lo for lo, hi, _, _ in self._chunks] + [int(self.pos[0])])
        self._weighted = np.empty((self.moments.shape[0], width))  # reused by every evaluation
        # evaluations remembered by beta: the rank check and the fit both start at 0, and the robust
        # variance needs the sums at the estimate, the fit's last evaluation
        self._calls: dict[bytes, tuple] = {}
        self._last_sums: tuple | None = None

    def _block_sums(self, w):
        """(sum over T >= t_j, sum over T < t_j) of ``w * moments`` at each failure time t_j.

        The patients are time-sorted and ``pos`` strictly increasing (each failure time is some
        patient's time), so one pass sums each block [pos_j, pos_j+1) and the tail and head sums
        are cumulative sums over the few blocks."""
        by_moment = np.empty((self.moments.shape[0], self.pos.size))  # (the layout the sums below were written for)
        for lo, hi, first, end in self._chunks:
            weighted = np.multiply(w[None, lo:hi], self.moments[:, lo:hi], out=self._weighted[:, :hi - lo])
            by_moment[:, first:end] = np.add.reduceat(weighted, self.pos[first:end] - lo, axis=1)
        blocks = by_moment.T
        head = np.multiply(w[None, :self.pos[0]], self.moments[:, :self.pos[0]],
                           out=self._weighted[:, :self.pos[0]]).sum(axis=1)
        at_or_after = np.cumsum(blocks[::-1], axis=0)[::-1]
        before = head + np.concatenate([np.zeros((1, blocks.shape[1])), np.cumsum(blocks[:-1], axis=0)])
        return at_or_after, before

    def _split(self, m):
        """S0, S1, S2 from the columns of ``moments``."""
        p = self.x.shape[1]
        s2 = np.empty((m.shape[0], p, p))
        s2[:, self.upper[0], self.upper[1]] = m[:, 1 + p:]
        s2[:, self.upper[1], self.upper[0]] = m[:, 1 + p:]
        return m[:, 0], m[:, 1:1 + p], s2

    def sums(self, beta):
        """S0, S1, S2 at each failure time, and the pieces the variance needs (the last ``beta``'s kept;
        shared arrays, not to be written to)."""
        key = np.asarray(beta, dtype=np.float64).tobytes()
        if self._last_sums is None or self._last_sums[0] != key:
            self._last_sums = (key, self._sums(beta))
        return self._last_sums[1]

    def _sums(self, beta):
        eta = self.x @ beta
        shift = float(eta.max())  # ratios are invariant to a common shift; it keeps exp() finite
        r = np.exp(eta - shift)
        wc = np.where(self.competing, r / self.g_own, 0.0)  # competing events, weight without G(t-)
        event_free, _ = self._block_sums(r)  # still event-free: T >= t_j
        _, competed = self._block_sums(wc)  # competing event before t_j, weighted G(t_j-) / G(T-)
        s0, s1, s2 = self._split(event_free + self.g_fail[:, None] * competed)
        return r, wc, s0, s1, s2, shift

    def __call__(self, beta):
        """(log likelihood, score, information) at ``beta``, each ``beta`` computed once."""
        key = np.asarray(beta, dtype=np.float64).tobytes()
        if key not in self._calls:
            r, _, s0, s1, s2, shift = self.sums(beta)
            d = self.d
            loglik = float((self.x[self.cause] @ beta).sum() - np.sum(d * (np.log(s0) + shift)))
            zbar = s1 / s0[:, None]
            score = self.x[self.cause].sum(axis=0) - (d[:, None] * zbar).sum(axis=0)
            info = np.einsum("j,jkl->kl", d / s0, s2) - np.einsum("j,jk,jl->kl", d, zbar, zbar)
            self._calls[key] = (loglik, score, info)
        loglik, score, info = self._calls[key]
        return loglik, score.copy(), info.copy()

    def robust_variance(self, beta, info):
        """Fine & Gray's sandwich: I^-1 (sum_i (eta_i + psi_i)(eta_i + psi_i)^T) I^-1."""
        r, wc, s0, s1, _, _ = self.sums(beta)
        x, d, g = self.x, self.d, self.g_fail
        zbar = s1 / s0[:, None]
        jump, jump_g = d / s0, d * g / s0  # dLambda at each failure time, and with the weight G(t_j-)
        # eta_i: the patient's own event minus its share of every failure while in the risk set
        k = np.searchsorted(self.fail_times, self.t, side="right") - 1  # last failure at or before T_i
        own = np.where(self.cause[:, None], x - zbar[np.minimum(self.own_fail, d.size - 1)], 0.0)
        regular = r[:, None] * (x * _summed_to(jump, k)[:, None] - _summed_to(jump[:, None] * zbar, k))
        later0 = jump_g.sum() - _summed_to(jump_g, k)  # failures after a competing event (weighted)
        later1 = (jump_g[:, None] * zbar).sum(axis=0) - _summed_to(jump_g[:, None] * zbar, k)
        eta = own - regular - wc[:, None] * (x * later0[:, None] - later1)
        # psi_i: the censoring martingale term, q(u) / Y(u) integrated against dM^c_i(u)
        censored = ~(self.cause | self.competing)
        u, c = np.unique(self.t[censored], return_counts=True)
        before_u = np.searchsorted(self.t, u, side="left")  # patients with T < u
        y = self.t.size - before_u
        e0 = _summed_to(wc, before_u - 1)  # competing events before u, weighted 1 / G(T-)
        e1 = _summed_to(wc[:, None] * x, before_u - 1)
        first_fail = np.searchsorted(self.fail_times, u, side="left")  # failures at or after u
        f0 = jump_g.sum() - _summed_to(jump_g, first_fail - 1)
        f1 = (jump_g[:, None] * zbar).sum(axis=0) - _summed_to(jump_g[:, None] * zbar, first_fail - 1)
        q = e1 * f0[:, None] - e0[:, None] * f1
        upto = np.searchsorted(u, self.t, side="right") - 1  # last censoring time at or before T_i
        psi = -_summed_to(q * (c / y**2)[:, None], upto)
        own_c = np.searchsorted(u, self.t[censored])
        psi[censored] += q[own_c] / y[own_c][:, None]
        terms = eta + psi
        inv = np.linalg.inv(info)
        return inv @ (terms.T @ terms) @ inv


def _summed_to(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[: i + 1].sum(axis=0)`` for each i in ``idx`` (0 for i = -1), by one cumulative sum."""
    cum = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values, axis=0)])
    return cum[idx + 1]


def _newton(lik: _WeightedLikelihood, p: int):
    beta = np.zeros(p)
    loglik, score, info = lik(beta)
    loglik0 = loglik
    for it in range(_ITER_MAX + 1):
        if np.max(np.abs(score) * np.maximum(np.abs(beta), 1)) < max(abs(loglik), 1) * _GTOL:
            return beta, loglik0, loglik, info, True, it
        if it == _ITER_MAX:
            break
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            break
        # the log likelihood is a sum over every patient: at 1e6 patients its rounding noise
        # (~1e-15 relative) exceeds the gain of the last Newton steps, which a strict comparison
        # would reject and halve away (21 evaluations per iteration, never converging)
        noise = _LOGLIK_RTOL * max(abs(loglik), 1.0)
        for _ in range(21):  # step halving, as crr's backtracking on the likelihood
            new = lik(beta + step)
            if np.isfinite(new[0]) and new[0] >= loglik + 1e-4 * float(step @ score) - noise:
                break
            step = step / 2
        else:
            break
        beta = beta + step
        loglik, score, info = new
    return beta, loglik0, loglik, info, False, it


def _rank_deficient(info: np.ndarray, scale: np.ndarray) -> bool:
    """Whether the information at beta = 0 carries less than one column's worth per covariate.

    Not ``np.linalg.matrix_rank(info)`` alone: its tolerance is relative to the largest singular
    value, so a covariate constant in every risk set, whose information is pure round-off
    (1e-19), passes against itself. Each column is judged against ``scale`` (events x the largest
    squared centred value: the size of the sums it is the remainder of), with R's
    Cholesky tolerance eps^0.75; a column with no spread is deficient outright.
    """
    if np.any(scale <= 0):
        return True
    root = 1 / np.sqrt(scale)
    scaled = info * root[:, None] * root[None, :]
    return np.linalg.matrix_rank(scaled, tol=np.finfo(float).eps ** 0.75) < len(scale)


def fine_gray(data: pd.DataFrame, time: str, event_type: str, cause=1, covariates: Sequence[str] = (),
              level: float = 0.95, *, censored=0) -> FineGrayResult:
    """Fit the Fine-Gray model as ``crr(time, event_type, cov1, failcode = cause, cencode = censored)``.

    ``event_type``: per patient, ``censored`` (default 0), ``cause`` (the event of interest) or any
    other value (a competing event). ``covariates``: numeric columns as they are, text/categorical by
    dummy coding against the first level.
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticalInputError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    level = as_level(level)
    covariates = _as_list(covariates, "covariates")
    if not covariates:
        raise StatisticalInputError("covariates is empty; name at least one column to model.")
    _check_columns(data, [time, event_type, *covariates], "model")
    used = list(dict.fromkeys([time, event_type, *covariates]))
    frame = data[used]
    complete = frame.notna().all(axis=1).to_numpy()
    frame = frame.loc[complete]
    if frame.empty:
        raise StatisticalInputError(f"no complete rows: every row misses one of {used}.")
    t = as_times(frame[time].to_numpy(), f"column {time!r}").astype(float)
    kind = frame[event_type].to_numpy()
    is_cause, is_censored = kind == cause, kind == censored
    if not is_cause.any():
        raise StatisticalInputError(
            f"column {event_type!r} has no event of cause {cause!r} in the {len(frame)} analysed rows; "
            "a Fine-Gray model needs events of the cause of interest.")
    x, names, terms = _design_matrix(frame, covariates)
    order = np.argsort(t, kind="stable")
    xs = x[order] - x.mean(axis=0)  # centring changes neither the estimates nor the likelihood
    lik = _WeightedLikelihood(t[order], is_cause[order], ~(is_cause | is_censored)[order], is_censored[order], xs)
    if _rank_deficient(lik(np.zeros(x.shape[1]))[2], is_cause.sum() * np.max(xs ** 2, axis=0)):
        raise StatisticalInputError(
            f"the covariates {names} are collinear, or constant among the patients at risk "
            "(the subdistribution hazard ratio is not estimable); drop or recode them.")
    beta, loglik0, loglik1, info, converged, iterations = _newton(lik, x.shape[1])
    # a coefficient that runs away (monotone likelihood: e.g. no events of the cause in a level) has no
    # finite estimate; as coxph, flag it when exp(coef * spread of the covariate) exceeds e^20
    spread = np.ptp(xs, axis=0)
    diverged = [n for n, b, w in zip(names, beta, spread) if abs(b) * w > 20]
    note = (f"coefficient of {', '.join(diverged)} may be infinite (monotone likelihood)" if diverged else "")
    finite_info = np.all(np.isfinite(info)) and np.linalg.matrix_rank(info) == x.shape[1]
    var = lik.robust_variance(beta, info) if finite_info and not diverged else np.full((x.shape[1],) * 2, np.nan)
    se = np.sqrt(np.diag(var))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, beta / se, np.nan)  # se = 0: every patient's score term vanishes; no Wald test
    zq = _sps.norm.ppf((1 + level) / 2)
    table = pd.DataFrame({"term": names, "coef": beta, "se": se, "hr": np.exp(beta),
                          "lower": np.exp(beta - zq * se), "upper": np.exp(beta + zq * se), "z": z,
                          "p": 2 * _sps.norm.sf(np.abs(z))})
    return FineGrayResult(table=table, coef=beta, var=var, loglik=(loglik0, loglik1), n=len(frame),
                          n_events=int(is_cause.sum()), n_competing=int((~(is_cause | is_censored)).sum()),
                          n_dropped=int((~complete).sum()), cause=cause, converged=converged,
                          iterations=iterations, level=level, terms=terms, note=note)
