"""Log-rank tests against R survdiff golden values (tests/stats/golden/km_logrank.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.counts import event_counts_from_table
from blinrwe.stats.logrank import logrank, logrank_from_counts, logrank_trend

GOLDEN = json.loads((Path(__file__).parent / "golden" / "km_logrank.json").read_text())["logrank"]
REL = 1e-6


def _group(case):
    # R factor levels are sorted labels; keep numeric labels numeric where R had numbers.
    g = np.asarray(case["group"])
    try:
        return g.astype(float)
    except ValueError:
        return g


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: c["name"])
def test_equals_survdiff(case):
    res = logrank(case["time"], case["event"], _group(case), strata=case["strata"])
    assert res.chisq == pytest.approx(case["chisq"], rel=REL)
    assert res.df == case["df"]
    assert res.p == pytest.approx(case["p"], rel=REL)
    np.testing.assert_allclose(res.table["n"], case["n"])
    np.testing.assert_allclose(res.table["observed"], case["observed"], rtol=REL)
    np.testing.assert_allclose(res.table["expected"], case["expected"], rtol=REL)
    np.testing.assert_allclose(res.variance, np.atleast_2d(case["var"]), rtol=REL, atol=1e-12)
    assert [str(g) for g in case["groups"]] == [str(g if not isinstance(g, float) else int(g)) for g in res.groups]
    assert res.stratified == (case["strata"] is not None)


@pytest.mark.parametrize("case", [c for c in GOLDEN if "trend" in c], ids=lambda c: c["name"])
def test_trend_equals_manual_r(case):
    labels = sorted(set(case["group"]), key=lambda x: (len(x), x))
    score_of = dict(zip(labels, case["trend"]["scores"]))
    scores = [score_of[g] for g in case["group"]]
    res = logrank_trend(case["time"], case["event"], scores, strata=case["strata"])
    assert res.chisq == pytest.approx(case["trend"]["chisq"], rel=REL)
    assert res.p == pytest.approx(case["trend"]["p"], rel=REL)
    assert res.df == 1


NEAR_TIES = json.loads((Path(__file__).parent / "golden" / "near_ties.json").read_text())["logrank"]


@pytest.mark.parametrize("case", NEAR_TIES, ids=lambda c: c["name"])
def test_near_ties_equal_survdiff(case):
    """Times within sqrt(machine eps) are one time, as survdiff's timefix (times stored as exact text)."""
    res = logrank([float(t) for t in case["time"]], case["event"], case["group"], strata=case["strata"])
    np.testing.assert_allclose(res.table["observed"], case["observed"], rtol=REL)
    np.testing.assert_allclose(res.table["expected"], case["expected"], rtol=REL)
    np.testing.assert_allclose(res.variance, np.atleast_2d(case["var"]), rtol=REL, atol=1e-12)
    assert res.chisq == pytest.approx(case["chisq"], rel=REL)
    assert res.p == pytest.approx(case["p"], rel=REL) and res.df == case["df"]


def test_two_group_trend_equals_logrank():
    case = GOLDEN[0]  # aml, 2 groups: any two scores give the ordinary test
    scores = [0 if g == "Maintained" else 1 for g in case["group"]]
    assert logrank_trend(case["time"], case["event"], scores).chisq == pytest.approx(case["chisq"], rel=1e-9)


def test_from_aggregated_counts():
    case = GOLDEN[2]  # tied whole days, 3 groups
    df = pd.DataFrame({"time": case["time"], "event": case["event"], "group": case["group"]})
    agg = df.groupby(["group", "time"])["event"].agg(n_event="sum", n_censor=lambda e: int((e == 0).sum())).reset_index()
    res = logrank_from_counts(event_counts_from_table(agg, group="group"))
    assert res.chisq == pytest.approx(case["chisq"], rel=REL)


def test_row_order_invariance():
    case = GOLDEN[3]
    order = np.random.default_rng(0).permutation(len(case["time"]))
    a = logrank(case["time"], case["event"], case["group"], strata=case["strata"])
    b = logrank(np.asarray(case["time"])[order], np.asarray(case["event"])[order],
                np.asarray(case["group"])[order], strata=np.asarray(case["strata"])[order])
    assert a.chisq == pytest.approx(b.chisq, rel=1e-12)


