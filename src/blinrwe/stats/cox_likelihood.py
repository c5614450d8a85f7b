"""The Cox partial likelihood over sorted data and R's Newton-Raphson fit (:mod:`blinrwe.stats.cox`).

Ported from R ``survival`` (coxfit6.c, agfit4.c for (start, stop] rows; its tolerant Cholesky
in :mod:`blinrwe.stats.cox_cholesky`) so that the estimates, the singular columns, the score test
and the variance follow R's rules and tolerances; :func:`blinrwe.stats.cox.cox_ph` prepares the
data and reports the fit.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from ._inputs import stable_order
from .cox_cholesky import _chinv2, _cholesky2, _chsolve2  # noqa: F401  (also imported from here)

_BLOCK_ROWS = 16384  # rows whose weighted moments are formed at once (about 2 MB with four covariates)


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

    ``count``: how many patients each row stands for (rows that agree in stratum, time, status and
    every covariate, merged by :func:`merge_identical_rows`). The sums are then sums over the
    patients, and a tie group's d deaths are its patients' deaths, so Efron's k/d steps are those of
    the unmerged data: the same likelihood (as replicated rows, not as R's case weights), from as
    many rows as there are distinct patterns.

    Speed at a registry's size (a million rows): the weighted moments ``w (1, x, x x')`` are
    formed for a block of whole segments at a time (some 16,000 rows) column by column in a
    small Fortran-ordered scratch array, and summed per segment (``np.add.reduceat`` along the
    rows) while in cache, each column read contiguously. numpy sums each column of a segment by
    the same pairwise rule whatever the memory layout and wherever the block starts, so the sums
    are those of one row-ordered array of all rows to the last bit, several times faster and
    without an n x (1 + p + p(p+1)/2) array. The products ``x_i x_j`` are formed again each
    evaluation, as ``(x_i x_j) w``: the same two roundings as from a stored product.
    Evaluations are remembered by ``beta``: a second fit of the same rows (SAS's stopping rule
    after R's, whose Newton steps are the same) or the PH test at the fitted ``beta`` costs no
    pass over the rows. :meth:`with_ties` gives the other ties' likelihood of the same rows,
    sharing everything but Efron's fractions.
    """

    def __init__(self, time, status, x, strata, efron: bool, start=None, count=None):
        n, p = x.shape
        self.count = None if count is None else np.asarray(count, dtype=np.float64)
        self.p = p
        self.tri = np.triu_indices(p)
        m = 1 + p + self.tri[0].size
        self.x = x
        self._xf = np.asfortranarray(x)  # columns contiguous, for the moments
        self._calls: dict[bytes, tuple] = {}  # beta -> (loglik, score, information, moment_scale)
        self._last_terms: tuple | None = None  # (beta, group_terms(beta), moment_scale) of the last evaluation
        change_group = np.ones(n, dtype=bool)
        change_group[1:] = (time[1:] != time[:-1]) | (strata[1:] != strata[:-1])
        change_seg = change_group.copy()
        change_seg[1:] |= status[1:] != status[:-1]
        self.seg_starts = np.flatnonzero(change_seg)
        # rows in blocks of whole segments: the moments of one block at a time, in a scratch array that stays
        # in cache (the (start, stop] form needs every row's moments at once)
        self._blocks = _row_blocks(self.seg_starts, n, _BLOCK_ROWS) if start is None else [(0, n, 0, None)]
        rows = max(hi - lo for lo, hi, _, _ in self._blocks)
        self._w = np.empty((rows, m), order="F")  # reused each evaluation (no 8 n m-byte allocation per step)
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
        dead_count = np.ones(self.dead.size) if count is None else self.count[self.dead]
        dcount = np.rint(np.bincount(gid[self.dead], weights=dead_count, minlength=self.n_groups)).astype(np.int64)
        self.death_groups = np.flatnonzero(dcount > 0)  # tie groups with deaths
        d = dcount[self.death_groups]
        self.owner = np.repeat(np.arange(d.size), d)  # death term -> index in death_groups
        rank = np.arange(self.owner.size) - np.repeat(np.cumsum(d) - d, d)
        self._efron_frac = rank / np.repeat(d, d)
        self.efron = bool(efron)
        self.frac = self._efron_frac if efron else np.zeros(self.owner.size)
        self.n_dead = int(d.sum())
        self.xd = x[self.dead]
        weighted_xd = self.xd * dead_count[:, None]
        self.sum_xd = weighted_xd.sum(axis=0)
        self.xd_by_group = np.column_stack(
            [np.bincount(gid[self.dead], weights=weighted_xd[:, j], minlength=self.n_groups)[self.death_groups]
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

    def with_ties(self, efron: bool) -> "_PartialLikelihood":
        """The likelihood of the same rows under the other ties rule (Efron or Breslow), sharing the
        rows, the tie groups and the scratch array (the two are never evaluated at once)."""
        if bool(efron) == self.efron:
            return self
        other = copy.copy(self)
        other.efron = bool(efron)
        other.frac = self._efron_frac if efron else np.zeros(self.owner.size)
        other._calls, other._last_terms = {}, None
        return other

    def _weighted_moments(self, weight: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """``weight * (1, x, x_i x_j for i <= j)`` of rows ``lo:hi`` (``weight`` theirs), in the
        Fortran-ordered scratch array, each column written contiguously."""
        w, xf, p = self._w[:hi - lo], self._xf[lo:hi], self.p
        w[:, 0] = weight
        for j in range(p):
            np.multiply(xf[:, j], weight, out=w[:, 1 + j])
        for k, (i, j) in enumerate(zip(*self.tri)):
            column = w[:, 1 + p + k]
            np.multiply(xf[:, i], xf[:, j], out=column)
            column *= weight
        return w

    def _segment_sums(self, weight: np.ndarray):
        """Per segment (rows of one stratum, time and status) the sums of the weighted moments, block by
        block of whole segments (the same sums as of all rows at once); and, for (start, stop] rows,
        every row's weighted moments."""
        if self.entry is not None:
            w = self._weighted_moments(weight, 0, weight.size)
            return np.add.reduceat(w, self.seg_starts, axis=0), w
        seg = np.empty((self.seg_starts.size, self._w.shape[1]))
        for lo, hi, s_lo, s_hi in self._blocks:
            w = self._weighted_moments(weight[lo:hi], lo, hi)
            seg[s_lo:s_hi] = np.add.reduceat(w, self.seg_starts[s_lo:s_hi] - lo, axis=0)
        return seg, None

    def group_terms(self, beta: np.ndarray):
        """Per tie group with deaths: sum of log denominators, Efron-weighted mean sum, information.

        The last evaluation is remembered (the PH test asks again at the fitted ``beta``); the arrays
        returned are shared, not to be written to."""
        key = np.asarray(beta, dtype=np.float64).tobytes()
        last = self._last_terms
        if last is not None and last[0] == key:
            self.moment_scale = last[2]
            return last[1]
        terms = self._group_terms(beta)
        self._last_terms = (key, terms, self.moment_scale)
        return terms

    def _group_terms(self, beta: np.ndarray):
        p = self.p
        eta = self.x @ beta if p else np.zeros(self.x.shape[0])
        shift = float(np.max(eta))  # the likelihood is invariant to a common shift of eta
        weight = np.exp(eta - shift)
        if self.count is not None:
            weight *= self.count
        seg, w = self._segment_sums(weight)
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
        """(log partial likelihood, score, information) at ``beta``, each ``beta`` computed once."""
        key = np.asarray(beta, dtype=np.float64).tobytes()
        known = self._calls.get(key)
        if known is None:
            eta_dead_sum, log_den, mean_sum, info = self.group_terms(beta)
            loglik = eta_dead_sum - float(np.sum(log_den))
            score = self.sum_xd - mean_sum.sum(axis=0)
            known = self._calls[key] = (loglik, score, info.sum(axis=0), self.moment_scale)
        self.moment_scale = known[3]
        return known[0], known[1].copy(), known[2].copy()


def _row_blocks(seg_starts: np.ndarray, n: int, rows: int) -> list[tuple[int, int, int, int]]:
    """(first row, end row, first segment, end segment) of blocks of about ``rows`` rows that start
    and end at segment boundaries (a segment longer than that is one block)."""
    cuts = np.unique(np.searchsorted(seg_starts, np.arange(rows, n, rows), side="left"))
    cuts = cuts[(cuts > 0) & (cuts < seg_starts.size)]
    seg_lo = np.concatenate(([0], cuts)).astype(np.int64)
    seg_hi = np.concatenate((cuts, [seg_starts.size])).astype(np.int64)
    row_lo = seg_starts[seg_lo]
    row_hi = np.append(seg_starts[seg_hi[:-1]], n)
    return list(zip(row_lo.tolist(), row_hi.tolist(), seg_lo.tolist(), seg_hi.tolist()))


def merge_identical_rows(time, status, x, strata):
    """Rows sorted by (stratum, time, status) merged where they agree in every covariate too: the
    merged ``(time, status, x, strata)`` in the same order and how many rows each stands for.

    A registry's Cox model on a few categorical covariates has a million rows but only as many
    distinct rows as (stratum x time x status x covariate pattern); the partial likelihood
    (:class:`_PartialLikelihood` with ``count``) is summed over those. None when merging would
    not halve the rows, or when the bound (tie groups x covariate patterns) cannot show that it
    would; the rows are then used as they are."""
    n = time.size
    if n < 2:
        return None
    # at most (tie groups x covariate patterns) rows stay: skip the sort when that bound cannot halve n
    # (a continuous covariate such as age: nearly every row is its own pattern)
    groups = 1 + int(np.count_nonzero((time[1:] != time[:-1]) | (status[1:] != status[:-1])
                                      | (strata[1:] != strata[:-1])))
    patterns = 1
    for column in x.T:
        patterns *= len(pd.unique(column))
        if groups * patterns * 2 > n:
            return None
    order = stable_order(strata, time, status, *x.T)  # the sort order kept; x breaks its ties
    keys = [strata[order], time[order], status[order], *x[order].T]
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for key in keys:
        new[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(new)
    if starts.size * 2 > n:
        return None
    kept = order[starts]
    return time[kept], status[kept], x[kept], strata[kept], np.diff(np.append(starts, n))


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
