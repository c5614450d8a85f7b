"""blinrwe.validate.cell_text: cells as the text a user reads; the texts that read as empty."""

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
