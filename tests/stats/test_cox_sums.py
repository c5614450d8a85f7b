"""Cox from per-time risk-set sums (numpy) equals cox_ph, with heavy ties."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.cox import cox_ph
from blinrwe.stats.cox_sums import RiskSetSums, cox_from_sums


def sums_of(t, d, x, beta):
    """The sums by distinct time, as an engine GROUP BY would give them."""
    times, inv = np.unique(t, return_inverse=True)
    w = np.exp(x @ beta)
    p = x.shape[1]

    def add(v):
        out = np.zeros((times.size,) + v.shape[1:])
        np.add.at(out, inv, v)
        return out

    xx = x[:, :, None] * x[:, None, :]
    return RiskSetSums(time=times, s0=add(w), s1=add(w[:, None] * x), s2=add(w[:, None, None] * xx),
                       d=add(d.astype(float)).astype(np.int64), xd=add(d[:, None] * x),
                       e0=add(w * d), e1=add((w * d)[:, None] * x), e2=add((w * d)[:, None, None] * xx))


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_equals_cox_ph(ties):
    rng = np.random.default_rng(11)
    n = 300
    x = np.column_stack([rng.integers(0, 2, n), rng.normal(50, 10, n)]).astype(float)
    t = np.floor(rng.exponential(20 * np.exp(-0.5 * x[:, 0]), n))  # few distinct times: large tie sets
    d = (rng.random(n) < 0.8).astype(int)
    frame = pd.DataFrame({"t": t, "d": d, "a": x[:, 0], "b": x[:, 1]})
    want = cox_ph(frame, "t", "d", ["a", "b"], ties=ties)
    xc = x - x.mean(axis=0)
    got = cox_from_sums(lambda beta: sums_of(t, d, xc, beta), 2, ties)
    assert got.converged and got.ties == ties
    np.testing.assert_allclose(got.coef, want.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(got.var, want.var, rtol=1e-6)
    np.testing.assert_allclose(got.loglik, want.loglik, rtol=1e-10)


def test_bad_ties_and_collinear():
    t = np.array([1.0, 2.0, 3.0, 4.0])
    d = np.array([1, 1, 0, 1])
    x = np.column_stack([[0.0, 1, 0, 1], [0.0, 2, 0, 2]])
    with pytest.raises(StatisticalInputError, match="ties"):
        cox_from_sums(lambda b: sums_of(t, d, x, b), 2, "exact")
    with pytest.raises(StatisticalInputError, match="singular"):
        cox_from_sums(lambda b: sums_of(t, d, x, b), 2)
