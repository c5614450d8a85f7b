"""A cell as the text a user reads, and the cells that read as empty without being empty.

The definition every intake path shares: a workbook's numbers, dates and booleans, a CSV's text and a
Parquet column's typed values are rendered as the user sees them (:func:`cell_text`), then parsed by
their column's type (:mod:`blinrwe.validate.coerce`). Some texts mean "no value" (``NA``, ``.``); NaN
texts and Excel error values (``#DIV/0!``) read as empty too but are reported, because a program or a
formula failed there (:func:`blank_specials`).

Speed: a registry column of 100,000 rows holds a few hundred distinct values, so a column is
factorised once and read as its distinct texts (:class:`DistinctTexts`): every parse, check and hint
runs once per distinct text and is broadcast back to the cells. A typed column of numbers or booleans
skips the texts altogether (read on its values: ``numbers.typed_numbers``, ``choices.booleans_of``).
:func:`cell_text` and :func:`special_code` stay the definition, one cell at a time; tests check that
every path gives the same.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import repeat

import numpy as np
import pandas as pd

from blinrwe.intake.sheet import any_white_space
from blinrwe.model.i18n import _
from blinrwe.model.schema import Column

from .findings import CellFindings

__all__ = ["EXCEL_ERRORS", "MISSING_TOKENS", "NAN_TEXTS", "ONE_KIND", "DistinctTexts", "blank_specials", "cell_text",
           "cell_texts", "quoted", "special_code"]

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
#: Typed kinds whose distinct values all read differently (``True`` and ``np.True_`` are one value).
_ONE_TEXT_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "boolean"})
#: Below this size a whole float reads as a whole number (``52.0`` -> ``52``); from it on, as Python writes it.
_WHOLE_BELOW = 1e15


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
        return str(int(value)) if value.is_integer() and abs(value) < _WHOLE_BELOW else repr(float(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


#: How :func:`rendered` reads a value, by its exact type: 1 as a float, 2 as an integer, 0 (booleans,
#: dates...) by cell_text.
_RENDER_KIND = {float: 1, np.float64: 1, int: 2, np.int64: 2}


def rendered(values: np.ndarray) -> list[str | None]:
    """``cell_text`` of each value (the distinct values of a typed column): floats and integers without a
    Python call each, since a registry's measurement column holds tens of thousands of distinct numbers."""
    kinds = np.fromiter(map(_RENDER_KIND.get, map(type, values), repeat(0)), dtype=np.int8, count=len(values))
    texts = np.empty(len(values), dtype=object)
    for kind, render in enumerate((_other_texts, _float_texts, _integer_texts)):
        at = kinds == kind
        if at.any():
            texts[at] = render(values[at])
    return texts.tolist()


def _float_texts(values: np.ndarray) -> np.ndarray:
    number = values.astype("float64")
    whole = (np.abs(number) < _WHOLE_BELOW) & (number == np.floor(number))  # is_integer(): never NaN or inf
    texts = np.empty(len(number), dtype=object)
    texts[whole] = _objects(map(str, number[whole].astype(np.int64).tolist()), whole.sum())
    texts[~whole] = _objects(map(repr, number[~whole].tolist()), (~whole).sum())  # '0.1', '1e-05', 'inf'
    texts[np.isnan(number)] = None
    return texts


def _integer_texts(values: np.ndarray) -> np.ndarray:
    return _objects(map(str, map(int, values)), len(values))


def _other_texts(values: np.ndarray) -> np.ndarray:
    return _objects(map(cell_text, values), len(values))


def _objects(texts, count) -> np.ndarray:
    """Texts as an object array (numpy would first copy a list of them into fixed-width strings)."""
    return np.fromiter(texts, dtype=object, count=int(count))


#: how every NaN text and Excel error value begins, after any white space
_SPECIAL_FIRST = frozenset("nN+-#")
#: Every character ``str.isspace`` calls white space is at most U+3000 (the ideographic space; a test checks).
_LAST_WHITE_SPACE = 0x3000
#: The first characters after which :func:`special_code` looks further, as code points.
_SPECIAL_POINTS = np.array(sorted({ord(c) for c in _SPECIAL_FIRST}
                                  | {c for c in range(_LAST_WHITE_SPACE + 1) if chr(c).isspace()}), dtype=np.uint32)


def special_code(value) -> str | None:
    """The finding code of a cell that reads as empty but is not empty: NaN text or an Excel error value."""
    if not isinstance(value, str) or not (value[:1] in _SPECIAL_FIRST or value[:1].isspace()):
        return None  # (a workbook's NaN number arrives as the text "NaN"; most texts are passed at a glance)
    text = value.strip()
    if text.casefold() in NAN_TEXTS:
        return "NAN_TEXT"
    return "EXCEL_ERROR" if text.upper() in EXCEL_ERRORS else None


