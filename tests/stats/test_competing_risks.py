"""cumulative_incidence and Gray's test against R cmprsk::cuminc (golden values from
tests/stats/golden/cif.R), a naive loop implementation and invariants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.competing_risks import ALL_GROUP, cumulative_incidence
from blinrwe.stats.kaplan_meier import kaplan_meier
from tests.stats.reference_cox_cif import naive_aalen_johansen, naive_gray_test

GOLDEN = json.loads((Path(__file__).parent / "golden" / "cif.json").read_text())
CASES = GOLDEN["cases"]
RTOL = 1e-6


def run_case(case, cause=1):
    d = GOLDEN["datasets"][case["data"]]
    return cumulative_incidence(
        d["time"], d["status"], cause,
        group=d[case["group"]] if "group" in case else None,
        strata=d[case["strata"]] if "strata" in case else None,
        rho=case["rho"],
    )


def _arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_r_cuminc_timepoints(case):
    exp = case["expected"]
    result = run_case(case)
    for curve in exp["curves"]:
        group = curve["group"] if "group" in case else ALL_GROUP
        got = result.at(exp["times"], cause=curve["cause"])
        got = got[got["group"] == group]
        np.testing.assert_allclose(got["estimate"], _arr(curve["est"]), rtol=RTOL, atol=1e-14, err_msg=curve["name"])
        np.testing.assert_allclose(got["variance"], _arr(curve["var"]), rtol=RTOL, atol=1e-14, err_msg=curve["name"])
        np.testing.assert_allclose(got["lower"], _arr(curve["lower"]), rtol=RTOL, atol=1e-14, err_msg=curve["name"])
        np.testing.assert_allclose(got["upper"], _arr(curve["upper"]), rtol=RTOL, atol=1e-14, err_msg=curve["name"])


NEAR_TIES = json.loads((Path(__file__).parent / "golden" / "near_ties.json").read_text())["cif"]


def test_near_ties_are_one_time():
    """Times within sqrt(machine eps) are one time (survival's aeqSurv rule): equal to cmprsk on the
    times R's aeqSurv ties; cuminc itself compares times exactly and would split them."""
    case = NEAR_TIES
    time = [float(t) for t in case["time"]]  # exact text: the near ties survive JSON
    assert len(set(time)) == case["n_distinct_raw"] > case["n_distinct_tied"]
    result = cumulative_incidence(time, case["status"], 1, group=case["group"])
    for cause in (1, 2):
        assert result.table[result.table["cause"] == cause]["time"].nunique() == case["n_distinct_tied"]
    times = [float(t) for t in case["times"]]
    for curve in case["curves"]:
        got = result.at(times, cause=curve["cause"])
        got = got[got["group"] == curve["group"]]
        np.testing.assert_allclose(got["estimate"], _arr(curve["est"]), rtol=RTOL, atol=1e-14)
        np.testing.assert_allclose(got["variance"], _arr(curve["var"]), rtol=RTOL, atol=1e-14)
    tests = case["tests"]
    np.testing.assert_allclose(result.gray_test["stat"], tests["stat"], rtol=RTOL)
    np.testing.assert_allclose(result.gray_test["p"], tests["p"], rtol=RTOL)


def test_curve_jumps_match_cuminc_corners():
    case = CASES[0]
    result = run_case(case)
    for raw in case["expected"]["raw"]:
        group, cause = raw["name"].split(" ")
        # cmprsk lists each jump as two corners: (t, F before), (t, F after); take the "after" ones
        t = np.array(raw["time"][2:-1:2])
        est = np.array(raw["est"][2:-1:2])
        var = np.array(raw["var"][2:-1:2])
        tab = result.table
        rows = tab[(tab["group"] == group) & (tab["cause"] == int(cause)) & (tab["n_event"] > 0)]
        np.testing.assert_allclose(rows["time"], t)
        np.testing.assert_allclose(rows["estimate"], est, rtol=RTOL)
        np.testing.assert_allclose(rows["variance"], var, rtol=RTOL)


def test_small_example_by_hand():
    d = GOLDEN["datasets"]["small"]
    res = cumulative_incidence(d["time"], d["status"], 1, group=d["group"])
    a = res.table[(res.table["group"] == "A") & (res.table["cause"] == 1)]
    # group A: n = 10; t=1 relapse: 1/10; t=2 death + censoring: S = 9/10 * 8/9 = 0.8 (censoring at risk);
    # t=3 relapse among 7: + 0.8/7; t=4 relapse and death among 6: + (0.8*6/7)/6
    expected = [0.1, 0.1, 0.1 + 0.8 / 7, 0.1 + 0.8 / 7 + 0.8 / 7]
    np.testing.assert_allclose(a["estimate"].to_numpy()[:4], expected, rtol=1e-12)
    assert list(a["n_risk"][:4]) == [10, 9, 7, 6]


@pytest.mark.parametrize("case", [c for c in CASES if c["data"] != "bmt"], ids=lambda c: c["name"])
def test_matches_naive_loops(case):
    d = GOLDEN["datasets"][case["data"]]
    res = run_case(case)
    time, status, group = np.array(d["time"], float), np.array(d["status"]), np.array(d["group"])
    for g in res.groups:
        for cause in res.causes:
            sel = group == g
            t, est, var = naive_aalen_johansen(time[sel], status[sel], cause)
            tab = res.table[(res.table["group"] == g) & (res.table["cause"] == cause)]
            np.testing.assert_allclose(tab["time"], t)
            np.testing.assert_allclose(tab["estimate"], est, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(tab["variance"], var, rtol=1e-9, atol=1e-15)
    strata = np.array(d[case["strata"]]) if "strata" in case else None
    for cause, stat in zip(res.gray_test["cause"], res.gray_test["stat"]):
        assert stat == pytest.approx(naive_gray_test(time, status, cause, group, strata), rel=1e-9)


def test_beyond_follow_up_is_nan_and_before_first_event_is_zero():
    res = cumulative_incidence([2, 3, 5], [1, 0, 2], 1)
    at = res.at([0, 1.5, 2, 5, 5.5])
    assert list(at["estimate"].fillna(-1)) == [0, 0, pytest.approx(1 / 3), pytest.approx(1 / 3), -1]
    assert np.isnan(at["lower"].iloc[0])  # F = 0: the log(-log) interval is not estimable


def test_unobserved_cause_has_zero_incidence():
    res = cumulative_incidence([1, 2, 3], [2, 0, 2], 1)
    assert res.causes == (1, 2)
    assert (res.at([1, 2, 3])["estimate"] == 0).all()


def test_input_errors():
    with pytest.raises(StatisticalInputError, match="event_type is missing at position 1"):
        cumulative_incidence([1, 2], [1, None], 1)
    with pytest.raises(StatisticalInputError, match="one code per time"):
        cumulative_incidence([1, 2], [1], 1)
    with pytest.raises(StatisticalInputError, match="group is missing at position 0"):
        cumulative_incidence([1, 2], [1, 0], 1, group=[None, "a"])
    with pytest.raises(StatisticalInputError, match="negative value"):
        cumulative_incidence([-1, 2], [1, 0], 1)
    res = cumulative_incidence([1, 2], [1, 0], 1)
    with pytest.raises(StatisticalInputError, match="cause 3 is not one of"):
        res.at([1], cause=3)


samples = st.lists(
    st.tuples(st.integers(0, 20), st.sampled_from([0, 1, 2]), st.sampled_from(["a", "b"])),
    min_size=2, max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(rows=samples, seed=st.integers(0, 1000))
def test_properties(rows, seed):
    time = np.array([r[0] for r in rows], float)
    status = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows])
    res = cumulative_incidence(time, status, 1, group=group)
    tab = res.table
    assert ((tab["estimate"] >= 0) & (tab["estimate"] <= 1 + 1e-12)).all()
    for (_, _), cur in tab.groupby(["group", "cause"]):
        assert (np.diff(cur["estimate"].to_numpy()) >= -1e-15).all()
        ok = cur["lower"].notna()
        assert (cur.loc[ok, "lower"] <= cur.loc[ok, "estimate"] + 1e-12).all()
        assert (cur.loc[ok, "estimate"] <= cur.loc[ok, "upper"] + 1e-12).all()
    # sum of the cause-specific CIFs + overall event-free KM == 1
    for g in res.groups:
        sel = group == g
        km = kaplan_meier(time[sel], (status[sel] > 0).astype(int))
        grid = np.unique(time[sel])
        total = 0.0
        for c in res.causes:
            at = res.at(grid, cause=c)
            total = total + at.loc[at["group"] == g, "estimate"].to_numpy()
        surv = km.at(grid)["survival"].to_numpy()
        np.testing.assert_allclose(total + surv, 1.0, atol=1e-12)
    # invariance to row order
    perm = np.random.default_rng(seed).permutation(len(rows))
    res2 = cumulative_incidence(time[perm], status[perm], 1, group=group[perm])
    pd.testing.assert_frame_equal(res.table, res2.table)
    if res.gray_test is not None:
        np.testing.assert_allclose(res.gray_test["stat"], res2.gray_test["stat"], rtol=1e-9, equal_nan=True)
