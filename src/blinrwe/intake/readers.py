"""Read a study from an .xlsx workbook, a folder of ``<table>.csv`` files or of ``<table>.parquet`` files.

Readers only transport cell values; they never coerce types (validation does,
so that the same rules and messages apply to both paths). The workbook layout
is the template's: row 1 holds the column names (units and descriptions are
cell comments on it), data start in row 2, one sheet per table. Workbooks are
read by :mod:`blinrwe.intake.xlsx`; what is read at most is bounded by
:mod:`blinrwe.intake.limits` (keyword arguments of :func:`read_study`).

CSV files go through pandas' C parser (every cell as text). A quoted cell may
hold line breaks (CSV allows it), but a stray ``"`` at the start of a cell
makes every following line part of that cell until the next ``"``: such a cell
(its continuation lines hold whole rows of delimiters) is reported with the
physical line where the quote opened and where it closed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from blinrwe.errors import UserError
from blinrwe.model.i18n import _

from blinrwe.model import ALL_TABLES
from blinrwe.model.display import header_names, heading_words, normalise

from .limits import ReadLimits, Refused, check_shape, read_limits, too_large
from .parquet import SUFFIX as PARQUET, is_parquet_folder, read_parquet_folder
from .raw import RawStudy, ReadNote
from .sheet import grid_of, raw_sheet
from .signature import OLE_MAGIC, ZIP_MAGICS
from .xlsx import read_xlsx

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: what Excel writes for "CSV (逗号分隔)" on Chinese Windows is GBK; GB18030 is its superset
CHINESE_WINDOWS = "gb18030"


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (with or without a BOM), else the Chinese Windows
    encoding when :func:`_chinese_windows_text` recognises it."""
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        if raw.startswith(ZIP_MAGICS) or raw.startswith(OLE_MAGIC):
            raise UserError(_("{path}: this is an Excel workbook (or other binary file) named .csv; give it its own "
                              "name (.xlsx) or save the sheet as 'CSV UTF-8 (comma delimited)'").format(
                                  path=path)) from None
    text = _chinese_windows_text(path, raw)
    if text is None:
        raise UserError(_("{path}: not UTF-8 text; save the CSV as 'CSV UTF-8 (comma delimited)'").format(
            path=path)) from None
    return text, CHINESE_WINDOWS


def _chinese_windows_text(path: Path, raw: bytes) -> str | None:
    """The text of a CSV file Excel saved as 'CSV (逗号分隔)' on Chinese Windows (GBK, read as its
    superset GB18030), when its header row shows it: a heading in Chinese that is one of the table's
    declared headings (``患者编号 (patient_id)`` or ``患者编号``). Any byte string of another encoding
    (a French cp1252 file) may decode as GB18030 into random characters, but not into our headings,
    so such a file is still refused rather than read as nonsense."""
    table = ALL_TABLES.get(path.stem.strip())
    try:
        text = raw.decode(CHINESE_WINDOWS)
    except UnicodeDecodeError:
        return None
    if table is None:
        return None
    headings = header_names(table)
    header = _LINE_BREAK.split(text, 1)[0]
    for cell in re.split(r"[,;]", header):
        label = heading_words(cell.strip().strip('"'))
        if not label.isascii() and normalise(label) in headings:
            return text
    return None


def _encoding_note(file: str, text: str, delimiter: str) -> ReadNote:
    """What reading a Chinese Windows CSV may have lost: the characters GBK cannot hold (², é...),
    which Excel saves as '?'; the first cell with a '?' is shown."""
    cell = next((c for line in _LINE_BREAK.split(text)[1:] for c in line.split(delimiter) if "?" in c), None)
    if cell is None:
        message = _("read as Chinese Windows text (GBK), not UTF-8")
    else:
        message = _("read as Chinese Windows text (GBK), not UTF-8; Excel saved the characters GBK cannot hold "
                    "(such as ² or é) as '?', as in this cell")
    return ReadNote("CSV_NOT_UTF8", message,
                    _("to keep every character, save the sheet as 'CSV UTF-8 (comma delimited)'"),
                    file=file, value=cell.strip('"')[:80] if cell is not None else None)


