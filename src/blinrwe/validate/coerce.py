"""Turn the cells of one sheet into a typed table, with a finding for every bad cell.

Each declared column is coerced from its storage type (schema.DType) the same
way whether the cell came from Excel (numbers, dates, booleans) or from CSV
(text): cells are first rendered as text exactly as a user would read them, then
parsed. Invalid cells become missing values and produce one finding each;
nothing stops at the first problem.

Speed: a registry column of 100,000 rows holds a few hundred distinct values, so
each column is factorised and every rendering, parse, check and hint is done
once per distinct text, then broadcast to the cells (see ``_Distinct``); the
per-cell functions (:func:`cell_text`, ``validate.dates``) stay the definition
and tests check that both give the same result.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math

import numpy as np
import pandas as pd

from blinrwe.intake.raw import RawSheet
from blinrwe.intake.sheet import any_white_space
from blinrwe.model import DType, imputed_flag
from blinrwe.model.schema import Column, Table

from .dates import parse_dates
from .findings import Finding, finding
from blinrwe.model.schema import PANDAS_DTYPE

#: Cell texts read as "no value" in every column.
MISSING_TOKENS = frozenset({"NA", "N/A", "n/a", "na", "#N/A", "NULL", "null", "NaN", "nan", "."})
YES = frozenset({"yes", "y", "true", "1", "1.0"})
NO = frozenset({"no", "n", "false", "0", "0.0"})
UNKNOWN = frozenset({"unknown", "unk"})
LIST_SEPARATOR = ";"
#: "Not a number" as pandas, R, numpy and spreadsheets write it: read as empty, and said so.
NAN_TEXTS = frozenset({"nan", "-nan", "+nan", "nan(ind)", "-nan(ind)"})
#: Excel's error values (a formula that failed: Microsoft, "How to correct a #... error"), upper case.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                          "#EXTERNAL!", "#PYTHON!"})


def cell_text(value) -> str | None:
    """A cell as the text a user reads; ``None`` when empty."""
    if value is None:
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


def _special(value) -> str | None:
    """The finding code of a cell that reads as empty but is not empty: NaN text or an Excel error value."""
    if not isinstance(value, str):  # (a workbook's NaN number arrives as the text "NaN")
        return None
    text = value.strip()
    if text.casefold() in NAN_TEXTS:
        return "NAN_TEXT"
    return "EXCEL_ERROR" if text.upper() in EXCEL_ERRORS else None


def _blank_specials(col: Column, raw: pd.Series, out: "_Collector") -> pd.Series:
    """``raw`` with NaN texts and Excel error values emptied, one finding per such cell (once per distinct value)."""
    codes, distinct = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    special = [_special(v) for v in distinct]
    if not any(special):
        return raw
    flagged = np.array([c is not None for c in special] + [False], dtype=bool)[codes]  # [-1]: empty
    for row, i in zip(raw.index[flagged].tolist(), codes[flagged].tolist()):
        value = raw[row]
        if special[i] == "NAN_TEXT":
            out.add("NAN_TEXT", row, col.name, value, f"'{col.name}' holds NaN ('not a number', as a program writes "
                    "an undefined result); it is read as empty", "leave the cell empty when the value is unknown; if "
                    "a script or formula wrote NaN, correct it there (often a division by zero or a missing input)")
        else:
            text = str(value).strip().upper()
            out.add("EXCEL_ERROR", row, col.name, value, f"'{col.name}' holds the Excel error {text} (a formula "
                    "that failed); it is read as empty", "correct the formula (or its input) in Excel so that it "
                    "shows a value, or type the value; leave the cell empty only when the value is unknown")
    return raw.where(~flagged, None)


def _quoted(text: str, limit: int = 40) -> str:
    """A cell's text for a message: on one line, at most ``limit`` characters."""
    one_line = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return one_line if len(one_line) <= limit else one_line[:limit] + "..."


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
        if kind != "string":
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

    def add(self, code: str, row: int, column: str, value, message: str, hint: str):
        pid = None
        if self.patient_ids is not None and row in self.patient_ids.index:
            pid = self.patient_ids.get(row)
        self.findings.append(finding(code, message, hint, file=self.sheet.file, sheet=self.sheet.sheet, row=int(row),
                                     column=column, value=value, table=self.table.name, patient_id=pid))


def _range_hint(col: Column) -> str:
    unit = f" {col.unit}" if col.unit and col.unit != "%" else (" %" if col.unit == "%" else "")
    return f"enter a value between {col.minimum:g} and {col.maximum:g}{unit}"


