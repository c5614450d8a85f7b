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
(workbook.xml and styles.xml only, no sheet parsed). calamine parses a sheet only once
the scan has read it within the limits (a thread parses it while the next is scanned).

Cells are converted to what openpyxl gives: a whole number without a decimal point
as ``int``, a date as ``datetime``, a time of day as ISO text, an empty cell as ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from .limits import ReadLimits
from .sheet import grid_of, raw_sheet

#: Sheet XML that only openpyxl reads as the notes need: formulas, merged ranges, error cells, prefixed
#: names, rows and cells without a reference. The elements are one pattern (one pass over the bytes).
_OPENPYXL_ONLY = (re.compile(rb"<(?:f[ >/]|x:|row>|c>)"), b"<mergeCell ", b't="e"')
_TEXT_NUMBER = re.compile(rb"<v>\s*[-+]?(?:nan|inf)", re.IGNORECASE)
_MAYBE_TEXT_NUMBER = re.compile(rb"<v>\s*[-+]?[nNiI]")  # the same, case-sensitive: a quicker first pass
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
    elements, merged, error = _OPENPYXL_ONLY
    if elements.search(data) or merged in data or error in data:
        return False
    if _MAYBE_TEXT_NUMBER.search(data) and _TEXT_NUMBER.search(data):
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


_type_of = np.frompyfunc(type, 1, 1)


def _cells(values: np.ndarray) -> np.ndarray:
    """One column of calamine's values as openpyxl gives them: a whole float as ``int``, a date
    as ``datetime``, a time of day as ISO text, an empty text as ``None`` (by kind, not per cell)."""
    kinds = _type_of(values)
    text = kinds == str
    if text.all() and not (values == "").any():  # most columns: text only
        return values
    cells = values.copy()
    cells[text & (values == "")] = None
    floats = np.flatnonzero(kinds == float)
    if len(floats):
        number = values[floats].astype(float)
        whole = (np.floor(number) == number) & (np.abs(number) < _EXACT_INT)
        cells[floats[whole]] = number[whole].astype(np.int64).tolist()
    for kind, convert in ((dt.date, lambda v: dt.datetime(v.year, v.month, v.day)), (dt.time, dt.time.isoformat)):
        at = np.flatnonzero(kinds == kind)
        if len(at):
            cells[at] = [convert(v) for v in values[at]]
    return cells


def _grid(rows: list[list]) -> pd.DataFrame:
    """calamine's rows of a sheet as one object frame of openpyxl's values (short rows padded)."""
    width = max((len(r) for r in rows), default=0)
    if not rows or any(len(r) != width for r in rows):
        grid = grid_of(rows)
        columns = [grid[c].to_numpy(dtype=object) for c in grid.columns]
    else:
        cells = np.empty((len(rows), width), dtype=object)
        cells[:] = rows
        columns = list(cells.T)
    return pd.DataFrame(dict(enumerate(_cells(c) for c in columns)), columns=range(len(columns)), dtype=object)


def _scan_and_parse(path: Path, found: list[tuple[str, str]], percent_refs: re.Pattern | None, limits: ReadLimits,
                    parse) -> list[Future] | None:
    """Scan each sheet's XML (see the module docstring) and hand it to ``parse`` once it passed, so that
    calamine never unpacks a sheet the scan has not read within the size limit (a zip member's stated
    size can lie: zipfile stops at it and its CRC check fails). None: a sheet needs openpyxl."""
    unpacked, parsed = 0, []
    try:
        with zipfile.ZipFile(path) as archive:
            for name, member in found:
                unpacked += archive.getinfo(member).file_size
                if unpacked > limits.max_bytes // 2 or not _scan_allows(archive.read(member), percent_refs, limits):
                    break
                parsed.append(parse(name))
            else:
                return parsed
    except Exception:  # noqa: BLE001 -- a damaged member (compression, CRC, zlib): openpyxl names the damage
        pass
    for future in parsed:  # refused: what is not parsed yet is not wanted
        future.cancel()
    return None


def read_values(path: Path, found: list[tuple[str, str]], percent: set[int], limits: ReadLimits):
    """``{title: RawSheet}`` of the sheets ``found`` ((name, zip member)), or ``None`` when
    a sheet needs the openpyxl reader (see the module docstring).

    calamine parses each sheet the scan allowed in a thread (it lets go of the GIL while it
    parses) while this one scans the next, then turns each parsed sheet into cells.
    """
    percent_refs = (re.compile(rb' s="(?:' + b"|".join(str(i).encode() for i in sorted(percent)) + rb')"')
                    if percent else None)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 -- openpyxl names the damage
        return None
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="calamine") as parser:
            parsed = _scan_and_parse(path, found, percent_refs, limits,
                                     lambda name: parser.submit(book.get_sheet_by_name, name))
            return None if parsed is None else _sheets(path, found, parsed)
    finally:
        book.close()


def _sheets(path: Path, found: list[tuple[str, str]], parsed: list[Future]):
    sheets = {}
    for (name, _member), sheet in zip(found, parsed):
        title = name.strip()
        try:
            rows = sheet.result().to_python(skip_empty_area=False)
        except Exception:  # noqa: BLE001 -- openpyxl names the damage
            return None
        grid = _grid(rows)
        sheets[title] = raw_sheet(title, path.name, name, grid, list(range(1, len(grid) + 1)))
    return sheets
