"""The Cox partial likelihood over sorted data against naive computations (per-death sums over each
risk set), and its ways of summing a registry's rows (merged, block by block) to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from blinrwe.stats.cox_likelihood import _PartialLikelihood
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


def _sorted_rows(n, seed, times=40, p=3):
    rng = np.random.default_rng(seed)
    time = rng.integers(1, times, n).astype(float)
    status = rng.integers(0, 2, n)
    strata = rng.integers(0, 2, n)
    x = rng.normal(size=(n, p))
    order = np.lexsort((status, time, strata))
    return time[order], status[order], x[order], strata[order]


@pytest.mark.parametrize("efron", [True, False])
@pytest.mark.parametrize("times", [40, 2])  # many segments; or a few segments longer than a block
def test_the_likelihood_summed_block_by_block_equals_one_pass_over_all_rows_to_the_last_bit(monkeypatch, efron,
                                                                                               times):
    """The weighted moments are summed a block of whole segments at a time (a registry's rows in cache);
    numpy's per-segment sums do not depend on where a block starts, so every digit is that of one pass."""
    import blinrwe.stats.cox_likelihood as cl

    rows = _sorted_rows(3000, 11, times)
    beta = np.array([0.3, -0.2, 0.1])
    monkeypatch.setattr(cl, "_BLOCK_ROWS", 10**9)
    whole = cl._PartialLikelihood(*rows, efron=efron)
    assert len(whole._blocks) == 1
    monkeypatch.setattr(cl, "_BLOCK_ROWS", 97)
    blocked = cl._PartialLikelihood(*rows, efron=efron)
    assert len(blocked._blocks) > 1 or times == 2
    for got, want in zip(blocked(beta), whole(beta)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(blocked.group_terms(beta), whole.group_terms(beta)):
        np.testing.assert_array_equal(got, want)


def test_row_blocks_cover_every_segment_once_and_start_at_segment_starts():
    from blinrwe.stats.cox_likelihood import _row_blocks

    seg_starts = np.array([0, 3, 4, 10, 30, 31, 60])
    blocks = _row_blocks(seg_starts, 70, 8)
    assert blocks[0][0] == 0 and blocks[-1][1] == 70 and blocks[-1][3] == seg_starts.size
    for (lo, hi, first, end), (next_lo, _, next_first, _) in zip(blocks, blocks[1:] + [(70, 0, seg_starts.size, 0)]):
        assert hi == next_lo and end == next_first and lo == seg_starts[first]
    assert _row_blocks(np.array([0]), 5, 8) == [(0, 5, 0, 1)]  # one segment, one patient or a few
    assert _row_blocks(np.array([0]), 50, 8) == [(0, 50, 0, 1)]  # a segment longer than a block is one block


def test_evaluations_are_remembered_and_handed_out_as_copies():
    rows = _sorted_rows(200, 3)
    pl = _PartialLikelihood(*rows, efron=True)
    beta = np.array([0.1, 0.2, -0.1])
    first = pl(beta)
    first[1][:] = 99.0  # the caller's copy: the remembered score is not changed
    again = pl(beta)
    fresh = _PartialLikelihood(*rows, efron=True)(beta)
    for got, want in zip(again, fresh):
        np.testing.assert_array_equal(got, want)
    assert pl.group_terms(beta) is pl.group_terms(beta)  # the last evaluation's terms, not computed again


def test_the_other_ties_share_the_rows_and_equal_a_likelihood_built_for_them():
    rows = _sorted_rows(300, 5)
    beta = np.array([0.2, 0.0, -0.3])
    efron = _PartialLikelihood(*rows, efron=True)
    assert efron.with_ties(True) is efron
    breslow = efron.with_ties(False)
    assert breslow is not efron and breslow.seg_starts is efron.seg_starts
    for got, want in zip(breslow(beta), _PartialLikelihood(*rows, efron=False)(beta)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(efron(beta), _PartialLikelihood(*rows, efron=True)(beta)):  # not disturbed
        np.testing.assert_array_equal(got, want)


def test_a_single_row_and_all_censored_rows_give_a_finite_likelihood():
    one = _PartialLikelihood(np.array([2.0]), np.array([1]), np.zeros((1, 1)), np.array([0]), efron=True)
    loglik, score, info = one(np.zeros(1))
    assert loglik == 0.0 and score.tolist() == [0.0] and info.tolist() == [[0.0]]
    censored = _PartialLikelihood(np.arange(1.0, 6.0), np.zeros(5, dtype=np.int64), np.ones((5, 1)),
                                  np.zeros(5, dtype=np.int64), efron=True)
    loglik, score, info = censored(np.zeros(1))
    assert loglik == 0.0 and score.tolist() == [0.0] and info.tolist() == [[0.0]]
