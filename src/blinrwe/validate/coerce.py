"""Turn the cells of one sheet into a typed table, with a finding for every bad cell.

Each declared column is coerced from its storage type (schema.DType) the same
way whether the cell came from Excel (numbers, dates, booleans) or from CSV
(text): cells are first rendered as text exactly as a user would read them, then
parsed. Invalid cells become missing values and produce one finding each;
nothing stops at the first problem.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math

import numpy as np
import pandas as pd

from blinrwe.intake.raw import RawSheet
from blinrwe.model import DType, imputed_flag
from blinrwe.model.schema import Column, Table

from .dates import parse_dates
from .findings import Finding, finding
from .study_data import PANDAS_DTYPE

#: Cell texts read as "no value" in every column.
MISSING_TOKENS = frozenset({"NA", "N/A", "n/a", "na", "#N/A", "NULL", "null", "NaN", "nan", "."})
YES = frozenset({"yes", "y", "true", "1", "1.0"})
NO = frozenset({"no", "n", "false", "0", "0.0"})
UNKNOWN = frozenset({"unknown", "unk"})
LIST_SEPARATOR = ";"


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


def suggest(value: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed code the user probably meant (same letters ignoring case, or a close spelling)."""
    folded = {a.casefold(): a for a in allowed}
    key = value.casefold().replace(" ", "_").replace("-", "_")
    for candidate in (value.casefold(), key):
        if candidate in folded:
            return folded[candidate]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


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


def _numbers(col: Column, raw: pd.Series, text: pd.Series, out: _Collector) -> pd.Series:
    work = text.copy()
    if col.unit == "%":
        pct = work.str.endswith("%", na=False)
        for row in work.index[pct]:
            out.add("PERCENT_SIGN", row, col.name, raw[row], f"'{col.name}' is in %; the percent sign was removed",
                    "enter the number without '%' (45 for 45 %)")
        work[pct] = work[pct].str[:-1].str.strip()
    values = pd.to_numeric(work, errors="coerce")
    finite = values.map(lambda v: not (isinstance(v, float) and math.isinf(v)))
    values = values.where(finite)
    bad = text.notna() & values.isna()
    for row in text.index[bad]:
        v = text[row]
        hint = "enter a number"
        if isinstance(v, str) and "," in v and pd.notna(pd.to_numeric(v.replace(",", "."), errors="coerce")):
            hint = f"use a point as decimal separator ({v.replace(',', '.')})"
        elif col.unit:
            hint = f"enter a number in {col.unit}, without the unit"
        out.add("NUMBER_INVALID", row, col.name, raw[row], f"'{col.name}' must be a number", hint)
    if col.dtype is DType.INT:
        whole = values.isna() | (values == values.round())
        for row in values.index[~whole]:
            out.add("INTEGER_INVALID", row, col.name, raw[row], f"'{col.name}' must be a whole number", "enter a whole number")
        values = values.where(whole)
    outside = pd.Series(False, index=values.index)
    if col.minimum is not None:
        outside |= values < col.minimum
    if col.maximum is not None:
        outside |= values > col.maximum
    for row in values.index[outside]:
        out.add("NUMBER_OUT_OF_RANGE", row, col.name, raw[row],
                f"'{col.name}' is outside {col.minimum:g}-{col.maximum:g}" + (f" {col.unit}" if col.unit else ""),
                _range_hint(col) + (" (MRD as a fraction: 0.01 % = 0.0001)" if col.unit == "fraction" else ""))
    values = values.where(~outside)
    if col.dtype is DType.INT:
        return values.round().astype("Int64")
    return values.astype("float64")


def _booleans(col: Column, raw: pd.Series, text: pd.Series, out: _Collector) -> pd.Series:
    folded = text.str.casefold()
    result = pd.Series(pd.NA, index=text.index, dtype="boolean")
    result[folded.isin(YES | {"true"})] = True
    result[folded.isin(NO | {"false"})] = False
    bad = text.notna() & result.isna() & ~folded.isin(UNKNOWN)
    for row in text.index[bad]:
        out.add("YES_NO_INVALID", row, col.name, raw[row], f"'{col.name}' must be yes or no",
                "enter yes or no (leave empty or write 'unknown' when not known)")
    return result


