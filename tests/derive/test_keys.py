"""Integer keys for the derivation's table operations: each helper equals the plain pandas/numpy operation."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.derive.keys import (
    decode_patient_ids,
    encode_patient_ids,
    first_in_group,
    first_per_group,
    join_on_patient,
    sort_key,
    sort_order,
)

DAY_NS = 86_400 * 10**9


def test_patient_codes_follow_the_id_order_and_decode_back():
    tables = {
        "patients": pd.DataFrame({"patient_id": ["b", "a", "c"], "x": [1, 2, 3]}),
        "events": pd.DataFrame({"patient_id": ["c", "c", "d"], "y": [1, 2, 3]}),
        "empty": pd.DataFrame({"patient_id": pd.Series([], dtype=object)}),
    }
    coded, ids = encode_patient_ids(tables)
    assert ids.tolist() == ["a", "b", "c", "d"]
    assert coded["patients"]["patient_id"].tolist() == [1, 0, 2]
    assert coded["events"]["patient_id"].tolist() == [2, 2, 3]
    assert tables["patients"]["patient_id"].tolist() == ["b", "a", "c"]  # inputs untouched
    back = decode_patient_ids(coded["events"], ids)
    pd.testing.assert_frame_equal(back, tables["events"])
    assert decode_patient_ids(coded["empty"], ids)["patient_id"].dtype == object


def test_ids_that_are_not_text_are_left_alone():
    tables = {"patients": pd.DataFrame({"patient_id": [3, 1]})}
    coded, ids = encode_patient_ids(tables)
    assert ids is None and coded["patients"] is tables["patients"]
    assert decode_patient_ids(coded["patients"], None) is tables["patients"]


@pytest.mark.parametrize("scale", [1, DAY_NS])
def test_sort_order_is_a_stable_lexicographic_sort(scale):
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(0, 40))
        a, b, c = (rng.integers(-3, 3, n) for _ in range(3))
        dates = 1_700_000_000 * 10**9 // DAY_NS * DAY_NS + b * scale
        expected = np.lexsort((c, -dates, a))
        np.testing.assert_array_equal(sort_order(a, -dates, c), expected)


def test_sort_order_falls_back_when_keys_do_not_pack():
    big = np.array([2**62, -(2**62), 0, 5])
    np.testing.assert_array_equal(sort_order(big, np.array([1, 0, 1, 0])), np.lexsort((np.array([1, 0, 1, 0]), big)))


def test_first_per_group_equals_sort_then_first_row():
    rng = np.random.default_rng(1)
    for trial in range(100):
        n, groups = int(rng.integers(0, 30)), int(rng.integers(1, 6))
        g = rng.integers(0, groups, n)
        date = rng.integers(0, 4, n) * (DAY_NS if trial % 2 else 1)
        prio = rng.integers(-1, 3, n)
        order = sort_order(g, date, prio)
        order = order[first_in_group(g[order])]
        expected = np.full(groups, -1)
        expected[g[order]] = order
        np.testing.assert_array_equal(first_per_group(g, groups, date, prio), expected)


def test_sort_key_puts_missing_values_last_like_pandas():
    frame = pd.DataFrame({
        "text": ["b", None, "a", "b"],
        "date": pd.to_datetime(["2023-01-02", "2023-01-01", None, "2023-01-01"]),
        "number": pd.array([2, None, 1, 2], dtype="Int64"),
    })
    for col in frame.columns:
        expected = frame.sort_values(col, kind="mergesort").index.to_numpy()
        np.testing.assert_array_equal(sort_order(sort_key(frame[col])), expected)


def test_join_on_patient_equals_successive_left_merges():
    base = pd.DataFrame({"patient_id": ["p", "q", "r"], "a": [1, 2, 3]}, index=[10, 11, 12])
    aligned = pd.DataFrame({"patient_id": ["p", "q", "r"], "b": [True, False, True]})
    shuffled = pd.DataFrame({"patient_id": ["r", "p"], "c": pd.to_datetime(["2023-01-01", "2023-02-01"])})
    for parts in ((aligned,), (aligned, shuffled)):
        expected = base
        for part in parts:
            expected = expected.merge(part, on="patient_id", how="left")
        pd.testing.assert_frame_equal(join_on_patient(base, parts), expected)
