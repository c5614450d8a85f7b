"""Turn the cells of one sheet into a typed table, with a finding for every bad cell.

Each declared column is coerced from its storage type (schema.DType) the same
way whether the cell came from Excel (numbers, dates, booleans), from CSV
(text) or from Parquet (typed): a cell reads as the text a user sees in it
(``cell_text``), parsed. Invalid cells become missing values and produce one
finding each; nothing stops at the first problem.

Cells are rendered as text, and NaN texts and Excel error values emptied, by
:mod:`~blinrwe.validate.cell_text`; number columns are parsed by
:mod:`~blinrwe.validate.numbers`, codes and yes/no by :mod:`~blinrwe.validate.choices`,
dates here (read by :mod:`~blinrwe.validate.dates`).

Speed: a registry column of 100,000 rows holds a few hundred distinct values, so
each column is factorised once and every rendering, parse, check and hint is done
once per distinct text, then broadcast to the cells (``cell_text.DistinctTexts``).
A typed column of numbers or yes/no (Parquet, a workbook's) renders no text: its
values are checked by numpy operations over the cells (``numbers.typed_numbers``,
``choices.booleans_of``), with the findings and values its texts would give; dates
are read on their values already. The per-cell functions (``cell_text.cell_text``,
``validate.dates``) stay the definition and tests check that every path gives the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.intake.raw import RawSheet
from blinrwe.model import DType, imputed_flag
from blinrwe.model.display import column_of_header
from blinrwe.model.i18n import _
from blinrwe.model.schema import PANDAS_DTYPE, Column, Table

from .cell_text import DistinctTexts, blank_specials, quoted
from .choices import booleans_of, coerce_booleans, coerce_code_lists, coerce_codes, unknown_flags
from .dates import day_or_month_first, parse_dates
from .findings import CellFindings, Finding
from .numbers import coerce_numbers, numbers_of, typed_numbers

_FIRST_PLAUSIBLE = np.datetime64("1900-01-01", "ns")
_AFTER_PLAUSIBLE = np.datetime64("2101-01-01", "ns")


def _dates(col: Column, raw: pd.Series, rule: str, out: CellFindings, kind: str | None = None,
           factors=None) -> tuple[pd.Series, pd.Series]:
    dates, imputed, unreadable = parse_dates(raw, rule, kind, factors)
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


def _typed(col: Column, raw: pd.Series, kind: str, out: CellFindings,
           known=None) -> tuple[pd.Series, np.ndarray] | None:
    """A number or yes/no column of typed cells (Parquet, a workbook's numbers), read on its values: the
    column and its empty cells; None when it holds anything else (then read as text). ``known``: what the
    column's Parquet type tells (``intake.parquet.KnownColumn``: its numbers, without a look at each cell)."""
    if col.dtype not in (DType.INT, DType.FLOAT, DType.BOOL):
        return None
    cells = raw.to_numpy(dtype=object)
    if col.dtype is DType.BOOL:
        values = booleans_of(cells, kind, raw.index)
        return None if values is None else (values, values.isna().to_numpy())
    given = getattr(known, "numbers", None)
    numbers = given + 0.0 if given is not None else numbers_of(cells, kind)  # (+ 0.0: -0.0 reads 0, as there)
    return None if numbers is None else (typed_numbers(col, raw, numbers, out), np.isnan(numbers))


def _kind(cells: pd.Series) -> str:
    return pd.api.types.infer_dtype(cells.to_numpy(dtype=object), skipna=True)


def _distinct(sheet: RawSheet, pos: int, known: dict, kind: str | None = None) -> DistinctTexts:
    """:meth:`DistinctTexts.of` the sheet's column ``pos``, with what its Parquet type tells (``known``)."""
    column = known.get(pos)
    return DistinctTexts.of(sheet.cells[pos], kind or (column.kind if column else None),
                            column.factors if column else None)


def _booleans(col: Column, raw: pd.Series, out: CellFindings) -> pd.Series:
    kind = _kind(raw)
    typed = _typed(col, raw, kind, out)
    return typed[0] if typed is not None else coerce_booleans(col, raw, DistinctTexts.of(raw, kind), out)


def _missing(col: Column, index: pd.Index) -> pd.Series:
    dtype = PANDAS_DTYPE[col.dtype]
    if col.dtype is DType.ENUM_LIST:
        return pd.Series([()] * len(index), index=index, dtype=object)
    if dtype == "object":
        return pd.Series([None] * len(index), index=index, dtype=object)
    return pd.Series(pd.NA if dtype in ("Int64", "boolean") else None, index=index, dtype=dtype)


def _nothing_typed(col: Column, index: pd.Index, out: CellFindings) -> pd.Series:
    """A column whose every cell is empty: missing, and each cell a finding when it is required."""
    if col.required:
        message, hint = _required(col, out)
        for row in index:
            out.add("REQUIRED_MISSING", row, col.name, None, message, hint)
    return _missing(col, index)


def _required(col: Column, out: CellFindings) -> tuple[str, str]:
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
    known = getattr(sheet, "known", {})  # what a Parquet column's type tells (intake.parquet.KnownColumn)
    pid_pos = positions.get("patient_id")
    pid_cells = _distinct(sheet, pid_pos, known) if pid_pos is not None else None
    pids = pid_cells.texts() if pid_cells is not None else None  # as typed: a finding names the patient
    out = CellFindings(sheet, table, pids)
    data: dict[str, pd.Series] = {}
    for col in table.columns:
        pos = positions.get(col.name.casefold())
        if pos is None:  # absent column: missing everywhere (absent required columns are reported by the caller)
            data[col.name] = _missing(col, index)
            continue
        typed = sheet.cells[pos]
        kind = pid_cells.kind if pos == pid_pos else known[pos].kind if pos in known else _kind(typed)
        fast = _typed(col, typed, kind, out, known.get(pos))
        if fast is not None:  # a typed column's numbers or yes/no, read on their values
            data[col.name], empty = fast
        elif col.dtype is DType.DATE:
            raw, _texts = blank_specials(col, typed, out, kind=kind)
            factors = known[pos].factors if pos in known and raw is typed else None
            empty = raw.isna().to_numpy() if factors is None else factors[0] < 0
            if empty.all():
                data[col.name] = _nothing_typed(col, index, out)
                continue
            values, imputed = _dates(col, raw, rule, out, kind, factors)
            flag_pos = positions.get(imputed_flag(col.name).casefold())
            if flag_pos is not None:  # a flag written by blinrwe travels back in
                flags = _booleans(Column(imputed_flag(col.name), DType.BOOL, ""), sheet.cells[flag_pos], out)
                imputed = imputed | flags.fillna(False)
            data[col.name] = values
            if imputed.any():
                data[imputed_flag(col.name)] = imputed.astype("boolean")
        else:
            cells = pid_cells if pos == pid_pos else _distinct(sheet, pos, known, kind)
            raw, cells = blank_specials(col, typed, out, cells)
            if cells.all_none:  # nothing typed, not even 'NA'
                data[col.name] = _nothing_typed(col, index, out)
                continue
            empty = ~cells.present
            if col.dtype in (DType.INT, DType.FLOAT):
                data[col.name] = coerce_numbers(col, raw, cells, out)
            elif col.dtype is DType.BOOL:
                data[col.name] = coerce_booleans(col, raw, cells, out)
                empty = empty | unknown_flags(cells)
            elif col.dtype is DType.ENUM:
                data[col.name] = coerce_codes(col, raw, cells, out)
            elif col.dtype is DType.ENUM_LIST:
                data[col.name] = coerce_code_lists(col, raw, cells, out)
            else:
                data[col.name] = cells.texts()
        if col.required and empty.any():
            message, hint = _required(col, out)
            for row in index[empty]:
                out.add("REQUIRED_MISSING", row, col.name, None, message, hint)
    data["source_row"] = pd.Series(index.to_numpy(dtype="int64", copy=True), index=index)
    frame = pd.DataFrame(data, copy=False)  # each column its own block: nothing copied into 2-D blocks
    frame.index = pd.RangeIndex(len(frame))  # reset_index(drop=True), without copying every column
    return frame, out.findings
