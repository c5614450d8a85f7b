"""Read a study from an .xlsx workbook or a folder of ``<table>.csv`` files.

Readers only transport cell values; they never coerce types (validation does,
so that the same rules and messages apply to both paths). The workbook layout
is the template's: row 1 holds the column names (units and descriptions are
cell comments on it), data start in row 2, one sheet per table.

CSV files go through pandas' C parser (every cell as text); workbooks through
openpyxl in read-only mode, reading values only unless some cell format of the
workbook is a percent format (then each number's format is looked up, so that
45 % arrives as the text "45.0%" the user typed).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

from blinrwe.errors import UserError

from .raw import RawSheet, RawStudy

#: Sheets the template adds for the user's benefit; never read as tables.
METADATA_SHEETS = ("README", "data_dictionary", "lists")


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: What str.isspace() calls white space in ASCII text (str.strip() removes the same).
_ASCII_WHITE_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def any_white_space(texts) -> bool:
    """Does any of these strings hold a white-space character? (one scan of their concatenation;
    most registry columns hold none, and then no cell needs stripping)"""
    try:
        joined = "".join(texts)
    except TypeError:  # not all str
        return True
    if not joined.isascii():
        return True
    return any(ch in joined for ch in _ASCII_WHITE_SPACE)


def _blank(values: np.ndarray) -> np.ndarray:
    """Which cells are empty (``None`` or only white space), without a Python call per cell.

    Text columns are factorised first: white space is looked for once per distinct value
    (a registry column has a few thousand distinct values in 100,000 rows).
    """
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "empty":
        return np.ones(len(values), dtype=bool)
    if kind == "string":
        if pd.api.types.infer_dtype(values, skipna=False) == "string":  # no None at all (CSV)
            missing, texts = np.zeros(len(values), dtype=bool), values
        else:
            missing = np.equal(values, None)
            texts = values[~missing]
        if not any_white_space(texts):
            return missing | np.equal(values, "")
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        blank_distinct = np.fromiter((not v.strip() for v in distinct), dtype=bool, count=len(distinct))
        return (codes < 0) | blank_distinct[np.maximum(codes, 0)]
    if kind in ("mixed", "mixed-integer"):  # some text among numbers or dates (workbooks only)
        return np.fromiter((_is_empty(v) for v in values), dtype=bool, count=len(values))
    return np.fromiter((v is None for v in values), dtype=bool, count=len(values))


def _sheet(name: str, file: str, sheet: str | None, grid: pd.DataFrame) -> RawSheet:
    """A RawSheet from every row of a sheet as read (``grid``: object cells, row 0 = header).

    Trailing empty header cells and columns are dropped, entirely empty rows are
    dropped, and data rows keep their spreadsheet number (header = row 1).
    """
    if grid.shape[0] == 0:
        return RawSheet(name, file, sheet, (), pd.DataFrame(index=pd.Index([], dtype="int64")))
    values = [grid[c].to_numpy(dtype=object) for c in grid.columns]
    blank = [_blank(v) for v in values]
    header_row = [v[0] for v in values]
    width = len(header_row)
    while width and _is_empty(header_row[width - 1]):
        width -= 1
    filled = [np.flatnonzero(~b[1:]) for b in blank]  # data rows with a value, per column
    data_width = max([width] + [i + 1 for i, rows in enumerate(filled) if len(rows)])
    header = tuple("" if _is_empty(v) else str(v).strip() for v in header_row[:data_width])
    keep = np.zeros(grid.shape[0] - 1, dtype=bool)
    for rows in filled[:data_width]:
        keep[rows] = True
    numbers = np.flatnonzero(keep) + 2
    columns = {}
    for i in range(data_width):
        v, b = (values[i][1:], blank[i][1:]) if keep.all() else (values[i][1:][keep], blank[i][1:][keep])
        columns[i] = np.where(b, None, v) if b.any() else v
    cells = pd.DataFrame(columns, index=pd.Index(numbers, dtype="int64"), columns=range(data_width), dtype=object)
    return RawSheet(name, file, sheet, header, cells)


def _percent_text(value: float) -> str:
    # A cell formatted as percent stores 45 % as 0.45; give validation the value as typed.
    return f"{round(value * 100, 9)!r}%"


def _cell_value(cell):
    v = cell.value
    if v is None or isinstance(v, (str, bool)):
        return v
    if isinstance(v, (int, float)):
        # only numbers ask for their format (a style lookup per cell costs as much as reading it)
        return _percent_text(v) if "%" in (getattr(cell, "number_format", "") or "") else v
    if isinstance(v, dt.time):
        return v.isoformat()
    return v


def _has_percent_format(book) -> bool:
    """Could any cell of the workbook be formatted as percent (then each number's format is looked up)?

    Reads openpyxl's table of the workbook's cell formats (as ``ReadOnlyCell.number_format``
    does); if that is not available, every cell is looked at.
    """
    try:
        styles, custom = book._cell_styles, book._number_formats
        formats = [BUILTIN_FORMATS.get(s.numFmtId, "General") if s.numFmtId < BUILTIN_FORMATS_MAX_SIZE
                   else custom[s.numFmtId - BUILTIN_FORMATS_MAX_SIZE] for s in styles]
    except (AttributeError, IndexError, TypeError):
        return True
    return any("%" in (f or "") for f in formats)


def _times_as_text(grid: pd.DataFrame) -> pd.DataFrame:
    """Excel time-of-day cells as ISO text (as :func:`_cell_value` does)."""
    for c in grid.columns:
        if pd.api.types.infer_dtype(grid[c], skipna=True) in ("time", "mixed", "mixed-integer"):
            grid[c] = grid[c].map(lambda v: v.isoformat() if isinstance(v, dt.time) else v).astype(object)
    return grid


def _grid(rows: list[tuple]) -> pd.DataFrame:
    """Rows of cells as one object frame, short rows padded with ``None``."""
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        rows = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    frame = pd.DataFrame(rows, columns=range(width), dtype=object) if rows else pd.DataFrame()
    return frame


def read_xlsx(path: str | Path) -> RawStudy:
    """Read every sheet of an .xlsx workbook (cached values of formulas)."""
    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise UserError(f"{path}: file not found; give the path of the study workbook (.xlsx)") from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise UserError(f"{path}: cannot be read as an .xlsx workbook ({type(err).__name__}); "
                        "save it from Excel as 'Excel Workbook (.xlsx)'") from None
    sheets, ignored = {}, []
    percent_cells = _has_percent_format(book)
    try:
        for ws in book.worksheets:
            title = ws.title.strip()
            if title in METADATA_SHEETS:
                ignored.append(title)
                continue
            if percent_cells:
                grid = _grid([tuple(_cell_value(c) for c in row) for row in ws.iter_rows()])
            else:  # no cell can be percent-formatted: values alone, without a style lookup per cell
                grid = _times_as_text(_grid(list(ws.iter_rows(values_only=True))))
            sheets[title] = _sheet(title, path.name, ws.title, grid)
    finally:
        book.close()
    return RawStudy(source=str(path), kind="xlsx", sheets=sheets, ignored=tuple(ignored))


def _read_csv_file(path: Path) -> pd.DataFrame:
    """Every row of a CSV file as text cells (row 0 = header), for :func:`_sheet`."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save the CSV as 'CSV UTF-8 (comma delimited)'") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # European Excel exports use ';'
    if not text.strip("\r\n"):
        return _grid([tuple(r) for r in csv.reader(text.splitlines(), delimiter=delimiter)])
    try:
        # pandas' C parser: the csv module's dialect (quotes doubled), every cell kept as typed
        grid = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", sep=delimiter, header=None, dtype=str,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c")
    except pd.errors.ParserError:  # rows longer than the header row: the csv module copes
        return _grid([tuple(r) for r in csv.reader(text.splitlines(), delimiter=delimiter)])
    return grid.set_axis(range(grid.shape[1]), axis=1)


def read_csv_folder(path: str | Path) -> RawStudy:
    """Read every ``<table>.csv`` of a folder (or one CSV file) as text cells."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: folder not found; give a folder of <table>.csv files or an .xlsx workbook")
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
    ignored = () if path.is_file() else tuple(sorted(p.name for p in path.iterdir() if p.suffix.lower() != ".csv"))
    sheets = {}
    for file in files:
        name = file.stem.strip()
        sheets[name] = _sheet(name, file.name if path.is_dir() else file.name, None, _read_csv_file(file))
    return RawStudy(source=str(path), kind="csv", sheets=sheets, ignored=ignored)


def read_study(path: str | Path) -> RawStudy:
    """Read a study from an .xlsx workbook, a folder of CSV files, or a single CSV file."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() in (".csv", ""):
        return read_csv_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if path.suffix.lower() == ".xls":
        raise UserError(f"{path}: old .xls workbooks are not read; open it in Excel and save as .xlsx")
    raise UserError(f"{path}: give an .xlsx workbook or a folder of <table>.csv files")
