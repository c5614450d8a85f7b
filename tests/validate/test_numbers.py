"""blinrwe.validate.numbers: number cells through the workbook and the CSV path (the pinned findings of
number cells are in test_coerce's table); here the hints that say what the clinic meant."""

import pytest

from blinrwe.model import ALL_TABLES
from blinrwe.validate.numbers import range_hint

from .scenarios import edit, run_both


@pytest.mark.parametrize("column, typed, meant", [
    ("grade", "3级", "3"), ("grade", "G3", "3"), ("grade", "grade 3", "3"), ("grade", "Ⅲ级", "3"), ("grade", "IV", "4"),
    ("grade", "0.5 kg", None), ("grade", "3-4", None)])
def test_a_number_among_words_is_offered_never_taken(tmp_path, column, typed, meant):
    """'3级' or 'Ⅲ级' for grade 3 stays NUMBER_INVALID (an error: the cell is not read as 3) and its hint offers
    the number; other words, another unit or a range offer nothing."""
    for _, report in run_both(edit("adverse_events", **{column: typed}), tmp_path):
        f = next(f for f in report.findings if f.column == column)
        assert f.code == "NUMBER_INVALID" and f.severity.value == "error"
        assert (f.hint == f"enter the number alone (did you mean {meant}?)") is (meant is not None), f.hint


def test_a_percent_value_that_is_no_number_gets_one_finding(tmp_path):
    """'1,5%' is no number with its sign removed either: NUMBER_INVALID alone (no PERCENT_SIGN beside it)."""
    for _, report in run_both(edit("assessments", bm_blast_pct="1,5%"), tmp_path):
        assert [f.code for f in report.findings if f.column == "bm_blast_pct"] == ["NUMBER_INVALID"]


def test_the_range_hint_names_the_bounds_and_unit():
    assert range_hint(ALL_TABLES["adverse_events"].column("grade")) == "enter a value between 1 and 5"
    assert range_hint(ALL_TABLES["patients"].column("weight_kg")).endswith(" kg")


def test_whole_numbers_are_built_as_pandas_casts_them():
    """INT columns are built as Int64 directly: the same values, missing cells and data under the mask as
    ``Series.round().astype("Int64")``; beyond int64 that cast still refuses."""
    import numpy as np
    import pandas as pd

    from blinrwe.validate.numbers import _whole_numbers

    index = pd.RangeIndex(2, 9)
    values = np.array([1.0, np.nan, -0.0, 2.5, 3.5, -7.0, 2.0 ** 62])
    direct = _whole_numbers(values, index)
    cast = pd.Series(values, index=index).round().astype("Int64")
    pd.testing.assert_series_equal(direct, cast)
    assert (direct.array._data == cast.array._data).all() and (direct.array._mask == cast.array._mask).all()
    assert _whole_numbers(np.full(3, np.nan), index[:3]).isna().all()
    with pytest.raises(TypeError), np.errstate(invalid="ignore"):  # (numpy's word on the cast it refuses)
        _whole_numbers(np.array([1e19]), index[:1])