def _number_hint(col: Column, v: str) -> str:
    if "," in v and pd.notna(pd.to_numeric(v.replace(",", "."), errors="coerce")):
        return f"use a point as decimal separator ({v.replace(',', '.')})"
    if col.unit:
        return f"enter a number in {col.unit}, without the unit"
    return "enter a number"


def _numbers(col: Column, raw: pd.Series, cells: _Distinct, out: _Collector) -> pd.Series:
    text = cells.values
    work = text
    if col.unit == "%":
        pct = [t.endswith("%") for t in text]
        for row, _ in cells.failing(pct):
            out.add("PERCENT_SIGN", row, col.name, raw[row], f"'{col.name}' is in %; the percent sign was removed",
                    "enter the number without '%' (45 for 45 %)")
        work = [t[:-1].strip() if p else t for t, p in zip(text, pct)]
    # pandas' number parser (one call per column) decides what reads as a number
    values = np.asarray(pd.to_numeric(np.array(work, dtype=object), errors="coerce"), dtype="float64").copy()
    infinite = np.isinf(values)
    for i in np.flatnonzero(np.isnan(values)).tolist():  # pandas reads 1e999 as not a number; Python as inf
        try:
            infinite[i] = math.isinf(float(work[i]))
        except ValueError:
            pass
    values[infinite] = np.nan
    bad = np.isnan(values)
    hints = {i: _number_hint(col, text[i]) for i in np.flatnonzero(bad & ~infinite).tolist()}
    for row, i in cells.failing(bad):  # one pass in row order: infinite and unreadable numbers interleave
        if infinite[i]:
            out.add("NUMBER_INFINITE", row, col.name, raw[row], f"'{col.name}' is infinite",
                    "enter a finite number; an infinite value is usually a division by zero in the formula or "
                    "script that produced the column")
        else:
            out.add("NUMBER_INVALID", row, col.name, raw[row], f"'{col.name}' must be a number", hints[i])
    if col.dtype is DType.INT:
        whole = np.isnan(values) | (values == np.round(values))
        for row, _ in cells.failing(~whole):
            out.add("INTEGER_INVALID", row, col.name, raw[row], f"'{col.name}' must be a whole number", "enter a whole number")
        values[~whole] = np.nan
    outside = np.zeros(len(values), dtype=bool)
    if col.minimum is not None:
        outside |= values < col.minimum
    if col.maximum is not None:
        outside |= values > col.maximum
    for row, _ in cells.failing(outside):
        out.add("NUMBER_OUT_OF_RANGE", row, col.name, raw[row],
                f"'{col.name}' is outside {col.minimum:g}-{col.maximum:g}" + (f" {col.unit}" if col.unit else ""),
                _range_hint(col) + (" (MRD as a fraction: 0.01 % = 0.0001)" if col.unit == "fraction" else ""))
    values[outside] = np.nan
    result = pd.Series(cells.broadcast(values, np.nan, dtype="float64"), index=cells.index, dtype="float64")
    if col.dtype is DType.INT:
        return result.round().astype("Int64")
    return result


_TRUE = YES | {"true"}
_FALSE = NO | {"false"}


def _booleans(col: Column, raw: pd.Series, cells: _Distinct, out: _Collector) -> pd.Series:
    folded = [t.casefold() for t in cells.values]
    value = [False if f in _FALSE else (True if f in _TRUE else None) for f in folded]
    bad = [v is None and f not in UNKNOWN for v, f in zip(value, folded)]
    for row, _ in cells.failing(bad):
        out.add("YES_NO_INVALID", row, col.name, raw[row], f"'{col.name}' must be yes or no",
                "enter yes or no (leave empty or write 'unknown' when not known)")
    return pd.Series(pd.array(cells.broadcast(value, None), dtype="boolean"), index=cells.index)


def _enum(col: Column, raw: pd.Series, cells: _Distinct, out: _Collector) -> pd.Series:
    text = cells.values
    allowed = set(col.allowed)
    ok = [t in allowed for t in text]
    hints = {}
    for row, i in cells.failing([not k for k in ok]):
        v = text[i]
        if i not in hints:
            guess = suggest(v, col.allowed)
            hints[i] = f"use one of: {', '.join(col.allowed)}" + (f" (did you mean '{guess}'?)" if guess else "")
        out.add("CODE_INVALID", row, col.name, raw[row], f"'{_quoted(v)}' is not an allowed code of '{col.name}'",
                hints[i])
    return pd.Series(cells.broadcast([t if k else None for t, k in zip(text, ok)], None), index=cells.index,
                     dtype=object)


