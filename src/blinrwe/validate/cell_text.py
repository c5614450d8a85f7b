"""A cell as the text a user reads, and the cells that read as empty without being empty.

The definition every intake path shares: a workbook's numbers, dates and booleans, a CSV's text and a
Parquet column's typed values are rendered as the user sees them, then parsed by their column's type
(:mod:`blinrwe.validate.coerce`).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

__all__ = ["EXCEL_ERRORS", "MISSING_TOKENS", "NAN_TEXTS", "ONE_KIND", "cell_text", "quoted", "special_code"]

#: Cell texts read as "no value" in every column.
MISSING_TOKENS = frozenset({"NA", "N/A", "n/a", "na", "#N/A", "NULL", "null", "NaN", "nan", "."})
#: "Not a number" as pandas, R, numpy and spreadsheets write it: read as empty, and said so.
NAN_TEXTS = frozenset({"nan", "-nan", "+nan", "nan(ind)", "-nan(ind)"})
#: Excel's error values (a formula that failed: Microsoft, "How to correct a #... error"), upper case.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                          "#EXTERNAL!", "#PYTHON!"})

#: ``infer_dtype`` kinds of a typed column (Parquet): no text, and equal values have one ``cell_text``
#: (no ``True == 1`` among them)
ONE_KIND = frozenset({"floating", "integer", "mixed-integer-float", "boolean", "datetime", "datetime64", "date"})


def cell_text(value) -> str | None:
    """A cell as the text a user reads; ``None`` when empty."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" or value in MISSING_TOKENS else value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(float(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


#: how every NaN text and Excel error value begins, after any white space
_SPECIAL_FIRST = frozenset("nN+-#")


def special_code(value) -> str | None:
    """The finding code of a cell that reads as empty but is not empty: NaN text or an Excel error value."""
    if not isinstance(value, str) or not (value[:1] in _SPECIAL_FIRST or value[:1].isspace()):
        return None  # (a workbook's NaN number arrives as the text "NaN"; most texts are passed at a glance)
    text = value.strip()
    if text.casefold() in NAN_TEXTS:
        return "NAN_TEXT"
    return "EXCEL_ERROR" if text.upper() in EXCEL_ERRORS else None


def quoted(text: str, limit: int = 40) -> str:
    """A cell's text for a message: on one line, at most ``limit`` characters."""
    one_line = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return one_line if len(one_line) <= limit else one_line[:limit] + "..."
