"""blinrwe.validate.numbers: number cells through the workbook and the CSV path (the pinned findings of
number cells are in test_coerce's table); here the hints that say what the clinic meant."""

import pytest

from blinrwe.model import ALL_TABLES
from blinrwe.validate.numbers import range_hint

from .scenarios import edit, run_both


@pytest.mark.parametrize("column, typed, meant", [
    ("grade", "3级", "3"), ("grade", "G3", "3"), ("grade", "grade 3", "3"), ("grade", "Ⅲ级", "3"), ("grade", "IV", "4"),
    ("grade", "0.5 kg", None), ("grade", "3-4", None), ("grade", "三级", "3"), ("grade", "十二级", "12"),
    ("grade", "一百级", None)])
def test_a_number_among_words_is_offered_never_taken(tmp_path, column, typed, meant):
    """'3级' or 'Ⅲ级' for grade 3 stays NUMBER_INVALID (an error: the cell is not read as 3) and its hint offers
    the number; other words, another unit or a range offer nothing."""
    for _, report in run_both(edit("adverse_events", **{column: typed}), tmp_path):
        f = next(f for f in report.findings if f.column == column)
        assert f.code == "NUMBER_INVALID" and f.severity.value == "error"
        assert (f.hint == f"enter the number alone (did you mean {meant}?)") is (meant is not None), f.hint


@pytest.mark.parametrize("table, column, typed, meant", [
    ("patients", "prior_lines", "二线", "2"), ("patients", "prior_lines", "第三次", "3"),
    ("patients", "prior_lines", "二十三线", "23"), ("patients", "weight_kg", "二线", None)])
def test_a_count_in_chinese_numerals_is_offered(tmp_path, table, column, typed, meant):
    for _, report in run_both(edit(table, **{column: typed}), tmp_path):
        f = next(f for f in report.findings if f.column == column)
        assert f.code == "NUMBER_INVALID"
        assert (f"(did you mean {meant}?)" in f.hint) is (meant is not None), f.hint


@pytest.mark.parametrize("typed, meant", [("0.01%", "0.0001"), ("1.5 %", "0.015"), ("12％", "0.12")])
def test_a_percentage_in_a_column_of_fractions_is_offered_as_its_fraction(tmp_path, typed, meant):
    """MRD is entered as a fraction (1e-4 = 0.01 %): '0.01%' stays an error, its hint gives the fraction exactly."""
    for _, report in run_both(edit("assessments", mrd_value=typed), tmp_path):
        f = next(f for f in report.findings if f.column == "mrd_value")
        assert f.code == "NUMBER_INVALID"
        assert f.hint == f"enter the fraction, not a percentage: 1 is 100 % (did you mean {meant}?)"


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


# --- numbers as stored: text parsed exactly, typed cells read on their values -------------------------

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from blinrwe.validate.cell_text import cell_text  # noqa: E402
from blinrwe.validate.numbers import numbers_of, parse_numbers  # noqa: E402

#: 17 significant digits (pandas 2's parser drops the last ones), the smallest and largest, signed zero.
_EXACT = [0.00012345678901234567, 0.04097352393619469, 1.6527635528529095e-06, 70.12345678901234, 0.1, 1e-05,
          5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 9007199254740993.0, 1e15, 1e16, -0.0]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(_EXACT)))
def test_a_number_written_as_python_writes_it_reads_back_bit_for_bit(values):
    """Every float's shortest text reads back as that float (a zero's sign is pandas', next test)."""
    parsed = parse_numbers([repr(v) for v in values])
    nonzero = np.array([v != 0 for v in values], dtype=bool)
    assert parsed[nonzero].tobytes() == np.array(values, dtype="float64")[nonzero].tobytes()
    assert (parsed[~nonzero] == 0).all()


def test_texts_read_as_pandas_reads_them_and_valued_as_python_does():
    """Which texts are numbers stays pandas' decision (a CSV reads as it always has); '0.1' is float('0.1')."""
    assert parse_numbers(["0.1", "0.00012345678901234567"]).tolist() == [0.1, 0.00012345678901234567]
    assert np.isnan(parse_numbers(["1_000", "١٢", "1e", "0x10", "nan", "1e999"])).all()
    assert parse_numbers(["inf", "-Infinity", "1.", ".5", "+1e5"]).tolist() == [np.inf, -np.inf, 1.0, 0.5, 1e5]
    assert [repr(v) for v in parse_numbers(["-0", "1"]).tolist()] == ["0.0", "1.0"]  # '-0' among whole numbers: 0
    assert [repr(v) for v in parse_numbers(["-0", "1.5"]).tolist()] == ["-0.0", "1.5"]
    assert parse_numbers([str(2 ** 64 + 1), "0.5"])[0] == float(2 ** 64 + 1)


#: Typed cells as a Parquet file or a workbook gives them.
_NUMBERS = (st.floats() | st.sampled_from(_EXACT) | st.integers() | st.builds(np.float64, st.floats())
            | st.builds(np.int64, st.integers(-2 ** 63, 2 ** 63 - 1)) | st.builds(np.float32, st.floats(width=32)))


@given(st.lists(_NUMBERS | st.none()))
def test_typed_numbers_are_what_their_texts_read_as(values):
    """The numbers of a typed column are, bit for bit, what its cells' texts (cell_text) read as."""
    cells = np.array(values + [None], dtype=object)[:-1]
    typed = numbers_of(cells, pd.api.types.infer_dtype(cells, skipna=True))
    texts = [cell_text(v) for v in values]
    if typed is None:  # no number in the column, or one past the float range
        assert all(t is None for t in texts) or any(isinstance(v, int) and abs(v) > 1e308 for v in values)
        return
    read = parse_numbers([t for t in texts if t is not None])
    assert typed[[t is not None for t in texts]].tobytes() == read.tobytes()
    assert np.isnan(typed[[t is None for t in texts]]).all()


def test_only_columns_of_numbers_are_read_as_numbers():
    for values in (["1.5", 2.0], [True, 1.0], [pd.NA, 1.5], [10 ** 400], [None, None]):
        cells = np.array(values, dtype=object)
        assert numbers_of(cells, pd.api.types.infer_dtype(cells, skipna=True)) is None, values
