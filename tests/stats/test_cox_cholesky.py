"""R's tolerant Cholesky, solve and inverse (stats/cox_cholesky.py) against numpy's solve and inverse."""

from __future__ import annotations

import numpy as np

from blinrwe.stats.cox_cholesky import _chinv2, _cholesky2, _chsolve2


def test_tolerant_cholesky_solves_and_inverts_a_full_rank_matrix_as_numpy():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4))
    a = a @ a.T + 4 * np.eye(4)
    y = rng.normal(size=4)
    chol, rank = _cholesky2(a)
    assert rank == 4
    np.testing.assert_allclose(_chsolve2(chol, y), np.linalg.solve(a, y), rtol=1e-12)
    np.testing.assert_allclose(_chinv2(chol), np.linalg.inv(a), rtol=1e-12)


def test_a_collinear_column_lowers_the_rank_and_gets_no_weight_in_the_solve():
    """As R's cholesky2/chsolve2: the pivot of a column that the others explain is zeroed, its
    coefficient in the solve is 0 (R reports it NA)."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 2))
    x = np.column_stack([x, x[:, 0] + x[:, 1]])
    chol, rank = _cholesky2(x.T @ x)
    assert rank == 2
    assert _chsolve2(chol, rng.normal(size=3))[2] == 0.0