def test_method_is_named():
    res = logrank([1, 2, 3, 4], [1, 1, 1, 1], ["a", "b", "a", "b"])
    assert res.method == "log-rank test (Mantel-Cox; R survdiff rho = 0)"
    assert list(res.table.columns) == ["group", "n", "observed", "expected"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: logrank([1, 2], [1, 1], ["a", "a"]), "group has 1 level(s)"),
        (lambda: logrank([1, 2], [1, 1], ["a"]), "group has 1 values but time has 2"),
        (lambda: logrank([1, 2], [1], ["a", "b"]), "event has 1 values but time has 2"),
        (lambda: logrank([1, 2], [1, 3], ["a", "b"]), "event has value 3 at position 1"),
        (lambda: logrank([1, 2], [1, 1], ["a", None]), "group is missing at position 1"),
        (lambda: logrank([1, 2], [1, 1], ["a", "b"], strata=["x"]), "strata has 1 values but time has 2"),
        (lambda: logrank_trend([1, 2], [1, 1], [1, float("nan")]), "group_scores is missing at position 1"),
    ],
)
def test_errors(call, message):
    with pytest.raises(StatisticalInputError) as err:
        call()
    assert message in str(err.value)


# --- properties against the naive reference (hypothesis) ----------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.stats.reference import logrank_reference  # noqa: E402


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 1), st.sampled_from("abc")), min_size=4, max_size=40))
def test_naive_equals_fast(rows):
    """Every generated cohort gets an answer: the chi-square of the exact reference, or NaN with the reason
    where the reference shows there is none (no events, one group at risk, singular variance)."""
    time = [r[0] for r in rows]
    event = [r[1] for r in rows]
    group = [r[2] for r in rows]
    if len(set(group)) < 2:
        with pytest.raises(StatisticalInputError, match="group has 1 level"):
            logrank(time, event, group)
        return
    fast = logrank(time, event, group)
    chisq, o, e = logrank_reference(time, event, group)
    np.testing.assert_allclose(fast.table["observed"], o)
    np.testing.assert_allclose(fast.table["expected"], e, rtol=1e-12)
    if chisq is None:
        assert np.isnan(fast.chisq) and np.isnan(fast.p) and fast.note
    else:
        assert fast.note == "" and fast.chisq == pytest.approx(chisq, rel=1e-8, abs=1e-10)
        assert 0 <= fast.p <= 1
    order = np.argsort(np.asarray(time) * -1, kind="stable")
    shuffled = logrank(np.asarray(time)[order], np.asarray(event)[order], np.asarray(group)[order])
    assert shuffled.note == fast.note
    assert shuffled.chisq == pytest.approx(fast.chisq, rel=1e-10, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("time, event, group, reason", [
    # everyone at risk dies at the only event time: D (N - D) = 0
    ([4, 4, 4], [1, 1, 1], ["a", "b", "b"], "variance is zero"),
    # after censorings, the last patients at risk all die together
    ([1, 2, 5, 5], [0, 0, 1, 1], ["a", "b", "a", "b"], "variance is zero"),
    # group b is censored before any event: nobody of b at risk at an event time
    ([1, 2, 3, 4], [0, 0, 1, 1], ["b", "b", "a", "a"], "only one group"),
    ([1, 2, 3], [0, 0, 0], ["a", "b", "a"], "no events"),
])
def test_degenerate_variance_is_not_estimable_never_an_error(time, event, group, reason):
    res = logrank(time, event, group)
    assert np.isnan(res.chisq) and np.isnan(res.p) and reason in res.note
    assert logrank_reference(time, event, group)[0] is None
    trend = logrank_trend(time, event, [ord(g) for g in group])
    assert np.isnan(trend.chisq) and np.isnan(trend.z) and np.isnan(trend.p) and trend.note


def test_singular_variance_in_a_stratified_test():
    # stratum y: group c's two patients die together (no information on c); stratum x compares a and b
    res = logrank([1, 2, 3, 4, 6, 6], [1, 1, 1, 0, 1, 1], ["a", "b", "a", "b", "c", "c"],
                  strata=["x", "x", "x", "x", "y", "y"])
    assert res.df == 2 and np.isnan(res.chisq) and np.isnan(res.p) and "singular" in res.note


# --- weighted tests: Peto-Peto and Fleming-Harrington G(rho) (tests/stats/golden/weighted_logrank.R) ---------

WEIGHTED = json.loads((Path(__file__).parent / "golden" / "weighted_logrank.json").read_text())
WEIGHTED_CASES = [(name, r) for name, case in WEIGHTED.items() if not name.startswith("_") for r in case["results"]]


@pytest.mark.parametrize("name, expected", WEIGHTED_CASES,
                         ids=[f"{n}-rho{r['rho']}{'-strata' if r['stratified'] else ''}" for n, r in WEIGHTED_CASES])
def test_weighted_test_equals_survdiff_rho(name, expected):
    case = WEIGHTED[name]
    strata = case["stratum"] if expected["stratified"] else None
    res = logrank(case["time"], case["status"], case["group"], strata=strata, rho=expected["rho"])
    assert res.chisq == pytest.approx(expected["chisq"], rel=1e-6)
    np.testing.assert_allclose(res.table["observed"], expected["observed"], rtol=1e-6)
    np.testing.assert_allclose(res.table["expected"], expected["expected"], rtol=1e-6)
    np.testing.assert_allclose(res.variance.ravel(), expected["variance"], rtol=1e-6, atol=1e-10)
    assert ("Peto-Peto" in res.method) == (expected["rho"] == 1) and (("G(" in res.method) == (expected["rho"] not in (0, 1)))


def weighted_reference(time, event, group, rho):
    """Two-group G(rho) statistic from the definition, one time at a time (pooled KM just before t)."""
    s, u, v = 1.0, 0.0, 0.0
    for t in sorted(set(time)):
        n = sum(1 for x in time if x >= t)
        n1 = sum(1 for x, g in zip(time, group) if x >= t and g == 1)
        d = sum(1 for x, e in zip(time, event) if x == t and e)
        d1 = sum(1 for x, e, g in zip(time, event, group) if x == t and e and g == 1)
        if d:
            w = s**rho
            u += w * (d1 - d * n1 / n)
            if n > 1:
                v += w * w * d * (n - d) / (n - 1) * n1 / n * (1 - n1 / n)
            s *= (n - d) / n
    return u * u / v if v > 0 else float("nan")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 15), st.booleans(), st.integers(0, 1)), min_size=2, max_size=25),
       st.sampled_from([0.5, 1.0, 2.0]))
