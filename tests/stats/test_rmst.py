"""Restricted mean survival time against R survival (tests/stats/golden/rmst.R), a naive loop, and invariants."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.rmst import rmst

GOLDEN = json.loads((Path(__file__).parent / "golden" / "rmst.json").read_text())
CASES = [(name, r) for name, case in GOLDEN.items() if not name.startswith("_") for r in case["results"]]


@pytest.mark.parametrize("name, expected", CASES, ids=[f"{n}-tau{r['tau']}" for n, r in CASES])
def test_rmst_and_se_equal_survfit_rmean(name, expected):
    case = GOLDEN[name]
    groups = sorted(set(case["group"]))
    fit = rmst(case["time"], case["event"], expected["tau"], group=None if len(groups) == 1 else case["group"])
    np.testing.assert_allclose(fit.table["rmst"], np.atleast_1d(expected["rmst"]), rtol=1e-6)
    np.testing.assert_allclose(fit.table["se"], np.atleast_1d(expected["se"]), rtol=1e-6, atol=1e-12)


def test_two_groups_difference_is_first_minus_second_with_normal_ci():
    case = GOLDEN["aml"]
    fit = rmst(case["time"], case["event"], 24, group=case["group"])
    a, b = fit.table.itertuples()
    d = fit.difference.iloc[0]
    assert (a.group, b.group) == ("Maintained", "Nonmaintained") and d["contrast"] == "Maintained - Nonmaintained"
    assert d["estimate"] == pytest.approx(a.rmst - b.rmst)
    assert d["se"] == pytest.approx(math.hypot(a.se, b.se))
    assert d["lower"] == pytest.approx(d["estimate"] - 1.959963984540054 * d["se"])
    assert d["p"] == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(abs(d["estimate"] / d["se"]) / math.sqrt(2)))))
    assert fit.table["lower"].iloc[0] == pytest.approx(a.rmst - 1.959963984540054 * a.se)


def test_tau_before_the_first_time_is_tau_with_no_uncertainty():
    fit = rmst([2, 3, 5], [1, 1, 0], 1.0)
    assert fit.table.loc[0, ["rmst", "se"]].tolist() == [1.0, 0.0]


def test_tau_beyond_follow_up_is_flagged_and_extends_the_curve_flat():
    fit = rmst([1, 3, 4, 8, 10], [1, 0, 1, 1, 0], 15)
    assert bool(fit.table.loc[0, "beyond_follow_up"])
    assert not bool(rmst([1, 3, 4, 8, 10], [1, 0, 1, 1, 0], 9).table.loc[0, "beyond_follow_up"])


def test_an_empty_level_is_not_estimable_and_does_not_crash():
    group = pd.Categorical(["a", "a", "a"], categories=["a", "b"])
    fit = rmst([1, 2, 3], [1, 0, 1], 2.5, group=group)
    assert np.isnan(fit.table.loc[1, "rmst"]) and np.isnan(fit.difference.loc[0, "p"])


@pytest.mark.parametrize("tau", [0, -1, float("nan"), float("inf"), "x"])
def test_tau_must_be_a_positive_number(tau):
    with pytest.raises(StatisticalInputError, match="tau"):
        rmst([1, 2], [1, 0], tau)


# --- a naive second implementation and invariants --------------------------------------------


def rmst_reference(time, event, tau):
    """Integrate the KM step function subject by subject; Miller's variance, written from the definition."""
    times = sorted(set(float(t) for t in time))
    s, area, prev, steps = 1.0, 0.0, 0.0, []  # steps: (t, d, n) at event times <= tau
    for t in times:
        if t > tau:
            break
        area += s * (t - prev)
        prev = t
        n = sum(1 for x in time if float(x) >= t)
        d = sum(1 for x, e in zip(time, event) if float(x) == t and e)
        if d:
            steps.append((t, d, n))
            s *= (n - d) / n
    area += s * (tau - prev)

    def area_from(t0):  # area under the curve between t0 and tau
        s, a, prev = 1.0, 0.0, 0.0
        for t in times:
            if t > tau:
                break
            if t > t0:
                a += s * (t - max(prev, t0))
            n = sum(1 for x in time if float(x) >= t)
            d = sum(1 for x, e in zip(time, event) if float(x) == t and e)
            s *= (n - d) / n if d else 1.0
            prev = t
        return a + s * (tau - max(prev, t0))

    var = sum(area_from(t) ** 2 * d / (n * (n - d)) for t, d, n in steps if n > d)
    return area, math.sqrt(var)


_subjects = st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(_subjects, st.integers(1, 40))
def test_equals_the_naive_reference(subjects, tau):
    time, event = zip(*subjects)
    fit = rmst(list(time), [int(e) for e in event], tau)
    area, se = rmst_reference(time, event, tau)
    assert fit.table.loc[0, "rmst"] == pytest.approx(area, rel=1e-9, abs=1e-12)
    assert fit.table.loc[0, "se"] == pytest.approx(se, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(_subjects, st.integers(1, 40), st.integers(0, 10))
def test_bounded_by_tau_monotone_in_tau_and_invariant_to_row_order(subjects, tau, extra):
    time, event = np.array([t for t, _ in subjects], float), np.array([int(e) for _, e in subjects])
    r = rmst(time, event, tau).table.loc[0, "rmst"]
    assert 0 <= r <= tau + 1e-12
    assert rmst(time, event, tau + extra).table.loc[0, "rmst"] >= r - 1e-12
    order = np.random.default_rng(0).permutation(time.size)
    assert rmst(time[order], event[order], tau).table.loc[0, "rmst"] == pytest.approx(r)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=25), st.integers(1, 40))
def test_without_censoring_it_is_the_mean_of_the_truncated_times(times, tau):
    fit = rmst(times, [1] * len(times), tau)
    assert fit.table.loc[0, "rmst"] == pytest.approx(np.minimum(times, tau).mean())
