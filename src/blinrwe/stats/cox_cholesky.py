"""R's tolerant Cholesky decomposition, solve and inverse (survival/src/cholesky2.c, chsolve2.c,
chinv2.c), used by the Cox fit (:mod:`blinrwe.stats.cox_likelihood`).

Ported so that singular columns, the score test and the variance are decided by the same pivot
tolerance as R (a pivot below it is zeroed: R reports that coefficient NA); p is small, so plain
loops are fine.
"""

from __future__ import annotations

import numpy as np

_TOLER_CHOL = np.finfo(float).eps ** 0.75  # coxph.control(toler.chol)


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
