"""The quadratic form ``s' V^-1 s`` of a score test, and when it does not exist.

The log-rank and Gray's tests are both a score vector ``s`` (observed minus expected,
first group dropped) and its variance ``V``; the statistic is ``s' V^-1 s`` on
``len(s)`` degrees of freedom. ``V`` is singular when the data carry no information on
some contrast: every patient at risk has the event at each event time (each
hypergeometric term ``D (N - D)`` is 0), or a group is at risk only at such times.

Singular is decided by R's ``qr()`` rank rule (LINPACK ``dqrdc2``, tolerance 1e-7), the
rule ``cmprsk::cuminc`` applies to Gray's test: taking the columns in order, a column
whose norm, after removing its projection on the columns kept before it, is below
1e-7 of its own norm (or that is zero) does not add to the rank. Rounding noise in a
variance that is singular in exact arithmetic is therefore not inverted into a huge
statistic.
"""

from __future__ import annotations

import numpy as np

RANK_TOLERANCE = 1e-7  # R qr(tol = 1e-07)


def full_rank(variance: np.ndarray, tol: float = RANK_TOLERANCE) -> bool:
    """True when the square ``variance`` has full rank by R ``qr()``'s rule (see module docstring)."""
    v = np.asarray(variance, dtype=float)
    basis: list[np.ndarray] = []
    for j in range(v.shape[1]):
        col = v[:, j]
        own = float(np.linalg.norm(col))
        rest = col.copy()
        for q in basis:
            rest -= (q @ rest) * q
        left = float(np.linalg.norm(rest))
        if not left >= tol * (own if own > 0 else 1.0):
            return False
        basis.append(rest / left)
    return True


def quadratic_form(score: np.ndarray, variance: np.ndarray) -> float:
    """``s' V^-1 s``, or NaN when ``V`` is singular (or not finite)."""
    s = np.asarray(score, dtype=float)
    v = np.asarray(variance, dtype=float)
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(s))) or not full_rank(v):
        return float("nan")
    return float(s @ np.linalg.solve(v, s))
