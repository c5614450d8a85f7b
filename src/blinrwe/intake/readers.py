"""Read a study from an .xlsx workbook or a folder of ``<table>.csv`` files.

Readers only transport cell values; they never coerce types (validation does,
so that the same rules and messages apply to both paths). The workbook layout
is the template's: row 1 holds the column names (units and descriptions are
cell comments on it), data start in row 2, one sheet per table.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from blinrwe.errors import UserError

from .raw import RawSheet, RawStudy

#: Sheets the template adds for the user's benefit; never read as tables.
METADATA_SHEETS = ("README", "data_dictionary", "lists")


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet(name: str, file: str, sheet: str | None, rows: list[tuple]) -> RawSheet:
    if not rows:
        return RawSheet(name, file, sheet, (), pd.DataFrame(index=pd.Index([], dtype="int64")))
    header_row = rows[0]
    width = len(header_row)
    while width and _is_empty(header_row[width - 1]):
        width -= 1
    data_width = max([width] + [max((i + 1 for i, v in enumerate(r) if not _is_empty(v)), default=0) for r in rows[1:]])
    header = tuple("" if _is_empty(v) else str(v).strip() for v in header_row[:data_width])
    header += ("",) * (data_width - len(header))
    body, numbers = [], []
    for number, row in enumerate(rows[1:], start=2):
        values = [None if _is_empty(v) else v for v in row[:data_width]]
        if any(v is not None for v in values):
            body.append(values + [None] * (data_width - len(values)))
            numbers.append(number)
    cells = pd.DataFrame(body, index=pd.Index(numbers, dtype="int64"), columns=range(data_width), dtype=object)
    return RawSheet(name, file, sheet, header, cells)


def _percent_text(value: float) -> str:
    # A cell formatted as percent stores 45 % as 0.45; give validation the value as typed.
    return f"{round(value * 100, 9)!r}%"


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
    try:
        for ws in book.worksheets:
            title = ws.title.strip()
            if title in METADATA_SHEETS:
                ignored.append(title)
                continue
            rows = []
            for row in ws.iter_rows():
                values = []
                for c in row:
                    v = c.value
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (getattr(c, "number_format", "") or ""):
                        v = _percent_text(v)
                    elif isinstance(v, dt.time):
                        v = v.isoformat()
                    values.append(v)
                rows.append(tuple(values))
            sheets[title] = _sheet(title, path.name, ws.title, rows)
    finally:
        book.close()
    return RawStudy(source=str(path), kind="xlsx", sheets=sheets, ignored=tuple(ignored))


def _read_csv_file(path: Path) -> list[tuple]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save the CSV as 'CSV UTF-8 (comma delimited)'") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # European Excel exports use ';'
    return [tuple(r) for r in csv.reader(text.splitlines(), delimiter=delimiter)]


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