def first_characters(texts) -> np.ndarray:
    """The code point of each text's first character (0 for an empty text), without a Python call each
    (numpy keeps the first character of each when it casts them to one-character strings)."""
    return np.asarray(texts, dtype=object).astype("<U1").view("<u4")


def special_codes(texts) -> list[str | None]:
    """:func:`special_code` of each text (a text column's distinct values), looking further only at those that
    begin like a NaN text or an Excel error (a column of 50,000 patient ids holds none)."""
    codes: list[str | None] = [None] * len(texts)
    for i in np.flatnonzero(np.isin(first_characters(texts), _SPECIAL_POINTS)).tolist():
        codes[i] = special_code(texts[i])
    return codes


def quoted(text: str, limit: int = 40) -> str:
    """A cell's text for a message: on one line, at most ``limit`` characters."""
    one_line = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return one_line if len(one_line) <= limit else one_line[:limit] + "..."


class DistinctTexts:
    """A column of cells as its distinct texts (``cell_text``) and, per cell, which one (-1 = empty).

    Registry columns repeat few values (codes, yes/no, dates, doses), so every parse,
    check and hint runs once per distinct text, in plain Python over the distinct
    texts (or one pandas call for numbers), and is broadcast back to the cells with
    numpy; findings are still made per failing cell, in row order. Text and typed
    columns are factorised on their raw values; a column of mixed cells (workbook) is
    rendered one cell at a time first (in Python ``1 == 1.0 == True``). ``values``
    holds each text of the cells once, in the order the cells first show it, and no
    other: pandas' number parser reads them in one call and what it makes of one
    text depends on the others ('-0' is 0 among whole numbers, -0.0 beside a decimal).
    """

    def __init__(self, index: pd.Index, codes: np.ndarray, values: list[str], all_none: bool = False,
                 kind: str = "", factors: tuple[np.ndarray, np.ndarray] | None = None):
        self.index = index
        self.codes = codes  # per cell: position in ``values``; -1 = empty
        self.values = values  # distinct texts
        self.all_none = all_none  # every cell None: nothing typed, not even 'NA'
        self.kind = kind  # pandas' infer_dtype of the raw cells
        self.factors = factors  # a text column's raw codes and distinct raw values (reused by blank_specials)

    @classmethod
    def of(cls, raw: pd.Series, kind: str | None = None, factors=None) -> DistinctTexts:
        """The column's distinct texts; ``kind``: ``infer_dtype`` of its cells, ``factors``: what
        ``pd.factorize`` gives for them, when the caller has them (a Parquet text column's, from Arrow)."""
        cells = raw.to_numpy(dtype=object)
        kind = kind or pd.api.types.infer_dtype(cells, skipna=True)
        if kind == "empty":
            return cls(raw.index, np.full(len(cells), -1, dtype=np.intp), [], all_none=True, kind=kind)
        if kind == "string":
            codes, distinct = factors if factors is not None else pd.factorize(cells, use_na_sentinel=True)
            texts = [v.strip() for v in distinct] if any_white_space(distinct) else list(distinct)
            return cls(raw.index, _without_missing(codes, texts), texts, kind=kind, factors=(codes, distinct))
        if kind in _ONE_TEXT_KINDS:  # rendered once per distinct value (a registry's typed Parquet column)
            codes, distinct = pd.factorize(cells, use_na_sentinel=True)
            texts = rendered(distinct)
            return cls(raw.index, _without_missing(codes, texts), texts, kind=kind)
        if kind in ONE_KIND:  # dates: a date and a datetime at midnight read alike, so texts are factorised again
            codes, distinct = pd.factorize(cells, use_na_sentinel=True)
            cells = np.array(rendered(distinct) + [None], dtype=object)[codes]
        else:
            cells = np.array([cell_text(v) for v in cells], dtype=object)
        codes, distinct = pd.factorize(cells, use_na_sentinel=True)
        texts = list(distinct)
        return cls(raw.index, _without_missing(codes, texts), texts, kind=kind)

    def without(self, dropped: np.ndarray, all_none: bool) -> DistinctTexts:
        """A text column read again without the distinct values ``dropped`` (per position in ``factors``),
        as :meth:`of` reads it once those cells are emptied."""
        codes, distinct = self.factors
        renumbered = np.full(len(distinct) + 1, -1, dtype=np.intp)  # [-1]: empty stays empty
        renumbered[:-1][~dropped] = np.arange(len(distinct) - int(dropped.sum()))
        texts = [t for t, gone in zip(self.values, dropped.tolist()) if not gone]
        return DistinctTexts(self.index, _without_missing(renumbered[codes], texts), texts, all_none=all_none,
                             kind=self.kind)

    @property
    def present(self) -> np.ndarray:
        return self.codes >= 0

    def broadcast(self, per_value, fill, dtype=object) -> np.ndarray:
        """Cell values from one value per distinct text (``fill`` for empty cells)."""
        table = np.empty(len(per_value) + 1, dtype=dtype)
        table[:-1] = per_value
        table[-1] = fill
        return table[self.codes]

    def flags(self, per_value) -> np.ndarray:
        """Per cell: is its distinct text flagged in ``per_value`` (empty cells never are)."""
        return self.broadcast(per_value, False, dtype=bool)

    def failing(self, per_value) -> list[tuple[int, int]]:
        """``(row number, distinct text position)`` of the flagged cells, in row order."""
        if not any(per_value):
            return []
        at = np.flatnonzero(self.flags(per_value))
        return list(zip(self.index[at].tolist(), self.codes[at].tolist()))

    def texts(self) -> pd.Series:
        return pd.Series(self.broadcast(self.values, None), index=self.index, dtype=object)