def _physical_lines(text: str) -> int:
    n = len(_LINE_BREAK.findall(text))
    return n if text.endswith(("\n", "\r")) else n + 1


def _check_size(path: Path, text: str, delimiter: str, limits: ReadLimits) -> None:
    """Refuse before parsing: header width, and the largest grid the parser could build (lines x width)."""
    width = _LINE_BREAK.split(text, 1)[0].count(delimiter) + 1
    lines = _physical_lines(text)
    check_shape(path.name, lines, width, limits, lines='"' in text)  # a quoted cell may span lines


def _csv_records(text: str, delimiter: str, limits: ReadLimits, where: str) -> tuple[list[list[str]], list[int]]:
    """Every record (the csv module's dialect) and the physical line it starts on, within the limits."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, starts, previous, width = [], [], 0, 0
    try:
        for record in reader:
            if len(rows) >= limits.max_rows:
                raise Refused(too_large(where, _("has more than {limit} rows").format(limit=f"{limits.max_rows:,}"),
                                        "max_rows"))
            width = max(width, len(record))
            if len(record) > limits.max_columns or (len(rows) + 1) * width > limits.max_cells:
                raise Refused(too_large(where, _("has a row of {cells} cells on line {line} (limits: {columns} columns, "
                                         "{limit} cells)").format(cells=f"{len(record):,}", line=f"{previous + 1:,}",
                                                                  columns=f"{limits.max_columns:,}",
                                                                  limit=f"{limits.max_cells:,}"),
                                         "max_columns"))
            rows.append(record)
            starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error as err:
        raise UserError(_("{file}: cannot be read as CSV on line {line} ({error}); save it as 'CSV UTF-8 (comma "
                          "delimited)'").format(file=where, line=previous + 1, error=err)) from None
    return rows, starts


def _stray_quotes(file: str, rows: list[list[str]], starts: list[int], delimiter: str,
                  unclosed_at_end: bool) -> list[ReadNote]:
    """A note per cell whose quoted text runs over whole rows of the file (a stray opening quote)."""
    header = rows[0] if rows else []
    width = len(header)
    notes = []
    for number, (record, line) in enumerate(zip(rows, starts), start=1):
        for j, cell in enumerate(record):
            parts = _LINE_BREAK.split(cell)
            if len(parts) > 1:
                is_last = number == len(rows)
                never_closed = unclosed_at_end and is_last
                if never_closed and parts[-1] == "":
                    parts = parts[:-1]
                whole_rows = [p for p in parts[1:] if p.count(delimiter) >= max(1, width - 1)]
                if whole_rows:
                    name = (str(header[j]).strip() if j < len(header) and str(header[j]).strip()
                            else _("column {number}").format(number=j + 1))
                    last = line + len(parts) - 1
                    message = (_("a '\"' at the start of this cell on line {line} opens a quoted text that never "
                                 "closes, so every line to the end of the file ({count} line(s)) were read into this "
                                 "one cell") if never_closed else
                               _("a '\"' at the start of this cell on line {line} opens a quoted text that closes "
                                 "only on line {last}, so lines {next}-{last} ({count} line(s)) were read into this "
                                 "one cell"))
                    notes.append(ReadNote(
                        "CSV_STRAY_QUOTE", message.format(line=line, last=last, next=line + 1, count=len(parts) - 1),
                        _("remove the stray '\"' on line {line} of {file} (or type it twice, \"\", if it belongs to "
                          "the text), save, and validate again").format(line=line, file=file),
                        file=file, row=number, column=name, value=cell[:80]))
            line += len(parts) - 1
    return notes


def _read_csv_file(path: Path, limits: ReadLimits) -> tuple[pd.DataFrame, list[ReadNote]]:
    """Every row of a CSV file as text cells (row 0 = header) and what was noticed, for :func:`raw_sheet`."""
    raw = path.read_bytes()
    text, encoding = _decode(path, raw)
    first = _LINE_BREAK.split(text, 1)[0]  # (old Mac exports end lines with a lone CR)
    delimiter = ";" if first.count(";") > first.count(",") else ","  # European Excel exports use ';'
    notes = [_encoding_note(path.name, text, delimiter)] if encoding == CHINESE_WINDOWS else []
    _check_size(path, text, delimiter, limits)
    if not text.strip("\r\n"):
        return grid_of([]), notes
    unclosed = False
    try:
        # pandas' C parser: the csv module's dialect (quotes doubled), every cell kept as typed
        grid = pd.read_csv(io.BytesIO(raw), encoding=encoding, sep=delimiter, header=None, dtype=str,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                           nrows=limits.max_rows + 1)
        if len(grid) > limits.max_rows:
            raise Refused(too_large(path.name, _("has more than {limit} rows").format(limit=f"{limits.max_rows:,}"),
                                    "max_rows"))
        if '"' not in text or len(grid) == _physical_lines(text):  # no cell spans lines
            return grid.set_axis(range(grid.shape[1]), axis=1), notes
    except pd.errors.ParserError as err:  # rows longer than the header row, or a quote never closed
        unclosed = "EOF inside string" in str(err)
    except (ValueError, OverflowError, MemoryError) as err:
        raise UserError(_("{file}: cannot be read as CSV ({error}); save it as 'CSV UTF-8 (comma delimited)'").format(
            file=path, error=type(err).__name__)) from None
    rows, starts = _csv_records(text, delimiter, limits, path.name)
    return grid_of([tuple(r) for r in rows]), notes + _stray_quotes(path.name, rows, starts, delimiter, unclosed)


def read_csv_folder(path: str | Path, **limits) -> RawStudy:
    """Read every ``<table>.csv`` of a folder (or one CSV file) as text cells, within the read limits."""
    path = Path(path)
    bounds = read_limits(**limits)
    if not path.exists():
        raise UserError(_("{path}: folder not found; give a folder of <table>.csv files or an .xlsx workbook").format(
            path=path))
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
    ignored = () if path.is_file() else tuple(sorted(p.name for p in path.iterdir() if p.suffix.lower() != ".csv"))
    sheets, notes, total = {}, [], 0
    try:
        for file in files:
            total += file.stat().st_size
            if total > bounds.max_bytes:
                raise Refused(too_large(file.name, _("takes the CSV files read so far to {size} MB, more than {limit} "
                                                    "MB").format(size=f"{total / 2**20:,.1f}",
                                                                 limit=f"{bounds.max_uncompressed_mb:g}"),
                                        "max_uncompressed_mb"))
            grid, file_notes = _read_csv_file(file, bounds)
            name = file.stem.strip()
            sheets[name] = raw_sheet(name, file.name, None, grid)
            notes += file_notes
    except Refused as stop:
        return RawStudy(source=str(path), kind="csv", sheets={}, ignored=ignored, notes=(stop.note,))
    return RawStudy(source=str(path), kind="csv", sheets=sheets, ignored=ignored, notes=tuple(notes))


def read_study(path: str | Path, *, max_uncompressed_mb: float | None = None, max_rows: int | None = None,
               max_columns: int | None = None, max_cells: int | None = None, reader: str | None = None) -> RawStudy:
    """Read a study from an .xlsx workbook, a folder of CSV or of Parquet files, or a single CSV or Parquet file.

    The limits (``None``: the environment variable, else the default; see
    :mod:`blinrwe.intake.limits`) bound what is read; an input past one, or one that
    cannot be read at all (encrypted, an .xls, not a workbook), gives a RawStudy
    without sheets and a note that validation reports as a finding. ``reader``: the workbook
    reader of cell values (``"calamine"``, the default, or ``"openpyxl"``; see :func:`read_xlsx`).
    """
    path = Path(path)
    limits = dict(max_uncompressed_mb=max_uncompressed_mb, max_rows=max_rows, max_columns=max_columns,
                  max_cells=max_cells)
    if path.suffix.lower() == PARQUET or is_parquet_folder(path):  # (a folder of .parquet files: see parquet.py)
        return read_parquet_folder(path, **limits)
    if path.is_dir() or path.suffix.lower() in (".csv", ""):
        return read_csv_folder(path, **limits)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return read_xlsx(path, reader=reader, **limits)
    raise UserError(_("{path}: give an .xlsx workbook or a folder of <table>.csv or <table>.parquet files").format(
        path=path))
