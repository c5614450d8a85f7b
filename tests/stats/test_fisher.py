"""Fisher's exact test for r x c tables against R fisher.test (golden/fisher.R) and brute-force enumeration."""

import itertools
import json
from math import lgamma
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact as scipy_fisher

from blinrwe.analysis.baseline import categorical_test
from blinrwe.errors import StatisticalInputError
from blinrwe.stats.fisher import FISHER_TOLERANCE, fisher_exact

GOLDEN = json.loads((Path(__file__).parent / "golden" / "fisher.json").read_text())["cases"]
COMPUTED = [c for c in GOLDEN if c["p"] is not None]


@pytest.mark.parametrize("case", COMPUTED, ids=lambda c: c["name"])
def test_equals_r_fisher_test(case):
    res = fisher_exact(np.array(case["table"]))
    assert res.note == "" and res.method == "Fisher's exact test"
    assert res.p == pytest.approx(case["p"], rel=1e-6)


def test_table_1_keeps_the_exact_test_where_r_computes_it():
    """Issue 7: a 4 x 3 table with n = 412 fell back to chi-square above 200,000 enumerated tables."""
    case = next(c for c in GOLDEN if c["name"] == "t4x3_n412")
    p, method, note = categorical_test(np.array(case["table"]))
    assert method == "Fisher's exact test" and note == ""
    assert p == pytest.approx(case["p"], rel=1e-6)


def test_too_large_is_reported_and_the_fallback_named():
    table = np.array(next(c for c in GOLDEN if c["name"] == "t5x4_n200")["table"])
    res = fisher_exact(table, max_paths=1000)
    assert np.isnan(res.p) and res.note.startswith("too large for exact enumeration (more than 1,000 partial tables")
    # R's FEXACT fails on this table too; Table 1 keeps chi-square and its method says why
    p, method, note = categorical_test(table)
    assert method.startswith("Pearson's chi-squared test (Fisher's exact test not computed: too large for exact")
    assert note == "expected counts < 5" and 0 < p <= 1


def test_2x2_is_scipys_exact_test_and_degenerate_margins_give_1():
    for t in ([[3, 7], [9, 2]], [[0, 5], [4, 1]], [[10, 10], [10, 10]]):
        assert fisher_exact(t).p == pytest.approx(scipy_fisher(t).pvalue, rel=1e-12)
    assert fisher_exact([[3, 0, 2]]).p == 1.0
    assert fisher_exact([[3, 0], [2, 0], [1, 0]]).p == 1.0


def test_invariant_to_transposing_and_reordering():
    t = np.array([[3, 1, 0, 2], [1, 4, 2, 0], [0, 2, 3, 1]])
    p = fisher_exact(t).p
    assert fisher_exact(t.T).p == pytest.approx(p, rel=1e-12)
    assert fisher_exact(t[::-1, [2, 0, 3, 1]]).p == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize("table, message", [
    ([1, 2, 3], "two-dimensional"),
    ([[1, -1], [2, 3]], "whole-number counts"),
    ([[1.5, 1], [2, 3]], "whole-number counts"),
])
def test_errors(table, message):
    with pytest.raises(StatisticalInputError, match=message):
        fisher_exact(table)


def _brute_force(table: np.ndarray) -> float:
    """Every table with the margins, from the definition (R's FEXACT tolerance)."""
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    n = int(table.sum())

    def logp(t):
        return (sum(lgamma(r + 1) for r in rows) + sum(lgamma(c + 1) for c in cols) - lgamma(n + 1)
                - sum(lgamma(x + 1) for x in t.ravel()))

    obs = logp(table)
    total = 0.0
    r, c = table.shape
    for free in itertools.product(*[range(min(rows[i], cols[j]) + 1) for i in range(r - 1) for j in range(c - 1)]):
        t = np.zeros((r, c), dtype=int)
        t[:-1, :-1] = np.array(free).reshape(r - 1, c - 1)
        t[:-1, -1] = rows[:-1] - t[:-1, :-1].sum(axis=1)
        t[-1, :] = cols - t[:-1, :].sum(axis=0)
        if (t < 0).any() or t[-1].sum() != rows[-1]:
            continue
        lp = logp(t)
        if lp <= obs + FISHER_TOLERANCE:
            total += np.exp(lp)
    return min(1.0, total)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 3).flatmap(lambda r: st.integers(2, 4).flatmap(
    lambda c: st.lists(st.integers(0, 4), min_size=r * c, max_size=r * c).map(lambda v: np.array(v).reshape(r, c)))))
def test_equals_brute_force_enumeration(table):
    used = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]  # empty rows and columns carry nothing
    expected = 1.0 if used.shape[0] < 2 or used.shape[1] < 2 else _brute_force(used)
    assert fisher_exact(table).p == pytest.approx(expected, rel=1e-9)