#: The longest text that means "no value": longer texts are passed by their length alone.
_LONGEST_MISSING = max(map(len, MISSING_TOKENS))


def _without_missing(codes: np.ndarray, texts: list) -> np.ndarray:
    """``codes`` with -1 for the cells whose text means "no value" (``None``, ``""``, :data:`MISSING_TOKENS`)."""
    try:
        lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    except TypeError:  # a None among them
        lengths = np.fromiter((0 if t is None else len(t) for t in texts), dtype=np.intp, count=len(texts))
    gone = np.zeros(len(texts) + 1, dtype=bool)
    gone[-1] = True  # [-1]: empty
    for i in np.flatnonzero(lengths <= _LONGEST_MISSING).tolist():
        gone[i] = not texts[i] or texts[i] in MISSING_TOKENS
    return np.where(gone[codes], -1, codes)


def cell_texts(raw: pd.Series) -> pd.Series:
    """``raw.map(cell_text)``, rendered once per distinct value for text and typed columns."""
    return DistinctTexts.of(raw).texts()


def blank_specials(col: Column, raw: pd.Series, out: CellFindings, cells: DistinctTexts | None = None,
                   kind: str | None = None) -> tuple[pd.Series, DistinctTexts | None]:
    """``raw`` with NaN texts and Excel error values emptied, one finding per such cell; and ``cells``
    (the column's distinct texts, when the caller has them) with those cells empty too. ``kind``:
    ``infer_dtype`` of the cells, when the caller has it."""
    if cells is not None:
        kind = cells.kind
    elif kind is None:
        kind = pd.api.types.infer_dtype(raw.to_numpy(dtype=object), skipna=True)
    if kind in ONE_KIND or kind == "empty":  # no text in a typed column
        return raw, cells
    if cells is not None and cells.factors is not None:
        codes, distinct = cells.factors
    else:
        codes, distinct = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    special = special_codes(distinct) if kind == "string" else [special_code(v) for v in distinct]
    if not any(special):
        return raw, cells
    flagged = np.array([c is not None for c in special] + [False], dtype=bool)[codes]  # [-1]: empty
    name = out.name(col)
    for row, i in zip(raw.index[flagged].tolist(), codes[flagged].tolist()):
        value = raw[row]
        if special[i] == "NAN_TEXT":
            out.add("NAN_TEXT", row, col.name, value, _("'{column}' holds NaN ('not a number', as a program writes "
                    "an undefined result); it is read as empty").format(column=name),
                    _("leave the cell empty when the value is unknown; if a script or formula wrote NaN, correct it "
                      "there (often a division by zero or a missing input)"))
        else:
            text = str(value).strip().upper()
            out.add("EXCEL_ERROR", row, col.name, value, _("'{column}' holds the Excel error {error} (a formula "
                    "that failed); it is read as empty").format(column=name, error=text),
                    _("correct the formula (or its input) in Excel so that it shows a value, or type the value; "
                      "leave the cell empty only when the value is unknown"))
    blanked = raw.where(~flagged, None)
    if cells is not None and cells.factors is not None:  # text: not factorised again
        all_none = pd.api.types.infer_dtype(blanked.to_numpy(dtype=object), skipna=True) == "empty"
        cells = cells.without(np.array([c is not None for c in special], dtype=bool), all_none)
    elif cells is not None:  # numbers or dates beside the error values
        cells = DistinctTexts.of(blanked)
    return blanked, cells
