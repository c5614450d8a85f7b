"""Cox proportional hazards regression, equal to R ``survival::coxph``.

Clinical meaning: the hazard ratio (HR) compares the instantaneous risk of the
event (death, relapse...) between patients who differ by one unit of a covariate
(or between a category and the reference category), assuming that ratio is
constant over follow-up. ``cox_zph`` (module :mod:`blinrwe.stats.cox_zph`) tests
that assumption.

Definition (Cox 1972; Therneau & Grambsch 2000, ch. 3): maximise the partial
likelihood; at each distinct event time (within a stratum) the risk set is every
subject whose time is >= that time; a subject censored at an event time is at risk.

**Ties.** ``ties="efron"`` is the default of R ``coxph`` (and of lifelines and
Stata's ``efron`` option); ``ties="breslow"`` is the default of SAS ``PROC PHREG``
(``TIES=BRESLOW``), SPSS and Stata. With whole-day data the two differ in the
second or third digit of the HR, so the method is recorded on the result: a
Python analysis reproduces a SAS PHREG table only with ``ties="breslow"``.

**Fit, as R.** Newton-Raphson from beta = 0, with R's rules (``coxph.control``):
stop when ``|1 - loglik_old / loglik_new| <= 1e-9``; at most 20 iterations; a step
that lowers the log likelihood is halved towards the previous beta (step halving);
the information matrix is factored with R's tolerant Cholesky (pivot tolerance
``eps^0.75``). A column whose pivot at beta = 0 falls below that tolerance, relative to the
largest diagonal (R) or to the column's own risk-set second moments summed over the deaths,
carries no information (collinear, or constant among the patients at risk at every event
time; R reports its coefficient NA): the fit is refused with its name. The second bound makes
the decision the same for whole, split (``start``) or repeated rows: with one covariate R's
relative test alone compares a round-off residue with itself.

**SAS PHREG's stopping rule** (``convergence="phreg_gconv"``): the same Newton-Raphson
steps, stopped as PROC PHREG stops them by default (MODEL statement ``GCONV=1E-8``, the
relative gradient convergence criterion of the SAS/STAT PHREG and LOGISTIC documentation,
"Convergence Criteria"): at the iterate beta_k (k = 0, 1, ...) with log partial likelihood
l, score (gradient) g and information matrix I (minus the Hessian), the fit stops when
``g' I^-1 g / (|l| + 1e-6) < gconv`` and reports beta_k. That is the Newton step's
predicted (doubled) gain of log likelihood relative to the log likelihood, judged *before*
the step; R judges the gain *after* a step, so R usually takes one more Newton step and
its coefficients differ from PHREG's printed ones in the 5th-6th digit (both are the
maximum to within the tolerance). ``iterations`` is k, PHREG's "Iteration" count. Checked
against PROC PHREG output published by the PSI CAMIS project (``tests/stats/golden/sas_phreg.json``):
every printed digit equal, the Wald chi-square 10.6143 included (R's rule: 10.6142).

Score (log-rank) test at beta = 0, Wald test at the estimate,
likelihood-ratio test ``2 (l(beta) - l(0))``; all on ``p`` degrees of freedom.
Missing values: complete cases (R ``na.omit``); the number dropped is recorded.
Times closer than ``sqrt(machine eps)`` (relative) are merged into ties as R's
``timefix`` (``aeqSurv``) does.

Why hand-written (not lifelines / statsmodels): lifelines ``CoxPHFitter`` (Efron
only) and statsmodels ``PHReg`` stop on their own gradient/step rules, so their
estimates differ from R's in the 7th digit and their iteration counts and
non-convergence behaviour differ; lifelines is also 10-35x slower at a million
rows (``bench/cox.py``: 2.9 s here vs 105 s for lifelines and 23 s for R coxph on
a loaded 2-core machine; coefficients equal to R's to 1e-15). Here the risk-set
sums are sums over tie groups followed by a reverse cumulative sum within each
stratum, and Efron's correction needs only scalar sums per death, so one
iteration costs a few passes over an n x (1 + p + p(p+1)/2) array.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from blinrwe.errors import StatisticalInputError

from ._inputs import as_event_codes, as_level, as_times, tie_near_times

__all__ = ["ChiSquareTest", "CoxConvergenceWarning", "CoxResult", "cox_ph", "CONVERGENCE_RULES", "gconv_criterion"]

_EPS = 1e-9  # coxph.control(eps)
_TOLER_CHOL = np.finfo(float).eps ** 0.75  # coxph.control(toler.chol)
_TOLER_INF = np.sqrt(_EPS)  # coxph.control(toler.inf)
_ITER_MAX = 20  # coxph.control(iter.max)
_GCONV = 1e-8  # SAS PROC PHREG MODEL statement GCONV= default
#: Stopping rules of the Newton-Raphson fit: R ``coxph`` (relative change of the log likelihood) or SAS PHREG
#: (relative gradient convergence, GCONV).
CONVERGENCE_RULES = ("r", "phreg_gconv")


class CoxConvergenceWarning(UserWarning):
    """The Cox fit did not converge or a coefficient may be infinite (monotone likelihood)."""


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-square test: statistic, degrees of freedom, upper-tail p-value."""

    stat: float
    df: int
    p: float


