"""results.csv: formula-like text escaped as OWASP recommends, numbers untouched."""

import csv
import io
import math

import pandas as pd
import pytest

from blinrwe.report.disclosure import SuppressedCount
from blinrwe.report.results_csv import csv_field, needs_escape, write_results_csv


@pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rx", "-cmd|' /C calc'!A0"])
def test_formula_text_is_prefixed_and_quoted(text):
    assert needs_escape(text)
    field = csv_field(text)
    assert field.startswith("\"'") and field.endswith('"')
    assert next(csv.reader(io.StringIO(field + "\n"))) == ["'" + text]


@pytest.mark.parametrize("value", [-1.5, -0.0, 3.0, 1e-05, -2e-07, float("inf"), 0])
def test_numbers_are_untouched(value):
    assert csv_field(value) == str(value)


@pytest.mark.parametrize("text", ["-1", "+2.5", "-1e-3", "Overall", "CR/CRi", "a-b", "<=14 d"])
def test_plain_text_and_numbers_written_as_text_are_untouched(text):
    assert not needs_escape(text) and csv_field(text) == text


def test_missing_and_suppressed_values():
    assert csv_field(float("nan")) == "" and csv_field(None) == ""
    assert csv_field(SuppressedCount(5)) == "<5"


def test_round_trip_keeps_every_value(tmp_path):
    ard = pd.DataFrame({"group": ["=HYPERLINK(\"a\",\"b\")", "x, y", 'say "hi"', "line\nbreak", "-3+4"],
                        "value": [-1.25, float("nan"), 2.0, 0.5, -3.0],
                        "n": pd.Series([SuppressedCount(5), 3.0, float("nan"), 1.0, 2.0], dtype=object)})
    path = write_results_csv(ard, tmp_path / "results.csv")
    back = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert back["group"].tolist() == ["'=HYPERLINK(\"a\",\"b\")", "x, y", 'say "hi"', "line\nbreak", "'-3+4"]
    assert back["value"].tolist() == ["-1.25", "", "2.0", "0.5", "-3.0"]
    assert back["n"].tolist() == ["<5", "3", "", "1", "2"]  # counts as whole numbers
    assert not math.isnan(float(back["value"][0]))
