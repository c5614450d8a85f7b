"""The array helpers of the estimators (stats/_inputs.py): numpy's unique and lexsort, computed faster,
must give numpy's results exactly (the estimates are checked to the last digit against R)."""

from __future__ import annotations

import numpy as np
import pytest

from blinrwe.stats._inputs import distinct_times, stable_order


@pytest.mark.parametrize("values", [
    np.arange(0, 900) / 30.4375,  # months from whole days, each once
    np.random.default_rng(1).integers(0, 40, 5000) / 30.4375,  # many ties
    np.random.default_rng(2).random(3000),  # continuous
    np.array([3.0]),  # a single patient
    np.array([0.0, -0.0, 2.0, 0.0]),  # the two zeros are one time
    np.random.default_rng(3).integers(0, 9, 200),  # whole numbers
])
def test_distinct_times_equal_numpy_unique_and_its_inverse(values):
    want, want_inverse = np.unique(values, return_inverse=True)
    got, inverse = distinct_times(values, return_inverse=True)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(inverse, want_inverse.reshape(-1))
    np.testing.assert_array_equal(distinct_times(values), want)


def test_distinct_times_of_no_times_are_empty():
    assert distinct_times(np.zeros(0)).size == 0
    values, inverse = distinct_times(np.zeros(0), return_inverse=True)
    assert values.size == 0 and inverse.size == 0


@pytest.mark.parametrize("n", [10, 70_000])  # below and above the radix path's threshold
def test_stable_order_is_lexsort_whatever_the_keys(n):
    rng = np.random.default_rng(n)
    strata = rng.integers(0, 3, n)
    days = rng.integers(0, 400, n).astype(float) / 30.4375
    status = rng.integers(0, 2, n).astype(np.uint8)
    category = rng.choice([-0.5, 0.5], n)
    for keys in [(strata, days, status), (days,), (strata, days, status, category),
                 (rng.random(n),),  # continuous: too many distinct values for one 16-bit key
                 (strata - 1, status)]:  # negative codes
        np.testing.assert_array_equal(stable_order(*keys), np.lexsort(keys[::-1]))


def test_stable_order_leaves_missing_values_where_lexsort_puts_them():
    n = 70_000
    rng = np.random.default_rng(4)
    days = rng.integers(0, 50, n).astype(float)
    days[::7] = np.nan
    status = rng.integers(0, 2, n)
    np.testing.assert_array_equal(stable_order(days, status), np.lexsort((status, days)))


def test_stable_order_of_no_rows_is_empty():
    assert stable_order(np.zeros(0), np.zeros(0, dtype=np.int64)).size == 0


@pytest.mark.parametrize("values, indexed", [
    (np.random.default_rng(5).integers(0, 300, 2000) / 30.4375, True),  # months: the index comes along
    (np.array([0.1 + 0.2, 0.3, 1.0]), False),  # near ties merged (R's timefix): no index
    (np.arange(10.0), False),  # whole days: counted by value
    (np.array([4.5]), False),  # one patient
    (np.array([2, 0, 5]), False),  # integers
])
def test_tied_times_with_their_index_are_as_tied_times_and_numpy_unique(values, indexed):
    from blinrwe.stats._inputs import as_tied_times, as_tied_times_indexed

    t, index = as_tied_times_indexed(values)
    want = as_tied_times(values)
    np.testing.assert_array_equal(t, want)
    assert t.dtype == want.dtype and (index is not None) == indexed
    if index is not None:
        got_values, got_inverse = index
        want_values, want_inverse = np.unique(t, return_inverse=True)
        np.testing.assert_array_equal(got_values, want_values)
        np.testing.assert_array_equal(got_inverse, want_inverse.reshape(-1))


def test_tied_times_with_their_index_refuse_what_as_tied_times_refuses():
    from blinrwe.errors import StatisticalInputError
    from blinrwe.stats._inputs import as_tied_times_indexed

    for bad in (np.array([1.0, np.nan]), np.array([-1.5, 2.0])):
        with pytest.raises(StatisticalInputError):
            as_tied_times_indexed(bad)
