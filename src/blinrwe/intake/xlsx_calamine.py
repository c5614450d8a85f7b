"""The fast reader of workbook cell values: python-calamine (Rust), with openpyxl's results.

calamine parses a sheet 10-20 times faster than openpyxl but cannot see what the
read notes need (a formula without a calculated value, merged ranges with the value
of their first cell, a percent number format, error cells, text numbers such as
``NaN``), nor stop a sheet half-way at a limit. So every sheet's XML is first
scanned as bytes (no XML parse; the zip member unpacked once, counted against the
size limit): a workbook whose sheets hold any of those, rows out of order or cells
without a reference, markup the two parsers read differently (comments, CDATA, a
DOCTYPE, character references in a value), or that comes near a row, column or cell
limit, is left to the openpyxl reader (:mod:`blinrwe.intake.xlsx`), which gives the
exact notes and refusals. Sheet list, hidden state and styles come from openpyxl's
workbook part (workbook.xml and styles.xml only, no sheet parsed). calamine parses a
sheet only once the scan has read it within the limits (two threads parse while the
next sheets are scanned).

The scan's rules are regular expressions over the bytes (:func:`_scan_allows`, one pass
each). Most sheets are cleared by a quicker equivalent (:func:`_quick_scan`, about 4x
faster, mostly without the GIL): numpy finds the opening tags a megabyte at a time and
tells them apart by their first eight bytes; cells, rows, values and inline strings pass,
with the first bytes of each value, the row numbers and the cell columns read from the
bytes after the tag. A sheet with any other tag a rule is about, or anything of an
unusual form, is judged by the expressions.

Cells are converted to what openpyxl gives: a whole number without a decimal point
as ``int``, a date as ``datetime``, a time of day as ISO text, an empty cell as ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype
from python_calamine import CalamineWorkbook

from .limits import ReadLimits
from .raw import RawSheet
from .sheet import any_white_space, blank_cells, empty_sheet, grid_of, sheet_of_columns

#: Sheet XML that only openpyxl reads as the notes need: formulas, merged ranges, error cells, prefixed
#: names, rows and cells without a reference, ``<!`` (comments, CDATA, a DOCTYPE: what the parsers read
#: differently). The elements are one pattern (one pass over the bytes).
_OPENPYXL_ONLY = (re.compile(rb"<(?:f[ >/]|x:|row[>/]|c[>/]|!)"), b"<mergeCell ", b't="e"')
#: Sheet-data tags the counts below would not see but calamine reads (a cell at XFD1048576 would be a grid of
#: 17 billion cells): under any namespace prefix (calamine goes by the local name), or a name followed by white
#: space other than a space. (Excel's prefixed ``<xm:f>`` of data validations is not sheet data.)
_UNUSUAL_TAG = re.compile(rb'<(?:[^\s<>/!?:="\']+:(?:c|row|v|is|t|sheetData|mergeCell)[\s>/]'
                          rb'|(?:c|row|v|is|t|f|sheetData|mergeCell)[\t\n\r\f\v])')
#: A value openpyxl reads as text: ``NaN``, ``inf``, an error value (``#N/A``) whatever the cell's type.
_TEXT_NUMBER = re.compile(rb"<v>\s*[-+]?(?:nan|inf|#)", re.IGNORECASE)
_MAYBE_TEXT_NUMBER = re.compile(rb"<v>\s*[-+]?[nNiI#]")  # the same, case-sensitive: a quicker first pass
_REFERENCE_IN_VALUE = re.compile(rb"<v>[^<]*&")  # &#78;aN is NaN to openpyxl
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
    if elements.search(data) or merged in data or error in data or _UNUSUAL_TAG.search(data):
        return False
    if _MAYBE_TEXT_NUMBER.search(data) and _TEXT_NUMBER.search(data):
        return False
    if b"&" in data and _REFERENCE_IN_VALUE.search(data):
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


def _prefix(text: bytes) -> tuple[int, int]:
    """(mask, value): a tag word (eight bytes from a ``<``, little-endian) starts with ``text``
    when ``word & mask == value``."""
    return (1 << 8 * len(text)) - 1, int.from_bytes(text, "little")


_CELL, _ROW, _VALUE = _prefix(b'<c r="'), _prefix(b'<row r="'), _prefix(b"<v>")
#: Tags none of the rules is about (inline strings), beside closing tags, cells, rows and values.
_PLAIN = tuple(_prefix(t) for t in (b"<is>", b"<t>", b"<t "))
#: The tags the rules of :func:`_scan_allows` are about, beside the cells, rows and values read above
#: (``<mergeCe``: the first eight bytes of ``<mergeCell``; ``<row``, ``<c`` of other forms; ``<v `` too).
_RULED = tuple(_prefix(t) for t in (b"<f ", b"<f>", b"<f/", b"<x:", b"<row ", b"<row>", b"<row/", b"<c ", b"<c>",
                                    b"<c/", b"<v ", b"<!", b"<mergeCe"))
#: A tag word ``_UNUSUAL_TAG`` may be about: one holding ':' or white space other than ' ', or a name longer
#: than the word (none of ' ', '>', '/' in it). At most ``_MAX_UNUSUAL`` of a chunk are matched one by one.
_UNUSUAL, _NAME_END = np.frombuffer(b":\t\n\r\f\v", np.uint8), np.frombuffer(b" >/", np.uint8)
_MAX_UNUSUAL = 1000
_TAIL = 16  # the last bytes, where the words read after a tag would not fit: only closing tags there
_CHUNK = 1 << 20
_POWERS_OF_TEN = np.array([10 ** k for k in range(8)] + [0] * 8, dtype=np.int64)  # [-1] ... [-8]: 0


def _digits(block: np.ndarray) -> np.ndarray:
    return (block - 48) < 10  # (uint8: the bytes below '0' wrap round to large numbers)


def _quick_scan(data: bytes, percent_refs: re.Pattern | None, limits: ReadLimits) -> bool | None:
    """:func:`_scan_allows` for the common sheet, with numpy: True when it allows the sheet,
    None when the rules must look (something a rule is about, or an unusual form).

    The tags are read a chunk at a time (the arrays of one chunk stay a few megabytes, however
    dense the tags of a hostile sheet)."""
    n = len(data)
    if n < 4 * _TAIL or b't="e"' in data or (percent_refs is not None and percent_refs.search(data)):
        return None
    tail = data[-_TAIL:]
    if tail.count(b"<") != tail.count(b"</") or b"&" in tail:
        return None
    byte = np.frombuffer(data, np.uint8)
    word = np.ndarray((n - 7,), dtype="<u8", buffer=data, strides=(1,))  # the eight bytes from each offset
    rows, n_rows, width = [], 0, 0
    for start in range(0, n - _TAIL, _CHUNK):
        read = _read_chunk(data, byte, word, start, min(start + _CHUNK, n - _TAIL))
        if read is None:
            return None
        rows.append(read[0])
        n_rows += len(read[0])
        width = max(width, read[1])
        if n_rows > limits.max_rows // 2:
            return None
    numbers = _row_numbers(np.concatenate(rows).view(np.uint8).reshape(-1, 8))
    if numbers is None or (np.diff(numbers) <= 0).any():
        return None
    height = int(numbers[-1]) if len(numbers) else 0
    return width <= limits.max_columns // 2 and height * width <= limits.max_cells // 2 or None


def _read_chunk(data: bytes, byte: np.ndarray, word: np.ndarray, start: int, end: int) -> tuple[np.ndarray, int] | None:
    """The eight bytes after each ``<row r="`` and the widest column of the tags starting in
    ``[start, end)``, or None when a tag there is one a rule is about (or of an unusual form)."""
    # the opening tags (no rule is about a closing one) and their first eight bytes
    tags = start + np.flatnonzero((byte[start:end] == 0x3C) & (byte[start + 1:end + 1] != 0x2F))
    head = word[tags]
    cell, row, value = ((head & mask) == bits for mask, bits in (_CELL, _ROW, _VALUE))
    plain = cell | row | value
    for mask, bits in _PLAIN:
        plain |= (head & mask) == bits
    others = head[~plain]
    if any(((others & mask) == bits).any() for mask, bits in _RULED):
        return None
    after = others.view(np.uint8).reshape(-1, 8)[:, 1:]
    unusual = tags[~plain][np.isin(after, _UNUSUAL).any(axis=1) | ~np.isin(after, _NAME_END).any(axis=1)]
    if len(unusual) > _MAX_UNUSUAL or any(_UNUSUAL_TAG.match(data, p) for p in unusual.tolist()):
        return None
    values = word[tags[value] + 3].view(np.uint8).reshape(-1, 8)  # the bytes after <v>
    first, second = values[:, 0], values[:, 1]
    number = np.where((first == 0x2D) | (first == 0x2B), second, first)  # (after a sign)
    if not (_digits(number) | (number == 0x2E)).all():  # a value not starting as a number: the rules look
        return None
    if data.find(b"&", start, end) >= 0 and _reference_in_value(byte, start, end, tags[value]):
        return None
    return word[tags[row] + 8], _width(word[tags[cell] + 6].view(np.uint8).reshape(-1, 8))


def _reference_in_value(byte: np.ndarray, start: int, end: int, values: np.ndarray) -> bool:
    """Is there a ``&`` in ``[start, end)`` in the text of a value (after a ``<v>`` at ``values``,
    before the next ``<``)? Also True when the chunk holds no ``<`` before it (its text began earlier)."""
    tags = start + np.flatnonzero(byte[start:end] == 0x3C)
    opener = np.searchsorted(tags, start + np.flatnonzero(byte[start:end] == 0x26)) - 1  # the last < before each &
    return bool((opener < 0).any() or np.isin(tags[opener], values).any())


def _row_numbers(numbers: np.ndarray) -> np.ndarray | None:
    """The row numbers from the bytes after each ``<row r="``, or None when one is not closed by ``"``
    within seven digits."""
    if not len(numbers):
        return np.zeros(0, dtype=np.int64)
    digit = _digits(numbers)
    length = np.argmin(digit, axis=1)  # the first byte that is not a digit
    if not digit[:, 0].all() or (numbers[np.arange(len(numbers)), length] != 0x22).any():
        return None
    place = length[:, None] - 1 - np.arange(8)  # of each digit in its number: 0 for the units; < 0: not a digit
    return ((numbers.astype(np.int64) - 48) * _POWERS_OF_TEN[place]).sum(axis=1)


def _width(refs: np.ndarray) -> int:
    """The widest column of the cell references (the bytes after each ``<c r="``), as ``_CELL_COLUMN``
    reads them: up to three capital letters (more letters: a wider column)."""
    first, second, third = (refs[:, i] for i in range(3))
    one = (first - 65) < 26  # (uint8: the bytes below 'A' wrap round to large numbers)
    two = one & ((second - 65) < 26)
    if not two.any():
        return int(first[one].max()) - 64 if one.any() else 0
    three = two & ((third - 65) < 26)
    letters, longest = (3, refs[three]) if three.any() else (2, refs[two])
    columns = longest[:, :letters].astype(np.int64) - 64
    return int((columns @ 26 ** np.arange(letters - 1, -1, -1)).max())


def _scan(data: bytes, percent_refs: re.Pattern | None, limits: ReadLimits) -> bool:
    quick = _quick_scan(data, percent_refs, limits)
    return quick if quick is not None else _scan_allows(data, percent_refs, limits)


_type_of = np.frompyfunc(type, 1, 1)
#: Columns whose cells openpyxl gives as calamine does.
_AS_READ = ("integer", "boolean", "datetime", "timedelta", "empty")


def _whole_as_int(values: np.ndarray) -> np.ndarray:
    """A float column with its whole numbers (exact in a double) as ``int``, converted once per distinct
    number (one object each: validation, which looks at each distinct value once, finds them quicker)."""
    codes, numbers = pd.factorize(values.astype(float))  # (NaN: -1, kept as it is)
    whole = (np.floor(numbers) == numbers) & (np.abs(numbers) < _EXACT_INT)
    objects = np.empty(len(numbers) + 1, dtype=object)  # [-1]: NaN
    objects[:-1] = numbers.astype(object)
    objects[:-1][whole] = numbers[whole].astype(np.int64).astype(object)
    cells = objects[codes]
    nan = codes < 0
    if nan.any():
        cells[nan] = values[nan]
    return cells


def _datetimes(values: np.ndarray) -> np.ndarray:
    """A date column as ``datetime`` (midnight), converted once per distinct day."""
    codes, days = pd.factorize(values)
    at_midnight = np.empty(len(days), dtype=object)
    at_midnight[:] = [dt.datetime(d.year, d.month, d.day) if type(d) is dt.date else d for d in days]
    return at_midnight[codes]


def _by_kind(values: np.ndarray) -> np.ndarray:
    """A column of several kinds of cell, converted kind by kind."""
    kinds = _type_of(values)
    cells = values.copy()
    floats = np.flatnonzero(kinds == float)
    if len(floats):
        cells[floats] = _whole_as_int(values[floats])
    for kind, convert in ((dt.date, _datetimes), (dt.time, lambda v: [t.isoformat() for t in v])):
        at = np.flatnonzero(kinds == kind)  # (exact types: a datetime stays as it is)
        if len(at):
            cells[at] = convert(values[at])
    return cells


#: Columns of one kind whose cells openpyxl gives otherwise (none of them text).
_CONVERT = {"floating": _whole_as_int, "date": _datetimes, "time": _by_kind}


def _cells(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One column of calamine's values as openpyxl gives them: a whole float as ``int``, a date
    as ``datetime``, a time of day as ISO text, an empty text as ``None`` (by column, not per cell);
    and which of them are blank (empty, or text of white space only)."""
    kind = infer_dtype(values, skipna=False)
    if kind in _AS_READ:
        return values, np.equal(values, None)
    if kind in _CONVERT:
        return _CONVERT[kind](values), np.zeros(len(values), dtype=bool)
    if kind == "string":  # one object per distinct text (calamine makes one per cell)
        codes, texts = pd.factorize(values)
        blank = np.array([not t.strip() for t in texts], dtype=bool) if any_white_space(texts) else texts == ""
        texts[texts == ""] = None  # calamine's empty cell
        return texts[codes], blank[codes]
    empty = values == ""  # calamine's empty cell
    if not empty.any():
        cells = _by_kind(values)
        return cells, blank_cells(cells)
    cells, blank = np.full(len(values), None, dtype=object), np.ones(len(values), dtype=bool)
    cells[~empty], blank[~empty] = _cells(values[~empty])  # numbers or dates among empty cells, most often
    return cells, blank


def _objects(values) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def sheet_of_rows(title: str, file: str, sheet: str, rows: list[list]) -> RawSheet:
    """A RawSheet from calamine's rows of a sheet (from row 1, short rows padded), openpyxl's values."""
    if not rows:
        return empty_sheet(title, file, sheet)
    cells = np.array(rows, dtype=object)  # calamine's rows are as wide as its range: one 2-d array
    if cells.ndim == 2:
        columns = list(cells.T)
    else:  # (rows of different lengths: a 1-d array of lists)
        grid = grid_of(rows)
        columns = [grid[c].to_numpy(dtype=object) for c in grid.columns]
    header = _cells(_objects([c[0] for c in columns]))[0]  # (a header cell is converted as any cell)
    data = [_cells(c[1:]) for c in columns]
    return sheet_of_columns(title, file, sheet, list(header), [c for c, _b in data], np.arange(2, len(rows) + 1),
                            [b for _c, b in data])


class _Parsers:
    """calamine parsing sheets in two threads (it lets go of the GIL), each thread with its own
    workbook (a workbook parses one sheet at a time); each future gives the parsed sheet, whose
    Python values the caller takes (``to_python`` holds the GIL: it is no work for the threads)."""

    def __init__(self, path: Path, threads: int = 2):
        self._path, self._local, self._books = str(path), threading.local(), []
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="calamine")

    def _parse(self, name: str):
        book = getattr(self._local, "book", None)
        if book is None:
            book = self._local.book = CalamineWorkbook.from_path(self._path)
            self._books.append(book)
        return book.get_sheet_by_name(name)

    def submit(self, name: str) -> Future:
        return self._pool.submit(self._parse, name)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for book in self._books:
            book.close()


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
                if unpacked > limits.max_bytes // 2 or not _scan(archive.read(member), percent_refs, limits):
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

    calamine parses each sheet the scan allowed in two threads (it lets go of the GIL while it
    parses) while this one scans the next, then turns each parsed sheet into cells.
    """
    percent_refs = (re.compile(rb'\ss\s*=\s*["\'](?:' + b"|".join(str(i).encode() for i in sorted(percent))
                               + rb')["\']') if percent else None)
    parsers = _Parsers(path)
    try:
        parsed = _scan_and_parse(path, found, percent_refs, limits, parsers.submit)
        return None if parsed is None else _sheets(path, found, parsed)
    finally:
        parsers.close()


def _sheets(path: Path, found: list[tuple[str, str]], parsed: list[Future]):
    """The RawSheets of the parsed sheets, each converted as soon as calamine has it, in the order found."""
    names = {future: name for (name, _member), future in zip(found, parsed)}
    sheets = {}
    for future in as_completed(parsed):
        try:
            rows = future.result().to_python(skip_empty_area=False)
        except Exception:  # noqa: BLE001 -- openpyxl names the damage
            return None
        name = names[future]
        sheets[name] = sheet_of_rows(name.strip(), path.name, name, rows)
    return {name.strip(): sheets[name] for name, _member in found}
