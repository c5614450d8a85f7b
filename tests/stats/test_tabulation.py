"""The counting pass (blinrwe.stats.tabulation): whole-number days counted by bincount equal the general
(sorting) path; cause and group codes."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blinrwe.errors import StatisticalInputError
from blinrwe.stats._inputs import as_tied_times, whole_days
from blinrwe.stats.counts import event_counts, grouped_event_counts

from .test_counts import _assert_same_counts


def test_whole_day_and_fractional_times_agree():
    rng = np.random.default_rng(1)
    t = rng.integers(0, 50, 500)
    e = rng.integers(0, 2, 500)
    fast = event_counts(t, e)
    slow = event_counts(t + 0.5, e)
    np.testing.assert_array_equal(fast.time + 0.5, slow.time)
    for name in ("n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name))


def test_sparse_whole_times_use_unique_path():
    c = event_counts([0, 10**9, 10**12], [1, 1, 0])
    np.testing.assert_array_equal(c.time, [0, 1e9, 1e12])
    np.testing.assert_array_equal(c.n_risk, [3, 2, 1])


def test_non_consecutive_cause_codes():
    c = event_counts([1, 2, 3], [3, 7, 0], causes=(3, 7))
    np.testing.assert_array_equal(c.events_of(7), [0, 1, 0])


def test_categorical_group_keeps_category_order():
    grp = pd.Categorical(["x", "y", "x"], categories=["y", "x", "z"])
    g = grouped_event_counts([1, 2, 3], [1, 1, 1], grp)
    assert g.groups == ("y", "x", "z")
    np.testing.assert_array_equal(g.n, [1, 2, 0])


def test_missing_group_is_an_error():
    with pytest.raises(StatisticalInputError, match="group is missing at position 1"):
        grouped_event_counts([1, 2], [1, 0], ["a", None])


# --- whole-number times: the counting pass (bincount) equals the general path (np.unique) ------

day_rows = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 2), st.integers(0, 1)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(day_rows)
@example([(0, 0, 0)])  # one subject, time 0, censored
@example([(5, 0, 0), (5, 0, 1), (0, 0, 1)])  # all censored, ties, a zero
@example([(0, 1, 0), (0, 2, 1), (0, 1, 1)])  # every event at day 0
def test_whole_float_days_count_as_int_days_and_as_the_general_path(rows):
    """float64 days take the integer counting pass; their counts equal int64 days' and the general
    (sorting) path's, which ``+ 0.5`` days forces (same order, same ties, times shifted by 0.5)."""
    days = np.array([r[0] for r in rows], dtype=np.int64)
    code = np.array([r[1] for r in rows], dtype=np.int8)
    group = np.array([r[2] for r in rows], dtype=np.int8)
    fdays = days.astype(np.float64)
    assert as_tied_times(fdays).dtype == np.int64
    assert as_tied_times(fdays + 0.5).dtype == np.float64
    for make in (lambda t: event_counts(t, code, causes=(1, 2)),
                 lambda t: grouped_event_counts(t, code, group, causes=(1, 2)),
                 lambda t: event_counts(t, np.minimum(code, 1))):
        general = make(fdays + 0.5)
        _assert_same_counts(make(days), make(fdays))
        _assert_same_counts(make(fdays), general, shift=0.5)


def test_whole_days_only_for_whole_numbers_in_exact_range():
    assert whole_days(np.array([0.0, 3.0, 2.0])).dtype == np.int64
    assert whole_days(np.array([0.0, 2.5])) is None
    assert whole_days(np.array([2.0**53])) is None  # float64 no longer spaced by 1
    assert whole_days(np.array([], dtype=float)) is None
    # huge whole numbers keep R's relative tie rule (not the counting pass)
    big = np.array([1e8, 1e8 + 1, 1.00001e8])
    np.testing.assert_array_equal(as_tied_times(big), [1e8, 1e8, 1.00001e8])
