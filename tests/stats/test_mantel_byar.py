"""Mantel-Byar test against R (coxph exact-ties score test on tmerge data), a naive loop, and invariants."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.logrank import logrank
from blinrwe.stats.mantel_byar import mantel_byar

GOLDEN = json.loads((Path(__file__).parent / "golden" / "mantel_byar.json").read_text())
CASES = {k: v for k, v in GOLDEN.items() if not k.startswith("_")}


def _switch(values):
    return [math.nan if v is None else v for v in values]


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_the_coxph_exact_score_test_on_tmerge_data(name):
    case = CASES[name]
    result = mantel_byar(case["time"], case["event"], _switch(case["switch"]))
    assert result.chisq == pytest.approx(case["chisq"], rel=1e-6, abs=1e-12)
    assert result.p == pytest.approx(case["p"], rel=1e-6)


def test_a_switch_on_the_day_of_the_event_or_after_the_last_time_does_not_count():
    # same data as switch_on_death_day with the day-4 switch removed: identical statistic
    base = mantel_byar([2, 4, 6, 8, 9], [1, 1, 1, 0, 1], [math.nan, 4, 1, 3, math.nan])
    without = mantel_byar([2, 4, 6, 8, 9], [1, 1, 1, 0, 1], [math.nan, math.nan, 1, 3, math.nan])
    assert base.chisq == without.chisq and base.n_switched == 2


def test_a_state_nobody_enters_is_not_estimable_with_a_reason():
    result = mantel_byar([1, 2, 3], [1, 1, 0], [math.nan, 5, math.nan])
    assert math.isnan(result.chisq) and math.isnan(result.p)
    assert "nobody enters the state" in result.note


@pytest.mark.parametrize("switch, match", [([1, -1], "position 1"), ([1, math.inf], "position 1"), ([1], "one per")])
def test_bad_switch_times_are_named(switch, match):
    with pytest.raises(StatisticalInputError, match=match):
        mantel_byar([2, 3], [1, 0], switch)


def mantel_byar_reference(time, event, switch):
    """Loop over event times and patients: the 2 x 2 table of state by event at each time."""
    u = v = 0.0
    for t in sorted({x for x, e in zip(time, event) if e}):
        at_risk = [i for i, x in enumerate(time) if x >= t]
        in_state = [i for i in at_risk if not math.isnan(switch[i]) and switch[i] < t]
        n, n1 = len(at_risk), len(in_state)
        d = sum(1 for i in at_risk if time[i] == t and event[i])
        d1 = sum(1 for i in in_state if time[i] == t and event[i])
        u += d1 - d * n1 / n
        if n > 1:
            v += d * (n - d) / (n - 1) * n1 * (n - n1) / n**2
    return u * u / v if v > 0 else math.nan


_patients = st.lists(st.tuples(st.integers(1, 20), st.booleans(), st.one_of(st.none(), st.integers(0, 20))),
                     min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(_patients)
def test_equals_the_naive_reference(patients):
    time = [float(t) for t, _, _ in patients]
    event = [int(e) for _, e, _ in patients]
    switch = [math.nan if s is None else float(s) for _, _, s in patients]
    expected = mantel_byar_reference(time, event, switch)
    got = mantel_byar(time, event, switch).chisq
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 20), st.booleans(), st.booleans()), min_size=2, max_size=30))
def test_a_state_entered_at_time_zero_is_the_log_rank_test_of_fixed_groups(patients):
    time = np.array([t for t, _, _ in patients], float)
    event = np.array([int(e) for _, e, _ in patients])
    group = np.array([int(g) for _, _, g in patients])
    mb = mantel_byar(time, event, np.where(group == 1, 0.0, np.nan))
    if np.unique(group).size < 2:  # one state only: no comparison (the log-rank test refuses one group)
        assert math.isnan(mb.chisq) and mb.note.startswith("not estimable")
        return
    lr = logrank(time, event, group).chisq
    # degenerate data (no event time with both groups at risk): neither test has a variance
    assert (math.isnan(mb.chisq) and math.isnan(lr)) or mb.chisq == pytest.approx(lr, rel=1e-9, abs=1e-12)
