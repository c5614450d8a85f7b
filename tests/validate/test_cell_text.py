"""blinrwe.validate.cell_text: cells as the text a user reads; the texts that read as empty; a column read once
per distinct value gives each cell what the cell-by-cell reading gives it."""

import datetime as dt

from blinrwe.validate.cell_text import _SPECIAL_FIRST, EXCEL_ERRORS, NAN_TEXTS, cell_text, quoted, special_code

D = dt.date


def test_cell_text_renders_excel_values_as_typed():
    assert cell_text(52) == "52" and cell_text(52.0) == "52" and cell_text(0.1) == "0.1"
    assert cell_text(D(2023, 1, 2)) == "2023-01-02"
    assert cell_text("  x ") == "x" and cell_text("") is None and cell_text("N/A") is None


def test_every_nan_text_and_excel_error_begins_as_the_quick_scan_expects():
    """The scan that passes most texts at a glance looks at their first character only."""
    for text in NAN_TEXTS | EXCEL_ERRORS | {t.casefold() for t in EXCEL_ERRORS}:
        assert text[0] in _SPECIAL_FIRST


def test_special_cells_and_quoted_texts():
    assert special_code(" NaN") == "NAN_TEXT" and special_code("#div/0!") == "EXCEL_ERROR" and special_code("nano") is None
    assert quoted("a\nb") == "a b" and quoted("x" * 50) == "x" * 40 + "..."


# --- a column read once per distinct value --------------------------------------------------------

import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from blinrwe.intake.raw import RawSheet  # noqa: E402
from blinrwe.model.tables import PATIENTS  # noqa: E402
from blinrwe.validate.cell_text import (  # noqa: E402
    _LAST_WHITE_SPACE, DistinctTexts, blank_specials, cell_texts, first_characters, rendered, special_codes)
from blinrwe.validate.findings import CellFindings  # noqa: E402


def test_cell_texts_equal_cell_text_per_cell():
    """Rendering per distinct value gives the cell-by-cell texts, for workbook (mixed), CSV (text) and Parquet
    (typed) columns."""
    mixed = pd.Series([1, 1.0, True, 0, False, 2.5, " x ", "x", "NA", "  ", None, dt.date(2023, 1, 2),
                       dt.datetime(2023, 1, 2, 10, 30), dt.datetime(2023, 1, 2), float("nan"), 1e20, -0.0], dtype=object)
    text = pd.Series([" CR ", "CR", "", "n/a", ".", None, "cr", "CR"] * 3, dtype=object)
    typed = [pd.Series([1.0, 2.5, 1.0, float("nan"), -0.0, 0.0, 1e20, None], dtype=object),  # a Parquet column
             pd.Series([3, 1, 3, None], dtype=object), pd.Series([1, 1.0, 2.5, 1], dtype=object),
             pd.Series([True, False, True, None], dtype=object),
             pd.Series(pd.to_datetime(["2023-01-02", None, "2023-01-02 10:30", "2023-01-02"], format="ISO8601")).astype(object),
             pd.Series([dt.date(2023, 1, 2), None, dt.date(2023, 1, 2)], dtype=object),
             pd.Series([dt.date(2023, 1, 2), dt.datetime(2023, 1, 2), None], dtype=object)]  # one text, two values
    for cells in (mixed, text, pd.Series([None, None], dtype=object), *typed):
        assert cell_texts(cells).tolist() == cells.map(cell_text).tolist()


#: Floats whose text is easily got wrong: signed zero, the whole-number limit, exponents, the smallest and largest.
_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 1e15, -1e15, 999999999999999.0, 1e15 - 0.5, 1e16, 0.1, 1e-5, 1e-4, 5e-324, 1.7976931348623157e308])
#: Typed columns as a Parquet file gives them: one type of value, and empty cells.
_TYPED = st.one_of(
    st.lists(_FLOATS | st.none()),
    st.lists(st.builds(np.float64, _FLOATS) | st.none()),
    st.lists(st.integers() | st.none()),
    st.lists(st.builds(np.int64, st.integers(-2 ** 63, 2 ** 63 - 1)) | st.none()),
    st.lists(st.integers(-2 ** 53, 2 ** 53) | st.floats(-1e15, 1e15, exclude_min=True, exclude_max=True) | st.none()),
    st.lists(st.booleans() | st.none()),
    st.lists(st.dates() | st.none()),
    st.lists(st.datetimes() | st.dates() | st.none()))


@given(_TYPED)
def test_a_typed_column_reads_as_its_cells_do(values):
    """A typed column (floats and integers rendered without a Python call each) gives every cell the text of
    cell_text; each text is listed once."""
    cells = DistinctTexts.of(pd.Series(values, dtype=object))
    assert cells.texts().tolist() == [cell_text(v) for v in values]
    assert len(set(cells.values)) == len(cells.values)


@given(st.lists(_FLOATS | st.integers() | st.builds(np.float64, _FLOATS) | st.booleans() | st.dates() | st.text()
                | st.none()))
def test_rendered_values_read_as_cell_text(values):
    assert rendered(np.array(values + [None], dtype=object)[:-1]) == [cell_text(v) for v in values]


#: Texts that begin like a NaN text or an Excel error value, or are one, beside any text.
_TEXTS = st.text() | st.sampled_from(["NaN", " nan ", "-NaN", "nan(IND)", "#DIV/0!", " #ref! ", "#N/A", "none",
                                       "\u3000#NUM!", "\ud800", "", " ", "n", "#", "+nan", "nano"])


@given(st.lists(_TEXTS))
def test_special_codes_and_first_characters_agree_with_the_cell_by_cell_reading(texts):
    assert special_codes(np.array(texts, dtype=object)) == [special_code(t) for t in texts]
    assert first_characters(texts).tolist() == [ord(t[0]) if t else 0 for t in texts]


def test_every_white_space_character_is_looked_at():
    """The quick scan looks further at texts that begin with white space: it knows every such character."""
    assert max(c for c in range(sys.maxunicode + 1) if chr(c).isspace()) == _LAST_WHITE_SPACE


@given(st.lists(_TEXTS | st.sampled_from(["60", "-0", "1.5", "NA", "."]) | st.none()))
def test_a_text_column_with_error_values_is_read_as_if_they_were_never_typed(texts):
    """blank_specials empties NaN texts and Excel errors of a text column without factorising it again: the
    column's distinct texts are then those of the emptied cells read afresh (pandas' number parser reads them
    all at once), and each emptied cell has its finding."""
    raw = pd.Series(texts, index=range(2, len(texts) + 2), dtype=object)
    col = PATIENTS.column("weight_kg")
    out = CellFindings(RawSheet("patients", "patients.csv", None, (), pd.DataFrame()), PATIENTS, None)
    blanked, cells = blank_specials(col, raw, out, DistinctTexts.of(raw))
    again = DistinctTexts.of(blanked)
    assert (cells.values, cells.codes.tolist(), cells.all_none) == (again.values, again.codes.tolist(), again.all_none)
    flagged = [(row, v) for row, v in raw.items() if special_code(v)]
    assert [(f.row, f.value) for f in out.findings] == flagged
    assert blanked.tolist() == [None if special_code(v) else v for v in texts]