@dataclass(frozen=True, eq=False)
class _Design:
    """What cox_zph needs: the complete-case data sorted by stratum then time."""

    time: np.ndarray  # after timefix, sorted
    status: np.ndarray  # 0/1 int, sorted
    x: np.ndarray  # (n, p) covariates, sorted, not centred
    strata: np.ndarray  # int codes (0..), sorted
    linear_predictor: np.ndarray  # x @ coef - mean, sorted
    start: np.ndarray | None = None  # entry times of (start, stop] rows, sorted with them; None: all from 0


@dataclass(frozen=True, eq=False)
class CoxResult:
    """Result of :func:`cox_ph` (the numbers of R ``summary(coxph(...))``).

    ``table``: one row per model column: ``term, coef, se, hr, lower, upper, z, p``
    (HR = exp(coef); CI ``exp(coef -/+ z_{1-alpha/2} se)``; Wald z and two-sided p).
    ``loglik``: (at beta = 0, at the estimate). ``terms`` maps each covariate to its
    model columns (a categorical covariate has one column per non-reference level).
    """

    table: pd.DataFrame
    coef: np.ndarray
    var: np.ndarray
    loglik: tuple[float, float]
    lr_test: ChiSquareTest
    wald_test: ChiSquareTest
    score_test: ChiSquareTest
    n: int
    n_events: int
    n_dropped: int
    ties: str
    method: str
    iterations: int
    converged: bool
    level: float
    terms: dict
    strata: tuple
    warnings: tuple = ()
    _design: _Design | None = field(default=None, repr=False)

    @property
    def term_names(self) -> list[str]:
        return list(self.table["term"])


# --- R's tolerant Cholesky (survival/src/cholesky2.c, chsolve2.c, chinv2.c) ----------
# Ported so that singular columns, the score test and the variance are decided by the
# same pivot tolerance as R; p is small, so plain loops are fine.


