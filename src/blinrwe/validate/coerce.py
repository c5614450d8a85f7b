"""Turn the cells of one sheet into a typed table, with a finding for every bad cell.

Each declared column is coerced from its storage type (schema.DType) the same
way whether the cell came from Excel (numbers, dates, booleans) or from CSV
(text): cells are first rendered as text exactly as a user would read them, then
parsed. Invalid cells become missing values and produce one finding each;
nothing stops at the first problem.

Cells are rendered as text by :mod:`~blinrwe.validate.cell_text`; number columns are parsed by
:mod:`~blinrwe.validate.numbers`.

Speed: a registry column of 100,000 rows holds a few hundred distinct values, so
each column is factorised and every rendering, parse, check and hint is done
once per distinct text, then broadcast to the cells (see ``_Distinct``); the
per-cell functions (:func:`cell_text`, ``validate.dates``) stay the definition
and tests check that both give the same result.
"""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from blinrwe.intake.raw import RawSheet
from blinrwe.intake.sheet import any_white_space
from blinrwe.model import DType, imputed_flag
from blinrwe.model.display import (bool_label, bool_words, code_of_label, column_of_header, heading, level_with_code,
                                   normalise, value_codes)
from blinrwe.model.i18n import _, current_language
from blinrwe.model.schema import PANDAS_DTYPE, Column, Table

from .cell_text import MISSING_TOKENS, ONE_KIND, cell_text, quoted, special_code
from .dates import day_or_month_first, parse_dates
from .findings import Finding, finding
from .numbers import coerce_numbers

YES = frozenset({"yes", "y", "true", "1", "1.0"})
NO = frozenset({"no", "n", "false", "0", "0.0"})
UNKNOWN = frozenset({"unknown", "unk"})
#: Yes / no / unknown as Chinese clinicians write them, beside the template's own labels (是/否/不详).
YES_ZH = frozenset({"是", "有", "是的"})
NO_ZH = frozenset({"否", "无", "没有", "不是"})
UNKNOWN_ZH = frozenset({"不详", "未知", "不清楚"})
LIST_SEPARATOR = ";"
#: Separators read between the codes of one cell: ';', and as typed on a Chinese keyboard '；', '、' and '，'.
LIST_SEPARATORS = re.compile(r"[;；、，]")
def _blank_specials(col: Column, raw: pd.Series, out: "_Collector") -> pd.Series:
    """``raw`` with NaN texts and Excel error values emptied, one finding per such cell (once per distinct value)."""
    cells = raw.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=True) in ONE_KIND:  # no text in a typed column
        return raw
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    special = [special_code(v) for v in distinct]
    if not any(special):
        return raw
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
    return raw.where(~flagged, None)


