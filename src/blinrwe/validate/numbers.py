"""Number columns of a sheet: the cells parsed once per distinct text, with a finding for each cell that is
no number, infinite, not whole where it must be, or out of its declared range, and a hint that says
what the clinic probably meant (a decimal comma, a result below detection, a number among words).

A typed column (Parquet, a workbook's numbers) is checked on its values, one numpy operation per check
(:func:`typed_numbers`), with the findings its cells' texts would give; a number arrives exactly as
stored, and a text as Python's ``float`` reads it (:func:`parse_numbers`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np
import pandas as pd

from blinrwe.model import DType
from blinrwe.model.display import unit_label
from blinrwe.model.i18n import _
from blinrwe.model.schema import Column

from .cell_text import DistinctTexts
from .findings import CellFindings

__all__ = ["coerce_numbers", "numbers_of", "parse_numbers", "range_hint", "typed_numbers"]


def range_hint(col: Column) -> str:
    unit = f" {unit_label(col.unit)}" if col.unit else ""
    return _("enter a value between {minimum} and {maximum}{unit}").format(
        minimum=f"{col.minimum:g}", maximum=f"{col.maximum:g}", unit=unit)


#: How a laboratory result below detection is written in a number column (MRD above all).
_NOT_DETECTED = frozenset({"negative", "neg", "not detected", "undetectable", "nd", "阴性", "未检出", "未检测到"})


#: one number written among words ("3级", "G3", "grade 3", "60 kg"): the number is offered, never taken
#: (not when a multiplier follows: "1.2万" is 12,000)
_WORDED_NUMBER = re.compile(r"^[^\d<＜≤,.\-+]*?(\d+(?:\.\d+)?)(?![\s]*[万千百亿])[^\d,.]*$")
#: a CTCAE grade in Roman numerals, as often typed ("Ⅲ级", "grade III")
_ROMAN_GRADE = re.compile(r"^(?:grade|g|ctcae)?\s*(v|iv|i{1,3}|ⅰ|ⅱ|ⅲ|ⅳ|ⅴ)\s*(?:级|度)?$", re.IGNORECASE)
#: the words around a number that say what it counts (a grade, cycles, lines, times, days), not another unit
_LEADING_WORDS = frozenset({"", "grade", "g", "ctcae", "第", "cycle", "c"})
_COUNT_WORDS = frozenset({"", "级", "度", "次", "线", "个", "周期", "疗程", "天", "d", "days", "cycles", "lines", "times"})
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "ⅰ": 1, "ⅱ": 2, "ⅲ": 3, "ⅳ": 4, "ⅴ": 5}
#: a count in Chinese numerals before what it counts ("二线", "第三次", "两个疗程"), 1 to 99
_CHINESE_COUNT = re.compile(r"^第?([一二两三四五六七八九十]{1,3})\s*(级|度|次|线|个|周期|疗程|天|个疗程|个周期)$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: a percentage typed in a column that holds fractions (MRD: 1e-4 = 0.01 %)
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[%％]\s*$")


def _worded_number(col: Column, v: str) -> str | None:
    """The number a clinic meant by a number among words ("3级", "grade 3", "2次"), as text, else None; grades
    also in Roman numerals. For a column with a unit only when the words are that unit ("60 kg" in kg):
    "0.5 kg" in a count of platelets is another measurement, not a number to offer."""
    text = v.strip()
    if col.maximum is not None and col.maximum <= 5 and (roman := _ROMAN_GRADE.match(text.casefold())):
        return str(_ROMAN[roman.group(1).casefold()])
    if not col.unit and (chinese := _CHINESE_COUNT.match(text)):
        number = _chinese_number(chinese.group(1))
        return None if number is None else str(number)
    found = _WORDED_NUMBER.match(text)
    if not found or found.group(1) == text:
        return None
    before, after = text[:found.start(1)].strip().casefold(), text[found.end(1):].strip().casefold()
    words = {col.unit.casefold(), unit_label(col.unit).casefold()} if col.unit else _COUNT_WORDS
    return found.group(1) if before in _LEADING_WORDS and after in words else None


def _chinese_number(text: str) -> int | None:
    """一 to 九十九 (``十二`` 12, ``二十`` 20, ``二十三`` 23), else None."""
    tens, _ten, ones = text.partition("十")
    if not _ten:
        return _CHINESE_DIGITS.get(text) if len(text) == 1 else None
    if (tens and tens not in _CHINESE_DIGITS) or (ones and ones not in _CHINESE_DIGITS):
        return None
    return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(ones, 0)


def _fraction_of_percent(col: Column, v: str) -> str | None:
    """The fraction a percentage stands for in a column of fractions ("0.01%" -> "0.0001"), exactly."""
    percent = _PERCENT.match(v) if col.unit == "fraction" else None
    return format(Decimal(percent.group(1)) / 100, "f") if percent else None


def _number_hint(col: Column, v: str) -> str:
    if "," in v and pd.notna(pd.to_numeric(v.replace(",", "."), errors="coerce")):
        return _("use a point as decimal separator ({number})").format(number=v.replace(",", "."))
    if v.lstrip().startswith(("<", "＜", "≤")) or v.strip().casefold() in _NOT_DETECTED:
        return _("a result below detection ({value}) is entered as 0 (not detected); when the test has a "
                 "sensitivity column, give the assay's limit there").format(value=v.strip())
    fraction = _fraction_of_percent(col, v)
    if fraction is not None:
        return _("enter the fraction, not a percentage: 1 is 100 % (did you mean {number}?)").format(number=fraction)
    meant = _worded_number(col, v)
    if meant is not None and col.unit:
        return _("enter a number in {unit}, without the unit (did you mean {number}?)").format(
            unit=unit_label(col.unit), number=meant)
    if meant is not None:
        return _("enter the number alone (did you mean {number}?)").format(number=meant)
    if col.unit:
        return _("enter a number in {unit}, without the unit").format(unit=unit_label(col.unit))
    return _("enter a number")


def parse_numbers(texts: list[str]) -> np.ndarray:
    """Each text as a number, NaN when it is none. pandas' parser (one call per column) decides which texts are
    numbers, as it always has; the value is Python's correctly rounded ``float`` of the text, since pandas
    2's own drops digits past the 17th, leading zeros counted (``0.00017603373878891118`` read as
    ``0.0001760337387889``; pandas-dev/pandas#64184). A zero keeps pandas' sign: ``-0`` is 0 among whole
    numbers, -0.0 beside a decimal."""
    values = np.asarray(pd.to_numeric(np.array(texts, dtype=object), errors="coerce"), dtype="float64").copy()
    at = np.flatnonzero(np.isfinite(values))
    if len(at):
        shown = [texts[i] for i in at.tolist()]
        try:
            exact = np.fromiter(map(float, shown), dtype="float64", count=len(shown))
        except ValueError:  # a text pandas reads and Python does not: pandas' value
            exact = np.array([_float_or(t, v) for t, v in zip(shown, values[at].tolist())], dtype="float64")
        values[at] = np.where(exact == 0, values[at], exact)
    return values


def _float_or(text: str, fallback: float) -> float:
    try:
        return float(text)
    except ValueError:
        return fallback


#: ``infer_dtype`` kinds of a column of numbers alone (no text, no yes/no; ``None`` and NaN for empty cells).
NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float"})


def numbers_of(cells: np.ndarray, kind: str) -> np.ndarray | None:
    """A typed column's cells as float64 (NaN: empty), each the number its text (``cell_text``) reads as
    (-0.0 reads ``0``); ``None`` unless every cell is a number or empty (``kind``: ``infer_dtype`` of the cells)."""
    if kind not in NUMBER_KINDS:
        return None
    try:  # float() of each: exact for floats, correctly rounded for integers, as the text of either reads
        values = np.array(cells, dtype="float64")
    except (TypeError, ValueError, OverflowError):  # pd.NA, an integer past the float range
        return None
    return values + 0.0


def _infinite(col: Column, row: int, value, out: CellFindings) -> None:
    out.add("NUMBER_INFINITE", row, col.name, value, _("'{column}' is infinite").format(column=out.name(col)),
            _("enter a finite number; an infinite value is usually a division by zero in the formula or script "
              "that produced the column"))


def coerce_numbers(col: Column, raw: pd.Series, cells: DistinctTexts, out: CellFindings) -> pd.Series:
    """A number column from its distinct texts: each parsed once, its findings made per cell in row order."""
    text = cells.values
    work = text
    name = out.name(col)
    pct = [t.endswith("%") for t in text] if col.unit == "%" else None
    if pct is not None:
        work = [t[:-1].strip() if p else t for t, p in zip(text, pct)]
    values = parse_numbers(work)
    infinite = np.isinf(values)
    for i in np.flatnonzero(np.isnan(values)).tolist():  # pandas reads 1e999 as not a number; Python as inf
        try:
            infinite[i] = math.isinf(float(work[i]))
        except ValueError:
            pass
    values[infinite] = np.nan
    bad = np.isnan(values)
    if pct is not None:  # a value that is no number with the sign removed either gets NUMBER_INVALID alone
        for row, _i in cells.failing(np.asarray(pct, dtype=bool) & ~bad):
            out.add("PERCENT_SIGN", row, col.name, raw[row],
                    _("'{column}' is in %; the percent sign was removed").format(column=name),
                    _("enter the number without '%' (45 for 45 %)"))
    hints = {i: _number_hint(col, text[i]) for i in np.flatnonzero(bad & ~infinite).tolist()}
    for row, i in cells.failing(bad):  # one pass in row order: infinite and unreadable numbers interleave
        if infinite[i]:
            _infinite(col, row, raw[row], out)
        else:
            out.add("NUMBER_INVALID", row, col.name, raw[row], _("'{column}' must be a number").format(column=name),
                    hints[i])
    _check(col, values, cells.failing, raw, out)
    return _column(col, cells.broadcast(values, np.nan, dtype="float64"), cells.index)


def typed_numbers(col: Column, raw: pd.Series, values: np.ndarray, out: CellFindings) -> pd.Series:
    """A number column from its cells' numbers (:func:`numbers_of`): what :func:`coerce_numbers` gives their
    texts, each check one numpy operation over the cells."""
    values = values.copy()
    index = raw.index

    def failing(flags: np.ndarray) -> list[tuple[int, int]]:
        at = np.flatnonzero(flags)
        return list(zip(index[at].tolist(), at.tolist()))

    infinite = np.isinf(values)
    for row, _i in failing(infinite):
        _infinite(col, row, raw[row], out)
    values[infinite] = np.nan
    _check(col, values, failing, raw, out)
    return _column(col, values, index)


def _check(col: Column, values: np.ndarray, failing, raw: pd.Series, out: CellFindings) -> None:
    """Findings of the numbers that are not whole where they must be, or out of range (in row order, each
    check in turn), those numbers then emptied; ``failing(flags)``: (row, position) of the flagged values."""
    name = out.name(col)
    if col.dtype is DType.INT:
        whole = np.isnan(values) | (values == np.round(values))
        for row, _i in failing(~whole):
            out.add("INTEGER_INVALID", row, col.name, raw[row],
                    _("'{column}' must be a whole number").format(column=name), _("enter a whole number"))
        values[~whole] = np.nan
    outside = np.zeros(len(values), dtype=bool)
    if col.minimum is not None:
        outside |= values < col.minimum
    if col.maximum is not None:
        outside |= values > col.maximum
    if outside.any():
        message = _("'{column}' is outside {minimum}-{maximum}").format(
            column=name, minimum=f"{col.minimum:g}", maximum=f"{col.maximum:g}") + (
                f" {unit_label(col.unit)}" if col.unit else "")
        hint = range_hint(col) + (_(" (MRD as a fraction: 0.01 % = 0.0001)") if col.unit == "fraction" else "")
        for row, _i in failing(outside):
            out.add("NUMBER_OUT_OF_RANGE", row, col.name, raw[row], message, hint)
        values[outside] = np.nan


def _column(col: Column, values: np.ndarray, index: pd.Index) -> pd.Series:
    if col.dtype is DType.INT:
        return _whole_numbers(values, index)
    return pd.Series(values, index=index, dtype="float64")


def _whole_numbers(values: np.ndarray, index: pd.Index) -> pd.Series:
    """Whole numbers (NaN: missing) as pandas ``Int64``: what ``Series.round().astype("Int64")`` gives,
    built directly (that cast checks every value again); beyond int64 that cast is left to refuse."""
    rounded = np.round(values)
    missing = np.isnan(rounded)
    if not (np.abs(rounded[~missing]) < 2.0 ** 63).all():
        return pd.Series(rounded, index=index, dtype="float64").astype("Int64")
    data = np.where(missing, 1, rounded).astype(np.int64)  # 1 under the mask, as pandas fills it
    return pd.Series(pd.arrays.IntegerArray(data, missing), index=index)