def _cholesky2(a: np.ndarray, toler: float = _TOLER_CHOL, scale: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """R's cholesky2; ``scale`` (optional, one value per column) raises column i's pivot tolerance to
    ``toler * scale[i]``: a pivot that small is round-off of sums of that magnitude, not information."""
    m = np.array(a, dtype=float, copy=True)
    n = m.shape[0]
    diag = np.diag(m)
    eps = max(0.0, float(np.max(diag))) if n else 0.0
    eps = toler if eps == 0 else eps * toler
    floors = np.full(n, eps) if scale is None else np.maximum(eps, toler * np.asarray(scale, dtype=float))
    m = np.triu(m) + np.triu(m, 1).T  # symmetric from the upper triangle, as the C code
    rank = 0
    nonneg = 1
    for i in range(n):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < floors[i]:
            m[i, i] = 0.0
            if pivot < -8 * eps:
                nonneg = -1
        else:
            rank += 1
            for j in range(i + 1, n):
                temp = m[j, i] / pivot
                m[j, i] = temp
                m[j, j] -= temp * temp * pivot
                m[j + 1:, j] -= temp * m[j + 1:, i]
    return m, rank * nonneg


def _chsolve2(chol: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = chol.shape[0]
    y = np.array(y, dtype=float, copy=True)
    for i in range(n):
        y[i] -= float(np.dot(y[:i], chol[i, :i]))
    for i in range(n - 1, -1, -1):
        if chol[i, i] == 0:
            y[i] = 0.0
        else:
            y[i] = y[i] / chol[i, i] - float(np.dot(y[i + 1:], chol[i + 1:, i]))
    return y


def _chinv2(chol: np.ndarray) -> np.ndarray:
    m = np.array(chol, dtype=float, copy=True)
    n = m.shape[0]
    for i in range(n):
        if m[i, i] > 0:
            m[i, i] = 1.0 / m[i, i]
            for j in range(i + 1, n):
                m[j, i] = -m[j, i]
                for k in range(i):
                    m[j, k] += m[j, i] * m[i, k]
    for i in range(n):
        if m[i, i] == 0:
            m[:i, i] = 0.0
            m[i, i:] = 0.0
        else:
            for j in range(i + 1, n):
                temp = m[j, i] * m[j, j]
                m[i, j] = temp
                for k in range(i, j):
                    m[i, k] += temp * m[j, k]
    upper = np.triu(m)
    return upper + np.triu(m, 1).T


# --- data preparation ------------------------------------------------------------------


def _as_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError as exc:
        raise StatisticalInputError(f"{name} must be a column name or a list of column names; got {value!r}.") from exc
    return out


def _check_columns(data: pd.DataFrame, names: Sequence[str], what: str) -> None:
    for name in names:
        if name not in data.columns:
            raise StatisticalInputError(
                f"{what} column {name!r} is not in the data (columns: {list(data.columns)}); "
                f"pass the name of an existing column."
            )


def _is_categorical(col: pd.Series) -> bool:
    return isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or pd.api.types.is_string_dtype(col)


def _design_matrix(frame: pd.DataFrame, covariates: list[str]) -> tuple[np.ndarray, list[str], dict]:
    """Numeric columns as they are; categorical ones by treatment (dummy) coding.

    The reference category is the first level: the first category of a pandas
    Categorical, otherwise the smallest value in sorted order (R's factor default).
    Levels not present in the analysed rows are dropped (R would report NA).
    """
    cols, names, terms = [], [], {}
    for cov in covariates:
        col = frame[cov]
        if _is_categorical(col):
            if isinstance(col.dtype, pd.CategoricalDtype):
                levels = [lv for lv in col.cat.categories if (col == lv).any()]
            else:
                levels = sorted(pd.unique(col.astype(str)))
                col = col.astype(str)
            if len(levels) < 2:
                raise StatisticalInputError(
                    f"covariate {cov!r} has a single category ({levels[0] if levels else 'none'}) in the analysed "
                    "rows; it carries no information, drop it from covariates."
                )
            term_cols = []
            for lv in levels[1:]:
                cols.append((col == lv).to_numpy(dtype=float))
                names.append(f"{cov}[{lv}]")
                term_cols.append(names[-1])
            terms[cov] = term_cols
        else:
            try:
                values = col.to_numpy(dtype=float)
            except (TypeError, ValueError) as exc:
                raise StatisticalInputError(
                    f"covariate {cov!r} is neither numeric nor categorical (dtype {col.dtype}); convert it."
                ) from exc
            if not np.all(np.isfinite(values)):
                i = int(np.flatnonzero(~np.isfinite(values))[0])
                raise StatisticalInputError(f"covariate {cov!r} has an infinite value at row position {i}.")
            cols.append(values)
            names.append(cov)
            terms[cov] = [cov]
    x = np.column_stack(cols) if cols else np.zeros((len(frame), 0))
    return x, names, terms


def _strata_codes(frame: pd.DataFrame, strata: list[str]) -> np.ndarray:
    if not strata:
        return np.zeros(len(frame), dtype=np.int64)
    keys = frame[strata].astype(str).agg("\x1f".join, axis=1) if len(strata) > 1 else frame[strata[0]]
    codes, _ = pd.factorize(keys, sort=True)
    return codes.astype(np.int64)


# --- the partial likelihood over sorted data ---------------------------------------------


class _PartialLikelihood:
    """Log partial likelihood, score and information of sorted, centred data.

    Rows are sorted by (stratum, time, status). A "tie group" is the set of rows
    sharing a stratum and a time. Risk-set sums of (1, x, x x') weighted by
    exp(eta) are the reverse cumulative sums, within the stratum, of the per-group
    sums; the deaths' own sums come from the same pass (rows of a group are
    ordered censored first, deaths last). Efron's approximation gives a group with
    d deaths the d denominators ``S0 - (k/d) D0`` (k = 0..d-1; Breslow: k/d = 0);
    only scalar sums over k are formed per death, everything p-dimensional is
    per tie group.
    """

    def __init__(self, time, status, x, strata, efron: bool, start=None):
        n, p = x.shape
        self.p = p
        self.tri = np.triu_indices(p)
        m = 1 + p + self.tri[0].size
        z = np.empty((n, m))
        z[:, 0] = 1.0
        z[:, 1:1 + p] = x
        for k, (i, j) in enumerate(zip(*self.tri)):
            z[:, 1 + p + k] = x[:, i] * x[:, j]
        self.z = z
        self._w = np.empty_like(z)  # reused each iteration (no 8 n m-byte allocation per step)
        self.x = x
        change_group = np.ones(n, dtype=bool)
        change_group[1:] = (time[1:] != time[:-1]) | (strata[1:] != strata[:-1])
        change_seg = change_group.copy()
        change_seg[1:] |= status[1:] != status[:-1]
        self.seg_starts = np.flatnonzero(change_seg)
        gid = np.cumsum(change_group) - 1
        self.n_groups = int(gid[-1]) + 1
        self.seg_gid = gid[self.seg_starts]
        self.seg_dead = status[self.seg_starts] == 1
        seg_new_group = np.ones(self.seg_starts.size, dtype=bool)
        seg_new_group[1:] = self.seg_gid[1:] != self.seg_gid[:-1]
        self.group_seg_starts = np.flatnonzero(seg_new_group)
        gstrata = strata[change_group]
        bounds = np.flatnonzero(np.diff(gstrata)) + 1
        self.stratum_slices = list(zip(np.concatenate(([0], bounds)), np.concatenate((bounds, [self.n_groups]))))
        self.dead = np.flatnonzero(status == 1)
        dcount = np.bincount(gid[self.dead], minlength=self.n_groups)
        self.death_groups = np.flatnonzero(dcount > 0)  # tie groups with deaths
        d = dcount[self.death_groups]
        self.owner = np.repeat(np.arange(d.size), d)  # death term -> index in death_groups
        rank = np.arange(self.owner.size) - np.repeat(np.cumsum(d) - d, d)
        self.frac = rank / np.repeat(d, d) if efron else np.zeros(self.owner.size)
        self.n_dead = self.dead.size
        self.xd = x[self.dead]
        self.sum_xd = self.xd.sum(axis=0)
        self.xd_by_group = np.column_stack(
            [np.bincount(gid[self.dead], weights=self.xd[:, j], minlength=self.n_groups)[self.death_groups]
             for j in range(p)]
        ) if p else np.zeros((self.death_groups.size, 0))
        self.group_time_index = np.flatnonzero(change_group)[self.death_groups]  # a row of each death group
        # (start, stop] rows: a row is not at risk at times <= its start. Rows sorted by (stratum, start);
        # for each death group, the first such row of its stratum starting at or after its time and the
        # stratum's end: the risk set loses the sum over that range (agfit4's "entered later").
        self.entry = None
        if start is not None:
            self.entry = np.lexsort((start, strata))
            s_sorted, st_sorted = start[self.entry], strata[self.entry]
            t_g, s_g = time[self.group_time_index], strata[self.group_time_index]
            self.entry_from = np.empty(t_g.size, dtype=np.int64)
            self.entry_to = np.searchsorted(st_sorted, s_g, side="right")
            for code in np.unique(s_g):
                lo = np.searchsorted(st_sorted, code, side="left")
                hi = np.searchsorted(st_sorted, code, side="right")
                mine = s_g == code
                self.entry_from[mine] = lo + np.searchsorted(s_sorted[lo:hi], t_g[mine], side="left")

    def unpack(self, packed: np.ndarray) -> np.ndarray:
        """Symmetric p x p matrices from packed upper triangles (last axis)."""
        out = np.zeros(packed.shape[:-1] + (self.p, self.p))
        out[..., self.tri[0], self.tri[1]] = packed
        out[..., self.tri[1], self.tri[0]] = packed
        return out

    def group_terms(self, beta: np.ndarray):
        """Per tie group with deaths: sum of log denominators, Efron-weighted mean sum, information."""
        p = self.p
        eta = self.x @ beta if p else np.zeros(self.x.shape[0])
        shift = float(np.max(eta))  # the likelihood is invariant to a common shift of eta
        w = np.multiply(self.z, np.exp(eta - shift)[:, None], out=self._w)
        seg = np.add.reduceat(w, self.seg_starts, axis=0)
        gsum = np.add.reduceat(seg, self.group_seg_starts, axis=0)
        dsum = np.zeros_like(gsum)
        np.add.at(dsum, self.seg_gid[self.seg_dead], seg[self.seg_dead])
        risk = np.empty_like(gsum)
        for a, b in self.stratum_slices:
            risk[a:b] = np.cumsum(gsum[a:b][::-1], axis=0)[::-1]
        risk = risk[self.death_groups]
        gross = risk  # the sums the risk-set sums are formed from (before removing later entries)
        if self.entry is not None:
            suffix = np.concatenate([np.cumsum(w[self.entry][::-1], axis=0)[::-1], np.zeros((1, w.shape[1]))])
            risk = risk - (suffix[self.entry_from] - suffix[self.entry_to])
        dsum = dsum[self.death_groups]
        den = risk[self.owner, 0] - self.frac * dsum[self.owner, 0]
        inv = 1.0 / den
        f = self.frac
        k = self.death_groups.size

        def by_group(values):
            return np.bincount(self.owner, weights=values, minlength=k)

        log_den = by_group(np.log(den))
        a1, b1 = by_group(inv), by_group(f * inv)
        inv2 = inv * inv
        a2, b2, c2 = by_group(inv2), by_group(f * inv2), by_group(f * f * inv2)
        s1, d1 = risk[:, 1:1 + p], dsum[:, 1:1 + p]
        s2, d2 = risk[:, 1 + p:], dsum[:, 1 + p:]
        mean_sum = s1 * a1[:, None] - d1 * b1[:, None]  # sum over the group's deaths of the risk-set means
        second = s2 * a1[:, None] - d2 * b1[:, None]
        cross = s1[:, :, None] * d1[:, None, :]
        outer = (a2[:, None, None] * (s1[:, :, None] * s1[:, None, :])
                 - b2[:, None, None] * (cross + cross.transpose(0, 2, 1))
                 + c2[:, None, None] * (d1[:, :, None] * d1[:, None, :]))
        info = self.unpack(second) - outer
        # the magnitude of the terms whose difference is the diagonal of the information: sum over deaths of
        # the risk-set second moments of the centred covariates, as summed (gross of later entries)
        diag = np.flatnonzero(self.tri[0] == self.tri[1])
        self.moment_scale = (gross[:, 1 + p + diag] * a1[:, None]).sum(axis=0)
        eta_dead_sum = float(self.sum_xd @ beta) - self.n_dead * shift if p else 0.0
        return eta_dead_sum, log_den, mean_sum, info

    def __call__(self, beta: np.ndarray):
        eta_dead_sum, log_den, mean_sum, info = self.group_terms(beta)
        loglik = eta_dead_sum - float(np.sum(log_den))
        score = self.sum_xd - mean_sum.sum(axis=0)
        return loglik, score, info.sum(axis=0)


def gconv_criterion(loglik: float, u: np.ndarray, chol: np.ndarray) -> float:
    """SAS's relative gradient criterion ``g' I^-1 g / (|l| + 1e-6)`` from the Cholesky factor of I."""
    return float(u @ _chsolve2(chol, u)) / (abs(float(loglik)) + 1e-6)


def _newton_raphson(pl: _PartialLikelihood, p: int, iter_max: int, eps: float, gconv: float | None = None):
    """coxfit6 (survival/src/coxfit6.c): Newton-Raphson with step halving.

    ``gconv``: stop instead by SAS PHREG's relative gradient criterion (module docstring),
    checked at every accepted iterate, beta = 0 included.
    """
    beta = np.zeros(p)
    loglik0, u, imat = pl(beta)
    # Rank at the start, as R (a singular column is NA in R, refused here), but a pivot is judged against the
    # risk-set second moments it was computed from, not only against the largest diagonal: a covariate constant
    # in every risk set has zero information however the rows are split or repeated, and its round-off residue
    # (which depends on the number of rows and on the centring) must not pass R's relative test when p = 1.
    chol, rank = _cholesky2(imat, scale=pl.moment_scale)
    step = _chsolve2(chol, u)
    score_stat = float(u @ step)
    if rank < p:  # singular at the start: the caller reports the collinear columns
        return dict(rank0=rank, chol0=chol)
    if gconv is not None and score_stat / (abs(loglik0) + 1e-6) < gconv:
        return dict(beta=beta, loglik=(loglik0, loglik0), u=u, var=_chinv2(chol), flag=rank,
                    iterations=0, converged=True, score=score_stat, rank0=rank)
    best = loglik0
    newbeta = beta + step
    halving = 0
    for it in range(1, iter_max + 1):
        newlk, u, imat = pl(newbeta)
        chol, flag = _cholesky2(imat)
        notfinite = not (np.all(np.isfinite(u)) and np.all(np.isfinite(imat)) and np.isfinite(newlk))
        if gconv is not None:
            if not notfinite and newlk >= best and gconv_criterion(newlk, u, chol) < gconv:
                return dict(beta=newbeta, loglik=(loglik0, newlk), u=u, var=_chinv2(chol), flag=flag,
                            iterations=it, converged=True, score=score_stat, rank0=rank)
        elif not notfinite and abs(1 - best / newlk) <= eps:
            return dict(beta=newbeta, loglik=(loglik0, newlk), u=u, var=_chinv2(chol), flag=flag,
                        iterations=it, converged=True, score=score_stat, rank0=rank)
        if notfinite or newlk < best:
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = newlk
            beta = newbeta
            newbeta = newbeta + _chsolve2(chol, u)
    # out of iterations: R recomputes at the last accepted beta
    loglik1, u, imat = pl(beta) if iter_max > 1 else (best, u, imat)
    chol, flag = _cholesky2(imat)
    return dict(beta=beta, loglik=(loglik0, loglik1), u=u, var=_chinv2(chol), flag=1000,
                iterations=iter_max, converged=False, score=score_stat, rank0=rank)


# --- public API ---------------------------------------------------------------------------------


def cox_ph(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    level: float = 0.95,
    *,
    start: str | None = None,
    iter_max: int = _ITER_MAX,
    eps: float = _EPS,
    convergence: str = "r",
    gconv: float = _GCONV,
) -> CoxResult:
    """Fit a Cox proportional hazards model as R ``coxph(Surv(time, event) ~ covariates + strata(...))``.

    Parameters
    ----------
    data : one row per patient.
    time, event : column names; time from the origin (>= 0), event 1 = event, 0 = censored.
    covariates : column names; numeric columns enter as they are, text/categorical columns
        by dummy coding against the first level (terms named ``column[level]``).
    ties : "efron" (R default) or "breslow" (SAS PHREG default).
    strata : column name(s); a separate baseline hazard per stratum (combination).
    level : confidence level of the hazard-ratio intervals.
    start : column name of entry times: rows are then ``(start, time]`` intervals, R
        ``coxph(Surv(start, time, event) ~ ...)`` (counting-process form: time-varying covariates,
        e.g. allo-HSCT as a state from the transplant day, built by
        ``blinrwe.derive.time_dependent``; and delayed entry). A row is at risk at event times t
        with ``start < t <= time``; start and stop times within sqrt(machine eps) are tied as R.
    convergence : "r" (default): stop as R ``coxph`` (``eps``, relative change of the log
        likelihood); "phreg_gconv": stop as SAS PROC PHREG by default, when the relative
        gradient criterion ``g' I^-1 g / (|l| + 1e-6)`` falls below ``gconv`` (1e-8), which
        reproduces PHREG's printed digits (module docstring).
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticalInputError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    ties_key = str(ties).lower()
    if ties_key not in ("efron", "breslow"):
        raise StatisticalInputError(f"ties must be 'efron' (R default) or 'breslow' (SAS default); got {ties!r}.")
    level = as_level(level)
    if convergence not in CONVERGENCE_RULES:
        raise StatisticalInputError(
            f"convergence must be 'r' (R coxph) or 'phreg_gconv' (SAS PHREG GCONV); got {convergence!r}.")
    if not (isinstance(gconv, (int, float)) and 0 < float(gconv) < 1):
        raise StatisticalInputError(f"gconv must be a number between 0 and 1 (SAS default 1e-8); got {gconv!r}.")
    covariates = _as_list(covariates, "covariates")
    if not covariates:
        raise StatisticalInputError("covariates is empty; name at least one column to model.")
    if len(set(covariates)) != len(covariates):
        raise StatisticalInputError(f"covariates names a column twice: {covariates}.")
    strata_cols = _as_list(strata, "strata")
    _check_columns(data, [time], "time")
    _check_columns(data, [event], "event")
    if start is not None:
        _check_columns(data, [start], "start")
    _check_columns(data, covariates, "covariate")
    _check_columns(data, strata_cols, "strata")
    overlap = set(strata_cols) & set(covariates)
    if overlap:
        raise StatisticalInputError(f"column(s) {sorted(overlap)} are both covariates and strata; use one role.")

    used = ([start] if start is not None else []) + [time, event] + covariates + strata_cols
    frame = data[list(dict.fromkeys(used))]
    complete = frame.notna().all(axis=1).to_numpy()
    n_dropped = int((~complete).sum())
    frame = frame.loc[complete]
    n = len(frame)
    if n == 0:
        raise StatisticalInputError(
            f"no complete rows: every row misses one of {used}; check the columns for missing values."
        )
    t = as_times(frame[time].to_numpy(), f"column {time!r}").astype(np.float64)
    entry = None
    if start is None:
        t = tie_near_times(t)
    else:
        entry = as_times(frame[start].to_numpy(), f"column {start!r}").astype(np.float64)
        entry, t = np.split(tie_near_times(np.concatenate([entry, t])), 2)  # R's aeqSurv on both
        bad = np.flatnonzero(entry >= t)
        if bad.size:
            i = int(bad[0])
            raise StatisticalInputError(
                f"row {i}: interval ({entry[i]}, {t[i]}] of columns {start!r}, {time!r} does not start before "
                "it stops; each row must have start < stop.")
    status = as_event_codes(frame[event].to_numpy(), n, (1,), f"column {event!r}")
    n_events = int(status.sum())
    if n_events == 0:
        raise StatisticalInputError(
            f"column {event!r} has no events (all {n} analysed rows are censored); a Cox model needs events."
        )
    x, names, terms = _design_matrix(frame, covariates)
    scodes = _strata_codes(frame, strata_cols)

    order = np.lexsort((status, t, scodes))
    t, status, x, scodes = t[order], status[order], x[order], scodes[order]
    entry = entry[order] if entry is not None else None
    means = x.mean(axis=0)
    xc = x - means  # centring: same estimates, less round-off (as coxfit6)

    p = x.shape[1]
    pl = _PartialLikelihood(t, status, xc, scodes, efron=(ties_key == "efron"), start=entry)
    fit = _newton_raphson(pl, p, int(iter_max), float(eps),
                          float(gconv) if convergence == "phreg_gconv" else None)
    if fit["rank0"] < p:
        bad = [names[i] for i in range(p) if fit["chol0"][i, i] == 0]
        raise StatisticalInputError(
            f"covariate column(s) {bad} are collinear with the other covariates or constant among the patients "
            "at risk at every event time" + (" (within strata)" if strata_cols else "")
            + " (R coxph would report NA); drop or recode them."
        )

    beta = fit["beta"]
    var = fit["var"]
    u = fit["u"]
    notes = []
    lp = xc @ beta
    if int(iter_max) > 1:
        infs = np.abs(u @ var)
        if not fit["converged"]:
            notes.append("Ran out of iterations and did not converge")
            if np.max(lp) > 500 or not np.all(np.isfinite(infs)):
                notes.append("one or more coefficients may be infinite")
        else:
            if convergence == "phreg_gconv":  # the next Newton step is not negligible by R's standard
                # at a GCONV stop, so the monotone-likelihood flag is R's, judged at R's estimate
                check = _newton_raphson(pl, p, int(iter_max), float(eps))
                if check["converged"]:
                    infs = np.abs(check["u"] @ check["var"])
                    u, beta_check = check["u"], check["beta"]
                else:
                    beta_check = beta
            else:
                beta_check = beta
            flag_inf = ~np.isfinite(u) | ((infs > eps) & (infs > _TOLER_INF * np.abs(beta_check)))
            if flag_inf.any():
                which = [names[i] for i in np.flatnonzero(flag_inf)]
                notes.append(
                    f"Loglik converged before variable(s) {which}; coefficient may be infinite "
                    "(monotone likelihood: no events, or only events, in a category)."
                )
    for note in notes:
        warnings.warn(note, CoxConvergenceWarning, stacklevel=2)

    se = np.sqrt(np.diag(var))
    z = beta / se
    zq = _sps.norm.ppf((1 + level) / 2)
    table = pd.DataFrame(
        {
            "term": names,
            "coef": beta,
            "se": se,
            "hr": np.exp(beta),
            "lower": np.exp(beta - zq * se),
            "upper": np.exp(beta + zq * se),
            "z": z,
            "p": _sps.chi2.sf(z * z, 1),
        }
    )
    loglik0, loglik1 = (float(v) for v in fit["loglik"])
    lr = -2.0 * (loglik0 - loglik1)
    chol_v, _ = _cholesky2(var)
    wald = float(beta @ _chsolve2(chol_v, beta))
    ties_text = (
        "Efron approximation for ties (R coxph default)"
        if ties_key == "efron"
        else "Breslow approximation for ties (SAS PHREG default)"
    )
    method = (
        "Cox proportional hazards model (partial likelihood, Newton-Raphson as R coxph), "
        + ties_text
        + (f", stratified by {', '.join(strata_cols)}" if strata_cols else "")
        + (f", counting-process ({start}, {time}] rows" if start is not None else "")
        + (f", stopped by SAS PHREG's relative gradient criterion (GCONV = {float(gconv):g})"
           if convergence == "phreg_gconv" else "")
    )
    design = _Design(time=t, status=status, x=x, strata=scodes, linear_predictor=lp, start=entry)
    return CoxResult(
        table=table,
        coef=beta.copy(),
        var=var,
        loglik=(loglik0, loglik1),
        lr_test=ChiSquareTest(float(lr), p, float(_sps.chi2.sf(lr, p))),
        wald_test=ChiSquareTest(wald, p, float(_sps.chi2.sf(wald, p))),
        score_test=ChiSquareTest(fit["score"], p, float(_sps.chi2.sf(fit["score"], p))),
        n=n,
        n_events=n_events,
        n_dropped=n_dropped,
        ties=ties_key,
        method=method,
        iterations=int(fit["iterations"]),
        converged=bool(fit["converged"]),
        level=level,
        terms=terms,
        strata=tuple(strata_cols),
        warnings=tuple(notes),
        _design=design,
    )
