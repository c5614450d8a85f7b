"""Landmark analysis against R on the landmark subset (tests/stats/golden/landmark.R), a naive loop, invariants."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.kaplan_meier import kaplan_meier
from blinrwe.stats.landmark import landmark

from .reference import kaplan_meier_reference, logrank_reference

GOLDEN = json.loads((Path(__file__).parent / "golden" / "landmark.json").read_text())
CASES = {k: v for k, v in GOLDEN.items() if not k.startswith("_")}


def _nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _run(case):
    return landmark(case["time"], case["event"], _nan(case["switch"]), case["landmark"], conf_type=case["conf_type"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_survfit_and_survdiff_on_the_landmark_subset(name):
    case = CASES[name]
    result = _run(case)
    assert result.n_at_risk == {int(k): v for k, v in case["n_at_risk"].items()}
    assert (result.n_excluded, result.n_events_before) == (case["n_excluded"], case["n_events_before"])
    if case["p"] is None:
        assert result.test is None or math.isnan(result.test.p)
        assert result.note
    else:
        assert result.test.chisq == pytest.approx(case["chisq"], rel=1e-6, abs=1e-12)
        assert result.test.p == pytest.approx(case["p"], rel=1e-6)
        assert result.note == ""
    if case["curve"] is None:
        assert result.curves == {}
        return
    expected_state = np.array(case["curve"]["state"])
    assert sorted(result.curves) == sorted(set(expected_state.tolist()))
    for state, km in result.curves.items():
        rows = expected_state == state
        table = km.table
        for column in ("time", "n_risk", "n_event", "survival", "std_err", "lower", "upper"):
            np.testing.assert_allclose(table[column], _nan(case["curve"][column])[rows], rtol=1e-6, atol=1e-12,
                                       equal_nan=True, err_msg=f"state {state} {column}")


@pytest.mark.parametrize("name, words", [("nobody_enters", "no patient at risk"),
                                         ("everyone_enters", "every patient at risk"),
                                         ("beyond_follow_up", "nobody is event-free"),
                                         ("no_event_after", "no event after the landmark")])
def test_degenerate_cases_say_why(name, words):
    assert words in _run(CASES[name]).note


def test_a_switch_on_the_landmark_day_counts_and_an_event_on_it_excludes():
    # patient 2 dies on day 4 (the landmark): excluded; patient 3 switches on day 4 and lives on: entered
    result = landmark([2, 4, 6, 8], [1, 1, 1, 0], [math.nan, 4, 4, math.nan], 4)
    assert result.n_at_risk == {0: 1, 1: 1} and result.n_excluded == 2 and result.n_events_before == 2


@pytest.mark.parametrize("bad, match", [(-1, "landmark"), (math.inf, "landmark"), ("x", "landmark")])
def test_a_bad_landmark_is_named(bad, match):
    with pytest.raises(StatisticalInputError, match=match):
        landmark([1, 2], [1, 0], [math.nan, 1], bad)


def landmark_reference(time, event, switch, at):
    """One patient at a time: keep those followed beyond ``at``, their state, then the naive KM and log-rank."""
    kept = [(t - at, e, 1 if (not math.isnan(s) and s <= at) else 0) for t, e, s in zip(time, event, switch) if t > at]
    by_state = {g: [(t, e) for t, e, s in kept if s == g] for g in (0, 1)}
    curves = {g: kaplan_meier_reference([t for t, _ in rows], [e for _, e in rows]) for g, rows in by_state.items()
              if rows}
    chisq = None
    if len(curves) == 2 and any(e for _, e, _ in kept):
        chisq = logrank_reference([t for t, _, _ in kept], [e for _, e, _ in kept], [s for _, _, s in kept])[0]
    return {g: len(rows) for g, rows in by_state.items()}, curves, chisq


patients = st.lists(st.tuples(st.integers(1, 30), st.integers(0, 1), st.one_of(st.none(), st.integers(0, 30))),
                    min_size=1, max_size=25)


@given(patients, st.integers(0, 32))
def test_equals_the_naive_definition(rows, at):
    time = [r[0] for r in rows]
    event = [r[1] for r in rows]
    switch = [math.nan if r[2] is None else float(r[2]) for r in rows]
    result = landmark(time, event, switch, at)
    n_at_risk, curves, chisq = landmark_reference(time, event, switch, at)
    assert result.n_at_risk == n_at_risk and result.n + result.n_excluded == len(rows)
    assert sorted(result.curves) == sorted(curves)
    for g, ref in curves.items():
        table = result.curves[g].table
        np.testing.assert_allclose(table["time"], [r[0] for r in ref])
        np.testing.assert_allclose(table["n_risk"], [r[1] for r in ref])
        np.testing.assert_allclose(table["survival"], [r[4] for r in ref], rtol=1e-12)
    if chisq is None:
        assert result.test is None or math.isnan(result.test.p)
    else:
        assert result.test.chisq == pytest.approx(chisq, rel=1e-9, abs=1e-12)


@given(patients, st.integers(0, 32), st.integers(1, 50))
def test_shifting_the_time_origin_changes_nothing(rows, at, shift):
    time = np.array([r[0] for r in rows], dtype=float)
    event = [r[1] for r in rows]
    switch = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float)
    a, b = landmark(time, event, switch, at), landmark(time + shift, event, switch + shift, at + shift)
    assert a.n_at_risk == b.n_at_risk and a.note == b.note
    for g in a.curves:
        np.testing.assert_allclose(a.curves[g].surv, b.curves[g].surv)


@given(patients, st.integers(0, 32))
def test_a_switch_after_the_landmark_is_the_same_as_never(rows, at):
    time = [r[0] for r in rows]
    event = [r[1] for r in rows]
    switch = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float)
    never = np.where(switch > at, np.nan, switch)
    a, b = landmark(time, event, switch, at), landmark(time, event, never, at)
    assert a.n_at_risk == b.n_at_risk
    assert (a.test is None) == (b.test is None) and (a.test is None or np.isclose(a.test.chisq, b.test.chisq,
                                                                                     equal_nan=True))


def test_at_landmark_zero_without_switches_it_is_the_ordinary_kaplan_meier():
    time, event = np.array([2.0, 3, 3, 5, 7, 9]), np.array([1, 1, 0, 1, 0, 1])
    result = landmark(time, event, np.full(6, np.nan), 0)
    np.testing.assert_allclose(result.curves[0].surv, kaplan_meier(time, event).surv)
