"""Fisher's exact test for an r x c contingency table, equal to R ``fisher.test``.

Clinical use: Table 1 compares a categorical baseline characteristic (sex, cytogenetic
risk, line of therapy) between groups when some expected counts are below 5, where the
chi-square approximation is poor.

Definition (Freeman and Halton 1951): given the margins, a table ``T`` has the
multivariate hypergeometric probability ``P(T) = prod r_i! prod c_j! / (n! prod t_ij!)``;
the two-sided p value is the total probability of the tables no more probable than the
observed one. As R's FEXACT, "no more probable" is ``log P(T) <= log P(observed) +
3.45254e-7`` (its tolerance ``tol``), so tables equal in exact arithmetic count.

Algorithm: a network over columns (Mehta and Patel 1983, the idea of R's FEXACT). A node
is the stage (columns placed) and the row totals still to fill, sorted (the rest of the
table does not depend on the row order); each node keeps the distinct partial log
probabilities of the paths reaching it, with multiplicities. A path is settled without
expanding it when bounds on every completion show that all of them (sum of their
probabilities in closed form, ``N! / prod R_i!``) or none of them qualify; the last two
columns are settled exactly and vectorised. The result is exact (no sampling, no
workspace limit). scipy's r x c ``fisher_exact`` is a Monte Carlo (or full permutation)
p value, so it is not used there; 2 x 2 tables use scipy's exact test (R's 2 x 2 rule).

Where the network would have to hold more than ``max_paths`` partial paths the test
stops and the result says so (``p`` NaN, ``note``); the caller then reports another test
and names the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps
from scipy.special import gammaln

from blinrwe.errors import StatisticalInputError

__all__ = ["FisherTest", "fisher_exact", "FISHER_TOLERANCE", "FISHER_MAX_PATHS"]

FISHER_TOLERANCE = 3.45254e-7  # R fexact.c: tol, added to the observed log probability
FISHER_MAX_PATHS = 2_000_000  # partial paths expanded in one stage before giving up (time and memory bound)
METHOD = "Fisher's exact test"


@dataclass(frozen=True)
class FisherTest:
    """Result of :func:`fisher_exact`: ``p`` (NaN when not computed, with the reason in ``note``)."""

    p: float
    method: str = METHOD
    note: str = ""


class _TooLarge(Exception):
    pass


def _compositions(total: int, caps: np.ndarray) -> np.ndarray:
    """All vectors t with 0 <= t <= caps and sum t = total (one row each), built one entry at a time."""
    caps = np.asarray(caps, dtype=np.int64)
    after = np.concatenate((np.cumsum(caps[::-1])[::-1][1:], [0]))  # capacity of the entries after i
    parts = np.zeros((1, 0), dtype=np.int64)
    used = np.zeros(1, dtype=np.int64)
    for i in range(caps.size - 1):
        lo = np.maximum(0, total - used - after[i])
        hi = np.minimum(caps[i], total - used)
        count = np.maximum(hi - lo + 1, 0)
        src = np.repeat(np.arange(used.size), count)
        x = lo[src] + np.arange(src.size) - np.repeat(np.cumsum(count) - count, count)
        parts = np.column_stack((parts[src], x))
        used = used[src] + x
    if used.size and caps.size:
        keep = (total - used >= 0) & (total - used <= caps[-1])
        return np.column_stack((parts[keep], total - used[keep]))
    return np.zeros((0, caps.size), dtype=np.int64)


def _spread(total: int, caps: np.ndarray, balanced: bool) -> np.ndarray:
    """The allocation of ``total`` under ``caps`` with the largest (balanced) or smallest multinomial
    coefficient: water-filling for the largest, filling the largest caps first for the smallest."""
    caps = np.asarray(caps, dtype=np.int64)
    out = np.zeros_like(caps)
    if not balanced:
        left = total
        for i in np.argsort(-caps, kind="stable"):
            out[i] = min(caps[i], left)
            left -= out[i]
        return out
    left = total
    for pos, i in enumerate(np.argsort(caps, kind="stable")):  # smallest caps first; nothing is left over
        out[i] = min(caps[i], left // (caps.size - pos))
        left -= out[i]
    return out


def fisher_exact(table, max_paths: int = FISHER_MAX_PATHS) -> FisherTest:
    """Two-sided Fisher exact p value of an r x c table of counts, as R ``fisher.test`` (see module docstring)."""
    t = np.asarray(table)
    if t.ndim != 2 or t.size == 0:
        raise StatisticalInputError(f"table must be a two-dimensional array of counts; got shape {t.shape}.")
    if not np.all(np.isfinite(t.astype(float))) or np.any(t < 0) or np.any(t != np.round(t)):
        raise StatisticalInputError("table must hold whole-number counts >= 0.")
    t = t.astype(np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return FisherTest(1.0)
    if t.shape == (2, 2):
        return FisherTest(float(_sps.fisher_exact(t).pvalue))
    if t.shape[0] > t.shape[1]:
        t = t.T  # fewer rows: fewer nodes per stage
    try:
        return FisherTest(_network_p(t, max_paths))
    except _TooLarge as why:
        return FisherTest(float("nan"), note=f"too large for exact enumeration ({why})")


def _network_p(t: np.ndarray, max_paths: int) -> float:
    rows = t.sum(axis=1)
    cols = np.sort(t.sum(axis=0))[::-1]  # large columns first
    n = int(rows.sum())
    lf = gammaln(np.arange(n + 2, dtype=float) + 1.0)
    const = float(lf[rows].sum() - lf[n])

    def value(comp):  # log(c! / prod t!) of column compositions (rows of comp)
        return lf[comp.sum(axis=-1)] - lf[comp].sum(axis=-1)

    observed = float(sum(value(t[:, j]) for j in range(t.shape[1])))
    threshold = observed + FISHER_TOLERANCE
    m = cols.size
    p_total = 0.0

    def bounds(stage: int, remaining: np.ndarray):
        hi = lo = 0.0
        for c in cols[stage:]:
            hi += float(value(_spread(int(c), remaining, True)))
            lo += float(value(_spread(int(c), remaining, False)))
        return lo, hi

    def all_completions(remaining: np.ndarray) -> float:
        return float(lf[remaining.sum()] - lf[remaining].sum())

    # nodes: sorted remaining row totals (one row each); paths: node index, partial log value, multiplicity
    keys = np.sort(rows)[None, ::-1].astype(np.int64)
    if float(n + 1) ** rows.size >= 2.0 ** 62:
        raise _TooLarge("its nodes cannot be indexed in 64 bits")
    radix = (n + 1) ** np.arange(rows.size, dtype=np.int64)
    node_of, past, weight = np.zeros(1, dtype=np.int64), np.zeros(1), np.ones(1)
    for stage in range(m - 2):
        child_keys, child_past, child_weight = [], [], []
        held = 0
        order = np.argsort(node_of, kind="stable")
        node_of, past, weight = node_of[order], past[order], weight[order]
        starts = np.searchsorted(node_of, np.arange(keys.shape[0] + 1))
        for i in range(keys.shape[0]):
            pp, ww = past[starts[i]:starts[i + 1]], weight[starts[i]:starts[i + 1]]
            remaining = keys[i]
            lo, hi = bounds(stage, remaining)
            settled = pp + hi <= threshold
            if settled.any():
                p_total += float(np.exp(const + pp[settled] + all_completions(remaining)) @ ww[settled])
            open_ = ~settled & (pp + lo <= threshold)
            if not open_.any():
                continue
            pp, ww = pp[open_], ww[open_]
            comp = _compositions(int(cols[stage]), remaining)
            held += pp.size * comp.shape[0]
            if held > max_paths:
                raise _TooLarge(f"more than {max_paths:,} partial tables")
            rest = np.sort(remaining[None, :] - comp, axis=1)[:, ::-1]
            child_keys.append(np.repeat(rest, pp.size, axis=0))
            child_past.append((value(comp)[:, None] + pp[None, :]).ravel())
            child_weight.append(np.tile(ww, comp.shape[0]))
        if not child_keys:
            return min(1.0, p_total)
        ck = np.concatenate(child_keys)
        cp = np.concatenate(child_past)
        cw = np.concatenate(child_weight)
        code = ck @ radix
        codes, first_row, node_of = np.unique(code, return_index=True, return_inverse=True)
        keys, node_of = ck[first_row], node_of.reshape(-1)
        # merge paths of equal probability at the same node (same columns in another order)
        rounded = np.round(cp, 9)
        order = np.lexsort((rounded, node_of))
        node_of, rounded, cp, cw = node_of[order], rounded[order], cp[order], cw[order]
        new_path = np.ones(cp.size, dtype=bool)
        new_path[1:] = (node_of[1:] != node_of[:-1]) | (rounded[1:] != rounded[:-1])
        weight = np.add.reduceat(cw, np.flatnonzero(new_path))
        node_of, past = node_of[new_path], cp[new_path]
    # last two columns: every composition of the first, the second determined; exact and vectorised
    c = int(cols[m - 2])
    order = np.argsort(node_of, kind="stable")
    node_of, past, weight = node_of[order], past[order], weight[order]
    starts = np.searchsorted(node_of, np.arange(keys.shape[0] + 1))
    for i in range(keys.shape[0]):
        pp, ww = past[starts[i]:starts[i + 1]], weight[starts[i]:starts[i + 1]]
        remaining = keys[i]
        comp = _compositions(c, remaining)
        vals = np.sort(value(comp) + value(remaining[None, :] - comp))
        top = vals[-1]
        cum = np.concatenate(([0.0], np.cumsum(np.exp(vals - top))))
        upto = np.searchsorted(vals, threshold - pp, side="right")
        p_total += float((np.exp(const + pp + top) * cum[upto]) @ ww)
    return min(1.0, p_total)
