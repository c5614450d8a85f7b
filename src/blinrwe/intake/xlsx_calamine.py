"""The fast reader of workbook cell values: python-calamine (Rust), with openpyxl's results.

calamine parses a sheet 10-20 times faster than openpyxl but cannot see what the
read notes need (a formula without a calculated value, merged ranges with the value
of their first cell, a percent number format, error cells, text numbers such as
``NaN``), nor stop a sheet half-way at a limit. So every sheet's XML is first
scanned as bytes (no XML parse; the zip member unpacked once, counted against the
size limit): a workbook whose sheets hold any of those, rows out of order or cells
without a reference, or that comes near a row, column or cell limit, is left to the
openpyxl reader (:mod:`blinrwe.intake.xlsx`), which gives the exact notes and
refusals. Sheet list, hidden state and styles come from openpyxl's workbook part
(workbook.xml and styles.xml only, no sheet parsed).

Cells are converted to what openpyxl gives: a whole number without a decimal point
as ``int``, a date as ``datetime``, a time of day as ISO text, an empty cell as ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook

from .limits import ReadLimits
from .sheet import grid_of, raw_sheet

#: Sheet XML that only openpyxl reads as the notes need: formulas, merged ranges, error cells.
_OPENPYXL_ONLY = (b"<f>", b"<f ", b"<f/>", b"<mergeCell ", b't="e"', b"<x:", b"<row>", b"<c>")
_TEXT_NUMBER = re.compile(rb"<v>\s*[-+]?(?:nan|inf)", re.IGNORECASE)
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})')
#: Cell references of two and three letters (columns past Z, past ZZ): the widest sheet, without a list of cells.
_WIDER_THAN = ((re.compile(rb'<c r="[A-Z]{2}'), 26), (re.compile(rb'<c r="[A-Z]{3}'), 702))
_EXACT_INT = 2.0 ** 53


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_allows(data: bytes, percent_refs: re.Pattern | None, limits: ReadLimits) -> bool:
    """Can calamine read this sheet XML with openpyxl's results and no note lost? (byte scans only)"""
    if any(marker in data for marker in _OPENPYXL_ONLY) or _TEXT_NUMBER.search(data):
        return False
    if percent_refs is not None and percent_refs.search(data):
        return False
    rows = [int(r) for r in _ROW_NUMBER.findall(data)]
    if len(rows) != data.count(b"<row ") or len(rows) > limits.max_rows // 2:
        return False
    if any(b <= a for a, b in zip(rows, rows[1:])):
        return False  # out of order: openpyxl refuses it
    if data.count(b"<c ") != data.count(b'<c r="'):
        return False
    height = rows[-1] if rows else 0
    width = next((bound for wider, bound in _WIDER_THAN if not wider.search(data)), None)  # at most
    if width is None or width > limits.max_columns // 2 or height * width > limits.max_cells // 2:
        width = max((_column_number(c) for c in set(_CELL_COLUMN.findall(data))), default=0)  # exactly
    return width <= limits.max_columns // 2 and height * width <= limits.max_cells // 2


def _value(v):
    kind = type(v)
    if kind is str:
        return v if v else None
    if kind is float:
        return int(v) if v.is_integer() and -_EXACT_INT < v < _EXACT_INT else v
    if kind is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    if kind is dt.time:
        return v.isoformat()
    return v


def _rows(sheet) -> list[list]:
    rows = sheet.to_python(skip_empty_area=False)
    # most cells are text: convert only the others
    return [[v if type(v) is str and v else _value(v) for v in row] for row in rows]


def read_values(path: Path, found: list[tuple[str, str]], percent: set[int], limits: ReadLimits):
    """``{title: RawSheet}`` of the sheets ``found`` ((name, zip member)), or ``None`` when
    a sheet needs the openpyxl reader (see the module docstring)."""
    percent_refs = (re.compile(rb' s="(?:' + b"|".join(str(i).encode() for i in sorted(percent)) + rb')"')
                    if percent else None)
    unpacked = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for _name, member in found:
                info = archive.getinfo(member)
                unpacked += info.file_size
                if unpacked > limits.max_bytes // 2:
                    return None
                if not _scan_allows(archive.read(member), percent_refs, limits):
                    return None
    except Exception:  # noqa: BLE001 -- a damaged member (compression, CRC, zlib): openpyxl names the damage
        return None
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 -- openpyxl names the damage
        return None
    try:
        sheets = {}
        for name, _member in found:
            title = name.strip()
            try:
                rows = _rows(book.get_sheet_by_name(name))
            except Exception:  # noqa: BLE001 -- openpyxl names the damage
                return None
            sheets[title] = raw_sheet(title, path.name, name, grid_of(rows), list(range(1, len(rows) + 1)))
        return sheets
    finally:
        book.close()