def test_weighted_test_equals_the_naive_definition(subjects, rho):
    time = [float(t) for t, _, _ in subjects]
    event = [int(e) for _, e, _ in subjects]
    group = [g for _, _, g in subjects]
    if len(set(group)) < 2:  # one group: refused with a reason, never a crash
        with pytest.raises(StatisticalInputError, match="at least 2 groups"):
            logrank(time, event, group, rho=rho)
        return
    got, expected = logrank(time, event, group, rho=rho).chisq, weighted_reference(time, event, group, rho)
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("rho", [-1, float("nan"), "x"])
def test_rho_must_be_a_non_negative_number(rho):
    with pytest.raises(StatisticalInputError, match="rho must be a number >= 0"):
        logrank([1, 2, 3, 4], [1, 1, 0, 1], [0, 0, 1, 1], rho=rho)


# --- whole-number float days (the counting pass) give the general path's test ------------------

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _outcome(time, event, group):
    try:
        res = logrank(time, event, group)
    except StatisticalInputError as err:
        return str(err)
    return repr((res.chisq, res.df, res.p, res.note, res.table.to_dict("list"), res.variance.tolist()))  # NaN-safe


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1), st.integers(0, 2)), min_size=1, max_size=60))
@example([(0, 0, 0)])  # one subject: not a comparison
@example([(3, 0, 0), (3, 0, 1), (9, 0, 1)])  # all censored, ties
@example([(0, 1, 0), (0, 1, 1), (0, 0, 2)])  # events at day 0
def test_whole_float_days_give_the_general_path_logrank(rows):
    days = np.array([r[0] for r in rows], dtype=np.int64)
    event = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows])
    general = _outcome(days + 0.5, event, group)
    assert _outcome(days.astype(float), event, group) == general
    assert _outcome(days, event, group) == general
