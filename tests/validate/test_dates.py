"""Dates: Excel dates, ISO text, partial dates imputed by the declared rule and flagged."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from blinrwe.validate.dates import check_rule, parse_dates


def test_parse_mixed_cells():
    cells = pd.Series([dt.datetime(2023, 1, 2, 13, 5), dt.date(2023, 1, 3), "2023-01-04", "2023-01-05 10:00",
                       "2023-02", "2023", 2023, "03/04/2023", None], dtype=object)
    dates, imputed, bad = parse_dates(cells, "first")
    assert [None if pd.isna(d) else d.date().isoformat() for d in dates] == [
        "2023-01-02", "2023-01-03", "2023-01-04", "2023-01-05", "2023-02-01", "2023-01-01", "2023-01-01", None, None]
    assert imputed.tolist() == [False] * 4 + [True, True, True, False, False]
    assert bad.tolist() == [False] * 7 + [True, False]


@pytest.mark.parametrize("rule,month,year", [("first", "2024-02-01", "2024-01-01"),
                                             ("mid", "2024-02-15", "2024-06-30"),
                                             ("last", "2024-02-29", "2024-12-31")])
def test_rules(rule, month, year):
    dates, imputed, _ = parse_dates(pd.Series(["2024-02", "2024"], dtype=object), rule)
    assert [d.date().isoformat() for d in dates] == [month, year]
    assert imputed.all()


def test_unknown_rule_is_a_programming_error():
    with pytest.raises(ValueError):
        check_rule("median")


def test_invalid_month_is_unreadable():
    _, imputed, bad = parse_dates(pd.Series(["2023-13"], dtype=object))
    assert bad.tolist() == [True] and imputed.tolist() == [False]


def test_distinct_value_shortcut_agrees_with_the_general_parser():
    """Full ISO dates take a shortcut; every other text goes through the general parser; both agree."""
    from blinrwe.validate.dates import _parse

    texts = ["2023-01-02", " 2023-01-02 ", "2023-02-29", "2024-02-29", "2023-1-2", "2023-01-02 10:00", "1677-09-21",
             "1677-09-22", "1678-01-01", "2261-12-31", "2262-04-11", "2262-04-12", "0170-01-01", "9999-12-31",
             "2023-00-10", "2023-13-01", "2023-12-32", "２０２３-01-02", "2023-01", "2023", "x", "2023-01-02x"]
    for rule in ("first", "mid", "last"):
        fast = parse_dates(pd.Series(texts * 2, dtype=object), rule)
        slow = _parse(pd.Series(texts * 2, dtype=object), rule)
        for a, b in zip(fast, slow):
            pd.testing.assert_series_equal(a, b, check_dtype=False)


def test_excel_dates_beyond_pandas_range_are_unreadable_not_a_crash():
    cells = pd.Series([dt.datetime(9999, 12, 31), dt.datetime(2023, 1, 2, 5, 0)], dtype=object)
    dates, imputed, bad = parse_dates(cells)
    assert bad.tolist() == [True, False] and dates[1] == pd.Timestamp("2023-01-02") and not imputed.any()


# --- dates typed the Chinese way ----------------------------------------------------------------------

from blinrwe.validate.dates import day_or_month_first, iso_text  # noqa: E402


@pytest.mark.parametrize("typed, iso", [
    ("2022年3月5日", "2022-3-5"), ("2022年03月05号", "2022-03-05"), (" 2022 年 3 月 5 日 ", "2022-3-5"),
    ("２０２２年３月５日", "2022-3-5"), ("2022/3/5", "2022-3-5"), ("2022.03.05", "2022-03-05"),
    ("2022/3/5 10:30", "2022-3-5 10:30"), ("2022年3月", "2022-3"), ("2022年", "2022"), ("2022/3", "2022-3"),
    ("2022.10", "2022.10"),  # a number that may have lost a zero: not read as a month
    ("03/04/2022", "03/04/2022"), ("5 March 2022", "5 March 2022"),
])
def test_year_first_dates_become_iso_text(typed, iso):
    assert iso_text(typed) == iso


def test_chinese_dates_parse_like_iso_and_partial_ones_are_imputed():
    cells = pd.Series(["2022年3月5日", "2022/3/5", "2022.3.5", "2022年3月", "2022年", "2022/13/5", "2022年2月30日"],
                      dtype=object)
    dates, imputed, bad = parse_dates(cells, "mid")
    assert [None if pd.isna(d) else d.date().isoformat() for d in dates] == [
        "2022-03-05", "2022-03-05", "2022-03-05", "2022-03-15", "2022-06-30", None, None]
    assert imputed.tolist() == [False, False, False, True, True, False, False]
    assert bad.tolist() == [False] * 5 + [True, True]


def test_day_or_month_first_says_whether_one_reading_exists():
    assert day_or_month_first("03/04/2023") == "ambiguous"
    assert day_or_month_first("31/01/2023") == "2023-01-31"
    assert day_or_month_first("01/31/2023") == "2023-01-31"
    assert day_or_month_first("03.04.23") == "ambiguous"
    assert day_or_month_first("2023-01-31") is None and day_or_month_first("40/40/2023") is None


def test_midnights_are_numpy_days_at_nanosecond_resolution():
    from blinrwe.validate.dates import _midnights

    days = [dt.date(1678, 1, 1), dt.date(1970, 1, 1), dt.date(2023, 2, 28), dt.date(2024, 2, 29), dt.date(2261, 12, 31)]
    assert (_midnights(days) == np.array([np.datetime64(d, "ns") for d in days])).all()
    assert _midnights(days).dtype == np.dtype("datetime64[ns]") and len(_midnights([])) == 0


# --- typed dates (a workbook's, a Parquet file's) ------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_FIRST, _LAST = dt.datetime(1678, 1, 1), dt.datetime(2261, 12, 31)  # the safe years
_TYPED_DATES = (st.dates() | st.datetimes() | st.builds(pd.Timestamp, st.datetimes(_FIRST, _LAST))
                | st.datetimes(_FIRST, _LAST, timezones=st.timezones()))  # (past 2261 the general parser fails)


@given(st.lists(_TYPED_DATES | st.none()))
def test_typed_dates_read_as_each_cell_reads(values):
    """A column of dates, read once per distinct value and their days at once, gives each cell what the
    cell-by-cell reading gives it: the day of a date in a safe year, else the general parser's word."""
    from blinrwe.validate.dates import _parse, _plain_day

    dates, imputed, bad = parse_dates(pd.Series(values, dtype=object))
    for v, d, i, b in zip(values, dates, imputed, bad):
        day = None if v is None else _plain_day(v)
        if day is not None:
            assert (d, i, b) == (pd.Timestamp(day), False, False)
        else:
            one = _parse(pd.Series([v], dtype=object), "mid")
            assert (d is pd.NaT or d == one[0][0]) and (i, b) == (one[1][0], one[2][0])
