"""Results kept per column while the column lives, only inside one study's analyses."""

import gc

import numpy as np

from blinrwe.analysis.array_memo import ArrayMemo, remembering


def test_nothing_is_kept_outside_a_study():
    memo = ArrayMemo(4)
    values = np.arange(10)
    assert memo.put("x", values) == "x"
    assert memo.get(values) is None
    with remembering():
        memo.put("x", values)
        assert memo.get(values) == "x"
    assert memo.get(values) is None  # forgotten when the study ends
    with remembering():
        assert memo.get(values) is None


def test_views_of_the_same_memory_share_an_entry_and_other_memory_does_not():
    memo = ArrayMemo(4)
    block = np.arange(20).reshape(2, 10)
    with remembering():
        memo.put("row 0", block[0])
        assert memo.get(block[0]) == "row 0"  # a new view object, the same memory
        assert memo.get(block[1]) is None and memo.get(block[0][:5]) is None
        assert memo.get(block[0].copy()) is None  # equal values, other memory
        memo.put("pair", block[0], block[1])
        assert memo.get(block[0], block[1]) == "pair" and memo.get(block[1], block[0]) is None
        assert memo.kept_with(block[0]) == ["pair", "row 0"]


def test_an_entry_goes_with_its_array():
    memo = ArrayMemo(4)
    with remembering():
        values = np.arange(1000)
        memo.put("kept", values)
        del values
        gc.collect()
        assert memo._entries == {}
        fresh = np.arange(1000)  # possibly at the same address: never mistaken for the old array
        assert memo.get(fresh) is None


def test_the_oldest_entries_give_way():
    memo = ArrayMemo(2)
    arrays = [np.arange(5) for _ in range(3)]
    with remembering():
        for i, a in enumerate(arrays):
            memo.put(i, a)
        assert memo.get(arrays[0]) is None and memo.get(arrays[1]) == 1 and memo.get(arrays[2]) == 2


def test_studies_inside_studies_forget_at_the_outer_end():
    memo = ArrayMemo(2)
    values = np.arange(3)
    with remembering():
        with remembering():
            memo.put("x", values)
        assert memo.get(values) == "x"
    assert memo.get(values) is None