def _enum_list(col: Column, raw: pd.Series, cells: _Distinct, out: _Collector) -> pd.Series:
    codes_of = [tuple(p.strip() for p in v.split(LIST_SEPARATOR) if p.strip()) for v in cells.values]
    bad_of = [[c for c in codes if c not in col.allowed] for codes in codes_of]
    hints: dict[str, str] = {}
    for row, i in cells.failing([bool(b) for b in bad_of]):
        for c in bad_of[i]:
            if c not in hints:
                guess = suggest(c, col.allowed)
                hints[c] = (f"use codes from: {', '.join(col.allowed)}, separated by '{LIST_SEPARATOR}'"
                            + (f" (did you mean '{guess}'?)" if guess else ""))
            out.add("CODE_INVALID", row, col.name, raw[row], f"'{c}' is not an allowed code of '{col.name}'", hints[c])
    kept = np.empty(len(codes_of), dtype=object)  # element-wise: numpy would make a 2-D array of equal tuples
    for i, codes in enumerate(codes_of):
        kept[i] = tuple(c for c in codes if c in col.allowed)
    return pd.Series(cells.broadcast(kept, ()), index=cells.index, dtype=object)


_FIRST_PLAUSIBLE = np.datetime64("1900-01-01", "ns")
_AFTER_PLAUSIBLE = np.datetime64("2101-01-01", "ns")


def _dates(col: Column, raw: pd.Series, rule: str, out: _Collector) -> tuple[pd.Series, pd.Series]:
    dates, imputed, unreadable = parse_dates(raw, rule)
    for row in raw.index[unreadable.to_numpy()].tolist():
        out.add("DATE_UNREADABLE", row, col.name, raw[row], f"'{col.name}' is not a date",
                "enter the date as YYYY-MM-DD (e.g. 2023-04-17), or as YYYY-MM / YYYY when only month or year is known")
    day = dates.to_numpy()
    odd = (day < _FIRST_PLAUSIBLE) | (day >= _AFTER_PLAUSIBLE)  # years outside 1900-2100; NaT compares False
    if odd.any():
        for row in raw.index[odd].tolist():
            out.add("DATE_IMPLAUSIBLE", row, col.name, raw[row], f"'{col.name}' is outside 1900-2100",
                    "check the year (four digits, YYYY-MM-DD)")
        dates = dates.where(~odd)
    imputed = imputed & ~odd
    for row in raw.index[imputed.to_numpy()].tolist():
        out.add("DATE_PARTIAL_IMPUTED", row, col.name, raw[row],
                f"partial date completed as {dates[row].date().isoformat()} by the '{rule}' rule",
                "enter the full date if it is known; otherwise nothing to do (the value is flagged as imputed)")
    return dates, imputed


def _missing(col: Column, index: pd.Index) -> pd.Series:
    dtype = PANDAS_DTYPE[col.dtype]
    if col.dtype is DType.ENUM_LIST:
        return pd.Series([()] * len(index), index=index, dtype=object)
    if dtype == "object":
        return pd.Series([None] * len(index), index=index, dtype=object)
    return pd.Series(pd.NA if dtype in ("Int64", "boolean") else None, index=index, dtype=dtype)


def coerce_sheet(sheet: RawSheet, table: Table, rule: str) -> tuple[pd.DataFrame, list[Finding]]:
    """Typed table (declared columns, flags, ``source_row``) and the findings of its cells.

    Columns are matched to the header by name (case-insensitive); absent
    columns are missing everywhere (the caller reports absent required columns).
    """
    positions = {h.casefold(): i for i, h in reversed(list(enumerate(sheet.header))) if h}
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
                for row in index:
                    out.add("REQUIRED_MISSING", row, col.name, None, f"'{col.name}' is required",
                            f"fill in '{col.name}' ({col.description.rstrip('.')})")
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
                data[col.name] = _numbers(col, raw, cells, out)
            elif col.dtype is DType.BOOL:
                data[col.name] = _booleans(col, raw, cells, out)
                empty = empty | cells.flags([t.casefold() in UNKNOWN for t in cells.values])
            elif col.dtype is DType.ENUM:
                data[col.name] = _enum(col, raw, cells, out)
            elif col.dtype is DType.ENUM_LIST:
                data[col.name] = _enum_list(col, raw, cells, out)
            else:
                data[col.name] = cells.texts()
        if col.required:
            for row in index[empty]:
                out.add("REQUIRED_MISSING", row, col.name, None, f"'{col.name}' is required",
                        f"fill in '{col.name}' ({col.description.rstrip('.')})")
    data["source_row"] = pd.Series(index, index=index, dtype="int64")
    frame = pd.DataFrame(data).reset_index(drop=True)
    for col in table.columns:
        if PANDAS_DTYPE[col.dtype] == "object":
            frame[col.name] = frame[col.name].astype(object)
    return frame, out.findings
