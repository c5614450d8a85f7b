"""Cumulative incidence from per-time counts equals cumulative_incidence on the rows."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.competing_risks import cumulative_incidence
from blinrwe.stats.count_tables import cumulative_incidence_from_counts
from blinrwe.stats.counts import event_counts, grouped_event_counts


def _data(n=400, seed=3):
    rng = np.random.default_rng(seed)
    t = np.floor(rng.exponential(300, n))  # whole days: many ties
    code = rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3])
    group = rng.choice(["a", "b"], n)
    return t, code, group


def test_grouped_equals_rows():
    t, code, group = _data()
    got = cumulative_incidence_from_counts(grouped_event_counts(t, code, group, causes=(1, 2)), cause=1)
    want = cumulative_incidence(t, code, 1, group=group)
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(got.at([100, 365, 5000]), want.at([100, 365, 5000]))
    assert got.gray_test is None


def test_ungrouped_equals_rows():
    t, code, _ = _data(60, 5)
    got = cumulative_incidence_from_counts(event_counts(t, code, causes=(1, 2)), cause=2)
    want = cumulative_incidence(t, code, 2)
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=False, rtol=1e-12)
    assert got.cause == 2


def test_all_censored_and_unknown_cause():
    t = np.array([3.0, 5.0, 5.0])
    counts = event_counts(t, np.zeros(3, int), causes=(1, 2))
    got = cumulative_incidence_from_counts(counts)
    assert (got.table["estimate"] == 0).all()
    with pytest.raises(StatisticalInputError, match="cause 3"):
        cumulative_incidence_from_counts(counts, cause=3)
    with pytest.raises(StatisticalInputError):
        cumulative_incidence_from_counts(t)