def _enum(col: Column, raw: pd.Series, text: pd.Series, out: _Collector) -> pd.Series:
    ok = text.isna() | text.isin(col.allowed)
    for row in text.index[~ok]:
        v = text[row]
        guess = suggest(v, col.allowed)
        hint = f"use one of: {', '.join(col.allowed)}" + (f" (did you mean '{guess}'?)" if guess else "")
        out.add("CODE_INVALID", row, col.name, raw[row], f"'{v}' is not an allowed code of '{col.name}'", hint)
    return text.where(ok).astype(object).where(ok & text.notna(), None)


def _enum_list(col: Column, raw: pd.Series, text: pd.Series, out: _Collector) -> pd.Series:
    def split(v):
        return () if v is None else tuple(p.strip() for p in v.split(LIST_SEPARATOR) if p.strip())

    parts = text.map(split, na_action=None)
    result = []
    for row, codes in parts.items():
        bad = [c for c in codes if c not in col.allowed]
        for c in bad:
            guess = suggest(c, col.allowed)
            hint = (f"use codes from: {', '.join(col.allowed)}, separated by '{LIST_SEPARATOR}'"
                    + (f" (did you mean '{guess}'?)" if guess else ""))
            out.add("CODE_INVALID", row, col.name, raw[row], f"'{c}' is not an allowed code of '{col.name}'", hint)
        result.append(tuple(c for c in codes if c in col.allowed))
    return pd.Series(result, index=text.index, dtype=object)


def _dates(col: Column, raw: pd.Series, rule: str, out: _Collector) -> tuple[pd.Series, pd.Series]:
    dates, imputed, unreadable = parse_dates(raw, rule)
    for row in raw.index[unreadable]:
        out.add("DATE_UNREADABLE", row, col.name, raw[row], f"'{col.name}' is not a date",
                "enter the date as YYYY-MM-DD (e.g. 2023-04-17), or as YYYY-MM / YYYY when only month or year is known")
    odd = dates.notna() & ((dates.dt.year < 1900) | (dates.dt.year > 2100))
    for row in raw.index[odd]:
        out.add("DATE_IMPLAUSIBLE", row, col.name, raw[row], f"'{col.name}' is outside 1900-2100",
                "check the year (four digits, YYYY-MM-DD)")
    dates = dates.where(~odd)
    for row in raw.index[imputed & ~odd]:
        out.add("DATE_PARTIAL_IMPUTED", row, col.name, raw[row],
                f"partial date completed as {dates[row].date().isoformat()} by the '{rule}' rule",
                "enter the full date if it is known; otherwise nothing to do (the value is flagged as imputed)")
    return dates, (imputed & ~odd)


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
    pids = sheet.cells[pid_pos].map(cell_text) if pid_pos is not None else None
    out = _Collector(sheet, table, pids)
    data: dict[str, pd.Series] = {}
    for col in table.columns:
        pos = positions.get(col.name.casefold())
        if pos is None:  # absent column: missing everywhere (absent required columns are reported by the caller)
            data[col.name] = _missing(col, index)
            continue
        raw = sheet.cells[pos]
        if raw.isna().all():
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
                imputed = imputed | _booleans(flag_col, sheet.cells[flag_pos], sheet.cells[flag_pos].map(cell_text), out).fillna(False)
            data[col.name] = values
            if imputed.any():
                data[imputed_flag(col.name)] = imputed.astype("boolean")
            empty = raw.isna()
        else:
            text = raw.map(cell_text).astype(object)
            empty = text.isna()
            if col.dtype in (DType.INT, DType.FLOAT):
                data[col.name] = _numbers(col, raw, text, out)
            elif col.dtype is DType.BOOL:
                data[col.name] = _booleans(col, raw, text, out)
                empty = empty | text.str.casefold().isin(UNKNOWN)
            elif col.dtype is DType.ENUM:
                data[col.name] = _enum(col, raw, text, out)
            elif col.dtype is DType.ENUM_LIST:
                data[col.name] = _enum_list(col, raw, text, out)
            else:
                data[col.name] = text.where(text.notna(), None)
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
