"""The Cox partial likelihood over sorted data and R's tolerant Cholesky, against naive computations
(per-death sums over each risk set; numpy's solve and inverse)."""

from __future__ import annotations

import numpy as np
import pytest

from blinrwe.stats.cox_likelihood import _PartialLikelihood, _chinv2, _cholesky2, _chsolve2
from tests.stats.reference_cox_cif import _cox_terms


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("seed", range(5))
def test_loglik_score_and_information_equal_the_per_death_sums(ties, seed):
    """Generated data with many tied times in two strata, at a random beta (not only at 0)."""
    rng = np.random.default_rng(seed)
    n, p = 60 + 20 * seed, 3
    time = rng.integers(1, 12, n).astype(float)
    status = rng.integers(0, 2, n)
    strata = rng.integers(0, 2, n)
    x = rng.normal(size=(n, p))
    order = np.lexsort((status, time, strata))  # the order the likelihood needs: stratum, time, status
    time, status, strata, x = time[order], status[order], strata[order], x[order]
    beta = rng.normal(scale=0.5, size=p)
    loglik, score, info = _PartialLikelihood(time, status, x, strata, efron=ties == "efron")(beta)
    want_loglik, want_score, want_hessian = _cox_terms(beta, time, status, x, strata, ties)
    assert loglik == pytest.approx(want_loglik, rel=1e-12)
    np.testing.assert_allclose(score, want_score, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(info, -want_hessian, rtol=1e-10, atol=1e-12)


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


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("seed", range(5))
def test_rows_merged_with_their_counts_give_the_likelihood_of_every_row(ties, seed):
    """Categorical covariates and whole-day times (a registry's Cox model): the rows merged by
    merge_identical_rows, each with its count, give the naive per-death sums over all the rows."""
    from blinrwe.stats.cox_likelihood import merge_identical_rows

    rng = np.random.default_rng(100 + seed)
    n = 400 + 100 * seed
    time = rng.integers(1, 7, n).astype(float)
    status = rng.integers(0, 2, n)
    strata = rng.integers(0, 2, n)
    x = np.column_stack([rng.integers(0, 2, n), rng.integers(0, 3, n)]).astype(float) - 0.5
    order = np.lexsort((status, time, strata))
    time, status, strata, x = time[order], status[order], strata[order], x[order]
    merged = merge_identical_rows(time, status, x, strata)
    assert merged is not None and merged[0].size < n / 2 and merged[-1].sum() == n
    *rows, count = merged
    beta = rng.normal(scale=0.5, size=2)
    loglik, score, info = _PartialLikelihood(*rows, efron=ties == "efron", count=count)(beta)
    want_loglik, want_score, want_hessian = _cox_terms(beta, time, status, x, strata, ties)
    assert loglik == pytest.approx(want_loglik, rel=1e-12)
    np.testing.assert_allclose(score, want_score, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(info, -want_hessian, rtol=1e-10, atol=1e-10)


def test_rows_are_merged_only_when_that_halves_them():
    """Distinct rows (a continuous covariate) are used as they are; a single row too."""
    from blinrwe.stats.cox_likelihood import merge_identical_rows

    time, status, strata = np.arange(1.0, 11.0), np.ones(10, dtype=np.int64), np.zeros(10, dtype=np.int64)
    assert merge_identical_rows(time, status, np.linspace(0, 1, 10)[:, None], strata) is None
    assert merge_identical_rows(time[:1], status[:1], np.zeros((1, 1)), strata[:1]) is None
    same = merge_identical_rows(np.ones(10), status, np.zeros((10, 1)), strata)
    assert same[0].tolist() == [1.0] and same[-1].tolist() == [10]
