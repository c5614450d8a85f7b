"""Dates: Excel dates, ISO text, partial dates imputed by the declared rule and flagged."""

import datetime as dt

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
