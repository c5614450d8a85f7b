"""Median follow-up by reverse Kaplan-Meier against R survival golden values (tests/stats/golden/km_logrank.R)."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blinrwe.stats.follow_up import median_follow_up

from .test_kaplan_meier import CASES, _close, _id, _none_or


@pytest.mark.parametrize("case", [c for c in CASES if c["conf_type"] == "log-log"], ids=_id)
def test_median_follow_up_equals_reverse_km(case):
    fu = median_follow_up(np.atleast_1d(case["time"]), np.atleast_1d(case["event"]))
    exp = case["reverse_km_median"]
    _close([_none_or(fu.reverse_km.estimate), _none_or(fu.reverse_km.lower), _none_or(fu.reverse_km.upper)],
           [_none_or(exp["estimate"]), _none_or(exp["lower"]), _none_or(exp["upper"])])
    assert fu.simple_median == pytest.approx(case["simple_median"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1)), min_size=1, max_size=60))
@example([(0, 0)])  # one subject, censored at 0
@example([(4, 0), (4, 0), (7, 0)])  # all censored, ties
@example([(0, 1), (0, 1)])  # everyone dies at day 0
def test_whole_float_days_give_the_general_path_follow_up(rows):
    """float64 days = the sorting path (forced by + 0.5 days): the simple median shifts by 0.5, n is the same."""
    days = np.array([r[0] for r in rows], dtype=np.int64)
    event = np.array([r[1] for r in rows])
    fa, fb = median_follow_up(days.astype(float), event), median_follow_up(days + 0.5, event)
    assert fa.simple_median + 0.5 == fb.simple_median and fa.n == fb.n
