"""Proportion CIs against R binom.test / prop.test(correct = FALSE) golden values."""

import json
from pathlib import Path

import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.proportion import proportion_ci

GOLDEN = json.loads((Path(__file__).parent / "golden" / "proportion.json").read_text())["cases"]


def test_seed_000_response_rate():
    ci = proportion_ci(12, 15)
    assert ci.estimate == pytest.approx(0.8)
    assert round(ci.lower * 100, 1) == 51.9 and round(ci.upper * 100, 1) == 95.7
    assert ci.method == "Clopper-Pearson exact binomial interval"
    assert (ci.k, ci.n, ci.level) == (12, 15, 0.95)


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: f"{c['k']}/{c['n']}@{c['level']}")
@pytest.mark.parametrize("method, key", [("clopper-pearson", "clopper_pearson"), ("wilson", "wilson"),
                                         ("wald", "wald")])
def test_equals_r(case, method, key):
    ci = proportion_ci(case["k"], case["n"], method=method, level=case["level"])
    lo, hi = case[key]
    assert ci.lower == pytest.approx(lo, rel=1e-9, abs=1e-12)
    assert ci.upper == pytest.approx(hi, rel=1e-9, abs=1e-12)


def test_wald_by_hand_and_naive():
    """12/15: 0.8 -/+ 1.959964 * sqrt(0.8 * 0.2 / 15) = 0.8 -/+ 0.2024 -> 0.5976-1.0 (clipped); the exact interval
    is never narrower than Wald's here."""
    ci = proportion_ci(12, 15, method="wald")
    assert ci.lower == pytest.approx(0.8 - 1.959963984540054 * (0.8 * 0.2 / 15) ** 0.5, rel=1e-12)
    assert ci.upper == 1.0 and "Wald" in ci.method
    assert (proportion_ci(0, 10, method="wald").lower, proportion_ci(0, 10, method="wald").upper) == (0.0, 0.0)


def test_edges_k_zero_and_k_n():
    assert proportion_ci(0, 10).lower == 0.0
    assert proportion_ci(10, 10).upper == 1.0
    assert proportion_ci(0, 10, method="wilson").lower == 0.0


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 0), "n is 0"),
        ((3, 2), "k (3) is larger than n (2)"),
        ((-1, 2), "k must be a whole number >= 0"),
        ((1.5, 2), "k must be a whole number >= 0"),
        ((1, "x"), "n must be a whole number"),
    ],
)
def test_errors(args, message):
    with pytest.raises(StatisticalInputError) as err:
        proportion_ci(*args)
    assert message in str(err.value)


def test_unknown_method_and_level():
    with pytest.raises(StatisticalInputError, match="method 'agresti' is not supported"):
        proportion_ci(1, 2, method="agresti")
    with pytest.raises(StatisticalInputError, match="level must be between 0 and 1"):
        proportion_ci(1, 2, level=95)


def test_clopper_pearson_equals_scipy_root_finder():
    """The closed-form beta quantiles equal scipy's root-finding exact interval (a second implementation)."""
    from scipy.stats import binomtest

    for n in (1, 2, 7, 30, 101):
        for k in range(0, n + 1, max(1, n // 7)):
            for level in (0.9, 0.95, 0.99):
                ci = proportion_ci(k, n, level=level)
                ref = binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
                assert ci.lower == pytest.approx(ref.low, rel=1e-9, abs=1e-12)
                assert ci.upper == pytest.approx(ref.high, rel=1e-9, abs=1e-12)