def suggest(value: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed code the user probably meant (same letters ignoring case, or a close spelling)."""
    folded = {a.casefold(): a for a in allowed}
    key = value.casefold().replace(" ", "_").replace("-", "_")
    for candidate in (value.casefold(), key):
        if candidate in folded:
            return folded[candidate]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def cell_texts(raw: pd.Series) -> pd.Series:
    """``raw.map(cell_text)``, rendered once per distinct value for text columns (every CSV column)."""
    return _Distinct.of(raw).texts()


class _Distinct:
    """A column of cells as its distinct texts (``cell_text``) and, per cell, which one (-1 = empty).

    Registry columns repeat few values (codes, yes/no, dates, doses), so every parse,
    check and hint runs once per distinct text, in plain Python over the distinct
    texts (or one pandas call for numbers), and is broadcast back to the cells with
    numpy; findings are still made per failing cell, in row order. Only columns
    whose cells are all text are factorised on the raw values (in Python
    ``1 == 1.0 == True``, so mixed workbook cells are rendered one by one first).
    """

    def __init__(self, index: pd.Index, codes: np.ndarray, values: list[str], all_none: bool = False):
        self.index = index
        self.codes = codes  # per cell: position in ``values``; -1 = empty
        self.values = values  # distinct texts
        self.all_none = all_none  # every cell None: nothing typed, not even 'NA'

    @classmethod
    def of(cls, raw: pd.Series) -> "_Distinct":
        cells = raw.to_numpy(dtype=object)
        kind = pd.api.types.infer_dtype(cells, skipna=True)
        if kind == "empty":
            return cls(raw.index, np.full(len(cells), -1, dtype=np.intp), [], all_none=True)
        if kind in ONE_KIND:  # rendered once per distinct value (a registry's typed Parquet column)
            codes, distinct = pd.factorize(cells, use_na_sentinel=True)
            cells = np.array([cell_text(v) for v in distinct] + [None], dtype=object)[codes]
        elif kind != "string":
            cells = np.array([cell_text(v) for v in cells], dtype=object)
        codes, distinct = pd.factorize(cells, use_na_sentinel=True)
        texts = list(distinct)
        if kind == "string" and any_white_space(distinct):  # cell_text of text
            texts = [v.strip() for v in distinct]
        gone = np.array([t == "" or t in MISSING_TOKENS for t in texts] + [True], dtype=bool)  # [-1]: empty
        codes = np.where(gone[codes], -1, codes)
        return cls(raw.index, codes, texts)

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


class _Collector:
    """Collects cell findings for one sheet and column."""

    def __init__(self, sheet: RawSheet, table: Table, patient_ids: pd.Series | None):
        self.sheet, self.table, self.patient_ids = sheet, table, patient_ids
        self.findings: list[Finding] = []

    def name(self, col: Column) -> str:
        """The column as messages name it: ``sex`` in English, ``性别 (sex)`` in Chinese (the template's heading)."""
        return heading(self.table, col) if col in self.table.columns else col.name

    def add(self, code: str, row: int, column: str, value, message: str, hint: str):
        pid = None
        if self.patient_ids is not None and row in self.patient_ids.index:
            pid = self.patient_ids.get(row)
        self.findings.append(finding(code, message, hint, file=self.sheet.file, sheet=self.sheet.sheet, row=int(row),
                                     column=column, value=value, table=self.table.name, patient_id=pid))


_TRUE = YES | {"true"}
_FALSE = NO | {"false"}


def _yes_no(text: str) -> str | None:
    """``yes``/``no``/``unknown`` for a yes/no cell's text in any language, else None."""
    folded = text.casefold()
    if folded in _FALSE:
        return "no"
    if folded in _TRUE:
        return "yes"
    if folded in UNKNOWN:
        return "unknown"
    if folded.isascii():
        return None
    word = text.strip()
    if word in YES_ZH:
        return "yes"
    if word in NO_ZH:
        return "no"
    if word in UNKNOWN_ZH:
        return "unknown"
    return bool_words().get(normalise(word))


def _booleans(col: Column, raw: pd.Series, cells: _Distinct, out: _Collector) -> pd.Series:
    read = [_yes_no(t) for t in cells.values]
    value = [True if r == "yes" else (False if r == "no" else None) for r in read]
    bad = [r is None for r in read]
    if any(bad):
        yes, no, unknown = (bool_label(v) for v in ("yes", "no", "unknown"))
        message = _("'{column}' must be {yes} or {no}").format(column=out.name(col), yes=yes, no=no)
        hint = _("enter {yes} or {no} (leave empty or write '{unknown}' when not known)").format(
            yes=yes, no=no, unknown=unknown)
    for row, _i in cells.failing(bad):
        out.add("YES_NO_INVALID", row, col.name, raw[row], message, hint)
    return pd.Series(pd.array(cells.broadcast(value, None), dtype="boolean"), index=cells.index)


def unknown_flags(cells: _Distinct) -> np.ndarray:
    """Per cell of a yes/no column: does it say 'unknown' (in any language)?"""
    return cells.flags([_yes_no(t) == "unknown" for t in cells.values])


def _codes_text(col: Column) -> str:
    """The allowed codes for a hint; in Chinese each with its label (``男 (M)、女 (F)``)."""
    if current_language() == "en":
        return ", ".join(col.allowed)
    return "、".join(level_with_code(col, v) for v in col.allowed)


def guess_code(col: Column, text: str) -> str | None:
    """The code probably meant: a word clinics type for it (``female`` -> ``F``, ``Column.words``), a close
    spelling of a code, or the one label inside the text (``女性`` -> ``F``)."""
    word = dict(col.words).get(text.strip().casefold())
    if word:
        return word
    guess = suggest(text, col.allowed)
    if guess or text.isascii():
        return guess
    typed = normalise(text)
    inside = {code for label, code in value_codes(col).items() if label and (label in typed or typed in label)}
    return inside.pop() if len(inside) == 1 else None


def _guess_text(col: Column, guess: str | None) -> str:
    if not guess:
        return ""
    shown = guess if current_language() == "en" else level_with_code(col, guess)
    return _(" (did you mean '{code}'?)").format(code=shown)


def _code(col: Column, text: str, allowed: set) -> str | None:
    """The code a cell's text stands for: the code itself or its display label (any language)."""
    if text in allowed:
        return text
    return code_of_label(col, text)


def _enum(col: Column, raw: pd.Series, cells: _Distinct, out: _Collector) -> pd.Series:
    text = cells.values
    allowed = set(col.allowed)
    read = [_code(col, t, allowed) for t in text]
    hints = {}
    for row, i in cells.failing([r is None for r in read]):
        v = text[i]
        if i not in hints:
            hints[i] = (_("use one of: {codes}").format(codes=_codes_text(col))
                        + _guess_text(col, guess_code(col, v)))
        out.add("CODE_INVALID", row, col.name, raw[row],
                _("'{value}' is not an allowed code of '{column}'").format(value=quoted(v), column=out.name(col)),
                hints[i])
    return pd.Series(cells.broadcast(read, None), index=cells.index, dtype=object)


def _enum_list(col: Column, raw: pd.Series, cells: _Distinct, out: _Collector) -> pd.Series:
    allowed = set(col.allowed)
    parts_of = [tuple(p.strip() for p in LIST_SEPARATORS.split(v) if p.strip()) for v in cells.values]
    read_of = [tuple(_code(col, p, allowed) for p in parts) for parts in parts_of]
    bad_of = [[p for p, r in zip(parts, read) if r is None] for parts, read in zip(parts_of, read_of)]
    hints: dict[str, str] = {}
    for row, i in cells.failing([bool(b) for b in bad_of]):
        for c in bad_of[i]:
            if c not in hints:
                hints[c] = (_("use codes from: {codes}, separated by '{separator}'").format(
                    codes=_codes_text(col), separator=LIST_SEPARATOR) + _guess_text(col, guess_code(col, c)))
            out.add("CODE_INVALID", row, col.name, raw[row],
                    _("'{value}' is not an allowed code of '{column}'").format(value=quoted(c), column=out.name(col)),
                    hints[c])
    kept = np.empty(len(read_of), dtype=object)  # element-wise: numpy would make a 2-D array of equal tuples
    for i, codes in enumerate(read_of):
        kept[i] = tuple(c for c in codes if c is not None)
    return pd.Series(cells.broadcast(kept, ()), index=cells.index, dtype=object)


_FIRST_PLAUSIBLE = np.datetime64("1900-01-01", "ns")
_AFTER_PLAUSIBLE = np.datetime64("2101-01-01", "ns")


def _dates(col: Column, raw: pd.Series, rule: str, out: _Collector) -> tuple[pd.Series, pd.Series]:
    dates, imputed, unreadable = parse_dates(raw, rule)
    name = out.name(col)
    for row in raw.index[unreadable.to_numpy()].tolist():
        value = raw[row]
        reading = day_or_month_first(value) if isinstance(value, str) else None
        if reading == "ambiguous":
            hint = _("'{value}' could be day/month/year or month/day/year; enter the date year first, as "
                     "YYYY-MM-DD (e.g. 2023-04-17) or 2023/4/17").format(value=quoted(value.strip()))
        elif reading:
            hint = _("dates are read year first: enter {date} (YYYY-MM-DD) for '{value}'").format(
                date=reading, value=quoted(value.strip()))
        else:
            hint = _("enter the date as YYYY-MM-DD (e.g. 2023-04-17), or as YYYY-MM / YYYY when only month or year "
                     "is known")
        out.add("DATE_UNREADABLE", row, col.name, value, _("'{column}' is not a date").format(column=name), hint)
    day = dates.to_numpy()
    odd = (day < _FIRST_PLAUSIBLE) | (day >= _AFTER_PLAUSIBLE)  # years outside 1900-2100; NaT compares False
    if odd.any():
        for row in raw.index[odd].tolist():
            out.add("DATE_IMPLAUSIBLE", row, col.name, raw[row], _("'{column}' is outside 1900-2100").format(column=name),
                    _("check the year (four digits, YYYY-MM-DD)"))
        dates = dates.where(~odd)
    imputed = imputed & ~odd
    for row in raw.index[imputed.to_numpy()].tolist():
        out.add("DATE_PARTIAL_IMPUTED", row, col.name, raw[row],
                _("partial date completed as {date} by the '{rule}' rule").format(
                    date=dates[row].date().isoformat(), rule=rule),
                _("enter the full date if it is known; otherwise nothing to do (the value is flagged as imputed)"))
    return dates, imputed


def _missing(col: Column, index: pd.Index) -> pd.Series:
    dtype = PANDAS_DTYPE[col.dtype]
    if col.dtype is DType.ENUM_LIST:
        return pd.Series([()] * len(index), index=index, dtype=object)
    if dtype == "object":
        return pd.Series([None] * len(index), index=index, dtype=object)
    return pd.Series(pd.NA if dtype in ("Int64", "boolean") else None, index=index, dtype=dtype)


def _required(col: Column, out: _Collector) -> tuple[str, str]:
    name = out.name(col)
    return (_("'{column}' is required").format(column=name),
            _("fill in '{column}' ({description})").format(column=name, description=_(col.description).rstrip(".。")))


def coerce_sheet(sheet: RawSheet, table: Table, rule: str) -> tuple[pd.DataFrame, list[Finding]]:
    """Typed table (declared columns, flags, ``source_row``) and the findings of its cells.

    Columns are matched to the header by name (case-insensitive); absent
    columns are missing everywhere (the caller reports absent required columns).
    """
    positions = {column_of_header(table, h).casefold(): i for i, h in reversed(list(enumerate(sheet.header))) if h}
    index = sheet.cells.index
    pid_pos = positions.get("patient_id")
    pid_cells = _Distinct.of(sheet.cells[pid_pos]) if pid_pos is not None else None
    pids = pid_cells.texts() if pid_cells is not None else None
    out = _Collector(sheet, table, pids)
    data: dict[str, pd.Series] = {}
    for col in table.columns:
        pos = positions.get(col.name.casefold())
        if pos is None:  # absent column: missing everywhere (absent required columns are reported by the caller)
            data[col.name] = _missing(col, index)
            continue
        typed = sheet.cells[pos]
        raw = _blank_specials(col, typed, out)
        if col.dtype is DType.DATE:
            empty = raw.isna().to_numpy()
            nothing_typed = empty.all()
        else:
            cells = pid_cells if pos == pid_pos and raw is typed else _Distinct.of(raw)
            nothing_typed = cells.all_none
        if nothing_typed:
            data[col.name] = _missing(col, index)
            if col.required:
                message, hint = _required(col, out)
                for row in index:
                    out.add("REQUIRED_MISSING", row, col.name, None, message, hint)
            continue
        if col.dtype is DType.DATE:
            values, imputed = _dates(col, raw, rule, out)
            flag_pos = positions.get(imputed_flag(col.name).casefold())
            if flag_pos is not None:  # a flag written by blinrwe travels back in
                flag_col = Column(imputed_flag(col.name), DType.BOOL, "")
                flag_cells = sheet.cells[flag_pos]
                imputed = imputed | _booleans(flag_col, flag_cells, _Distinct.of(flag_cells), out).fillna(False)
            data[col.name] = values
            if imputed.any():
                data[imputed_flag(col.name)] = imputed.astype("boolean")
        else:
            empty = ~cells.present
            if col.dtype in (DType.INT, DType.FLOAT):
                data[col.name] = coerce_numbers(col, raw, cells, out)
            elif col.dtype is DType.BOOL:
                data[col.name] = _booleans(col, raw, cells, out)
                empty = empty | unknown_flags(cells)
            elif col.dtype is DType.ENUM:
                data[col.name] = _enum(col, raw, cells, out)
            elif col.dtype is DType.ENUM_LIST:
                data[col.name] = _enum_list(col, raw, cells, out)
            else:
                data[col.name] = cells.texts()
        if col.required and empty.any():
            message, hint = _required(col, out)
            for row in index[empty]:
                out.add("REQUIRED_MISSING", row, col.name, None, message, hint)
    data["source_row"] = pd.Series(index, index=index, dtype="int64")
    frame = pd.DataFrame(data).reset_index(drop=True)
    for col in table.columns:
        if PANDAS_DTYPE[col.dtype] == "object":
            frame[col.name] = frame[col.name].astype(object)
    return frame, out.findings
