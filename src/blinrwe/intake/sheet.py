"""One sheet as read -> RawSheet: the header row, data rows with their spreadsheet numbers.

Shared by the workbook and the CSV reader; nothing is coerced here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .raw import RawSheet


def is_empty(value) -> bool:
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


def blank_cells(values: np.ndarray) -> np.ndarray:
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
        return np.fromiter((is_empty(v) for v in values), dtype=bool, count=len(values))
    return np.equal(values, None)  # numbers, dates or booleans: only None is empty


def raw_sheet(name: str, file: str, sheet: str | None, grid: pd.DataFrame, numbers=None) -> RawSheet:
    """A RawSheet from the rows of a sheet as read (``grid``: object cells, row 0 = header = row 1).

    ``numbers``: the spreadsheet number of each grid row (default 1, 2, 3, ...; a
    workbook's rows may skip numbers). Trailing empty header cells and columns are
    dropped, entirely empty rows are dropped, and data rows keep their number.
    """
    if grid.shape[0] == 0:
        return empty_sheet(name, file, sheet)
    values = [grid[c].to_numpy(dtype=object) for c in grid.columns]
    numbers = np.arange(2, grid.shape[0] + 1) if numbers is None else np.asarray(numbers[1:], dtype="int64")
    return sheet_of_columns(name, file, sheet, [v[0] for v in values], [v[1:] for v in values], numbers)


def empty_sheet(name: str, file: str, sheet: str | None) -> RawSheet:
    """The RawSheet of a sheet without a single row."""
    return RawSheet(name, file, sheet, (), pd.DataFrame(index=pd.Index([], dtype="int64")))


def sheet_of_columns(name: str, file: str, sheet: str | None, header_row: list, columns: list[np.ndarray],
                     numbers: np.ndarray, blank: list[np.ndarray] | None = None) -> RawSheet:
    """:func:`raw_sheet` from the cells of row 1 (``header_row``) and one object array per column of
    the data rows below it (``columns``, their spreadsheet ``numbers``), for a reader that has columns.

    ``blank``: which data cells are empty (``None`` or only white space), per column, when the reader
    knows; else they are looked for in the data rows alone: a column of numbers or dates is then one
    kind of value, found blank without a Python call per cell (its header is text).
    """
    blank = [blank_cells(v) for v in columns] if blank is None else blank
    width = len(header_row)
    while width and is_empty(header_row[width - 1]):
        width -= 1
    filled = [np.flatnonzero(~b) for b in blank]  # data rows with a value, per column
    data_width = max([width] + [i + 1 for i, rows in enumerate(filled) if len(rows)])
    header = tuple("" if is_empty(v) else str(v).strip() for v in header_row[:data_width])
    keep = np.zeros(len(numbers), dtype=bool)
    for rows in filled[:data_width]:
        keep[rows] = True
    numbers = np.asarray(numbers, dtype="int64")[keep]
    cells = {}
    for i in range(data_width):
        v, b = (columns[i], blank[i]) if keep.all() else (columns[i][keep], blank[i][keep])
        cells[i] = np.where(b, None, v) if b.any() else v
    frame = pd.DataFrame(cells, index=pd.Index(numbers, dtype="int64"), columns=range(data_width), dtype=object)
    return RawSheet(name, file, sheet, header, frame)


def grid_of(rows: list[tuple]) -> pd.DataFrame:
    """Rows of cells as one object frame, short rows padded with ``None``."""
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        rows = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    frame = pd.DataFrame(rows, columns=range(width), dtype=object) if rows else pd.DataFrame()
    return frame
