"""Read a study workbook (.xlsx): every sheet's cells as typed, and what Excel hides from the eye.

The content is checked before anything is parsed: what the file really is (its
signature: an encrypted workbook, an .xls renamed .xlsx, a CSV or other zip under
an Excel name) and how large it unpacks to (the zip directory), against
:mod:`blinrwe.intake.limits`. Sheets are then streamed row by row, counting the
bytes actually unpacked, the rows, columns and cells, and refused as soon as a
limit is passed, before any table is built.

Cells are the values Excel shows (cached values of formulas; dates as dates;
a percent-formatted 0.45 as the text "45.0%" the user typed; a time of day as
ISO text). Noted for validation, each with its own finding code: a formula
with no calculated value (a workbook written by a program, or never
recalculated), merged cells (only the top-left cell holds the value), a hidden
sheet that is read as a table.

openpyxl's read-only workbook gives the sheet list, shared strings, styles and
date formats; its row parser (``WorkSheetParser``, pinned openpyxl) is driven
here directly, because its read-only rows neither keep a formula beside its
cached value nor expose merged ranges, and pad every row to the sheet's stated
dimension (``<dimension ref="A1:XFD1048576"/>`` in a 10 kB file would make
17 billion cells).

By default cell values are read by python-calamine instead (:mod:`blinrwe.intake.xlsx_calamine`,
same RawStudy): a workbook whose sheets hold something only openpyxl's parser sees (formulas,
merged ranges, percent formats, error cells) or that comes near a limit falls back to the
openpyxl parser above, found by a byte scan of the sheet XML. ``reader="openpyxl"`` forces it.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from pathlib import Path

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from blinrwe.errors import UserError
from blinrwe.model.display import N_
from blinrwe.model.i18n import _

from .limits import ReadLimits, Refused, read_limits, too_large
from .raw import RawStudy, ReadNote
from .sheet import grid_of, is_empty, raw_sheet
from .signature import workbook_signature
from .xlsx_calamine import read_values

#: Sheets the template adds for the user's benefit; never read as tables.
METADATA_SHEETS = ("README", "data_dictionary", "lists")

SAVE_AS_XLSX = N_("open it in Excel and save it as 'Excel Workbook (.xlsx)'")  # translated where used


def _percent_text(value: float) -> str:
    # A cell formatted as percent stores 45 % as 0.45; give validation the value as typed.
    return f"{round(value * 100, 9)!r}%"


def _percent_styles(book) -> set[int]:
    """Style ids of the workbook whose number format is a percent format (from openpyxl's style table)."""
    try:
        styles, custom = book._cell_styles, book._number_formats
        formats = [BUILTIN_FORMATS.get(s.numFmtId, "General") if s.numFmtId < BUILTIN_FORMATS_MAX_SIZE
                   else custom[s.numFmtId - BUILTIN_FORMATS_MAX_SIZE] for s in styles]
    except (AttributeError, IndexError, TypeError):
        return set()
    return {i for i, f in enumerate(formats) if "%" in (f or "")}


class _CountedSource:
    """A sheet's XML stream that refuses once the bytes unpacked so far pass the limit."""

    def __init__(self, raw, budget: dict, limits: ReadLimits, where: tuple[str, str]):
        self.raw, self.budget, self.limits, self.where = raw, budget, limits, where

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.budget["bytes"] += len(data)
        if self.budget["bytes"] > self.limits.max_bytes:
            raise Refused(too_large(self.where, _("unpacks to more than {limit} MB").format(
                limit=f"{self.limits.max_uncompressed_mb:g}"), "max_uncompressed_mb"))
        return data

    def close(self):
        self.raw.close()


class _Parser(WorkSheetParser):
    """openpyxl's row parser (cached values), also keeping each formula that has no calculated value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.uncalculated: list[tuple[int, int, str]] = []  # (row, column, formula text)

    def parse_cell(self, element):
        try:
            cell = super().parse_cell(element)
        except ValueError:  # a number cell openpyxl cannot cast ("NaN", "inf" from writers other than Excel)
            if element.get("t", "n") != "n":
                raise
            coordinate = element.get("r")  # (openpyxl has counted the column before casting)
            row, column = coordinate_to_tuple(coordinate) if coordinate else (self.row_counter, self.col_counter)
            cell = {"row": row, "column": column, "value": element.findtext(VALUE_TAG), "data_type": "n",
                    "style_id": 0}
        if element.find(FORMULA_TAG) is not None:
            formula = self.parse_formula(element)  # also keeps shared formulas translatable
            empty_text_result = element.get("t") == "str" and element.find(VALUE_TAG) is not None
            if cell["value"] is None and not empty_text_result:
                text = getattr(formula, "text", formula)
                self.uncalculated.append((cell["row"], cell["column"], str(text if text else "=")[:200]))
        return cell


def _damaged(path: Path, err: Exception, sheet: str | None = None) -> ReadNote:
    return ReadNote("WORKBOOK_UNREADABLE", _("the workbook is damaged and cannot be read ({error})").format(
                    error=f"{type(err).__name__}: {str(err)[:200]}"),
                    _("{save_as} again, or export the sheets as CSV").format(save_as=_(SAVE_AS_XLSX)),
                    file=path.name, sheet=sheet)


def _read_rows(book, source, shared_strings, limits: ReadLimits, percent: set[int], file: str, title: str):
    """(rows of values, their spreadsheet numbers, the parser) of one sheet's XML ``source``, within the limits."""
    where = (file, title)
    parser = _Parser(source, shared_strings, data_only=True, epoch=book.epoch, date_formats=book._date_formats,
                     timedelta_formats=book._timedelta_formats)
    rows, numbers, width, last, seen = [], [], 0, 0, 0
    try:
        for number, cells in parser.parse():
            seen += 1  # empty <row> elements too: millions of them are a bomb as well
            if seen > limits.max_rows:
                raise Refused(too_large(where, _("has more than {limit} rows (stopped at row {row})").format(
                    limit=f"{limits.max_rows:,}", row=f"{number:,}"), "max_rows"))
            if not cells:
                continue
            if number <= last:
                raise Refused(ReadNote("WORKBOOK_UNREADABLE", _("row {row} comes after row {last}: the sheet's rows "
                                       "are out of order, so the file was not written by Excel").format(
                                           row=number, last=last),
                                       _("{save_as} again").format(save_as=_(SAVE_AS_XLSX)), file=file, sheet=title,
                                       row=number))
            last = number
            row_width = max(c["column"] for c in cells)
            if row_width > limits.max_columns:
                raise Refused(too_large(where, _("has a cell in column {letter} (column {column}) of row {row}, more "
                                         "than {limit} columns").format(
                    letter=get_column_letter(min(row_width, 18278)), column=f"{row_width:,}", row=f"{number:,}",
                    limit=f"{limits.max_columns:,}"), "max_columns"))
            width = max(width, row_width)
            if (len(rows) + 1) * width > limits.max_cells:
                raise Refused(too_large(where, _("has more than {limit} cells ({rows} rows of {columns} columns at "
                                         "row {row})").format(limit=f"{limits.max_cells:,}", rows=f"{len(rows) + 1:,}",
                                                              columns=f"{width:,}", row=f"{number:,}"), "max_cells"))
            values = [None] * row_width
            for c in cells:
                v = c["value"]
                kind = type(v)
                if (kind is float or kind is int) and c["style_id"] in percent:
                    v = _percent_text(v) if v == v else "NaN"
                elif kind is float and v != v:
                    v = "NaN"  # as typed; validation reports it
                elif kind is dt.time:
                    v = v.isoformat()
                values[c["column"] - 1] = v
            rows.append(values)
            numbers.append(number)
    finally:
        parser.source.close()
    return rows, numbers, parser


def _label(header: list, column: int) -> str:
    """A column's header text, or its letter when row 1 is empty there."""
    value = header[column - 1] if column <= len(header) else None
    return get_column_letter(column) if is_empty(value) else str(value).strip()


def _sheet_notes(file: str, title: str, rows: list, numbers: list, parser: _Parser) -> list[ReadNote]:
    header = rows[0] if numbers and numbers[0] == 1 else []
    at = dict(zip(numbers, rows))
    notes = []
    for row, column, formula in parser.uncalculated:
        notes.append(ReadNote(
            "FORMULA_NOT_CALCULATED", _("cell {cell} holds the formula {formula} but no calculated value (the "
                                        "workbook was written by a program or never recalculated), so it reads as "
                                        "empty").format(cell=f"{get_column_letter(column)}{row}", formula=formula),
            _("open the workbook in Excel or LibreOffice and save it (that calculates every formula), or copy the "
              "column and paste it back with Paste Special > Values"), file=file, sheet=title, row=row,
            column=_label(header, column), value=formula))
    merged = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    for rng in merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(rng.ref)
        except (TypeError, ValueError):
            continue
        if (min_col, min_row) == (max_col, max_row):
            continue
        first = f"{get_column_letter(min_col)}{min_row}"
        row_values = at.get(min_row, [])
        value = row_values[min_col - 1] if min_col <= len(row_values) else None
        notes.append(ReadNote(
            "CELL_MERGED", _("cells {cells} are merged: Excel shows one value for all of them but only {first} holds "
                             "it; the other cells of the range read as empty").format(cells=rng.ref, first=first),
            _("unmerge the cells (Home > Merge & Center > Unmerge Cells) and type the value into every row and "
              "column it belongs to"), file=file, sheet=title, row=min_row, column=_label(header, min_col),
            value=value))
    return notes


def _unreadable(path: Path, note: ReadNote) -> RawStudy:
    return RawStudy(source=str(path), kind="xlsx", sheets={}, notes=(note,))


def _content_note(path: Path) -> ReadNote | None:
    """Why ``path`` is not an .xlsx workbook, by its content; ``None`` when it is one."""
    sig = workbook_signature(path)
    if sig.kind == "xlsx":
        return None
    save_as = _(SAVE_AS_XLSX)
    what = _(sig.what)
    if sig.kind == "encrypted":
        return ReadNote("WORKBOOK_ENCRYPTED", _("the workbook is protected with a password (encrypted), so it cannot "
                        "be read"), _("open it in Excel with the password, remove it (File > Info > Protect Workbook > "
                                      "Encrypt with Password, clear the box) and save; or save an unprotected copy"),
                        file=path.name, value=sig.what)
    if sig.kind == "damaged":
        return ReadNote("WORKBOOK_UNREADABLE", _("the workbook is damaged or incomplete ({what}), so it cannot be "
                        "read").format(what=what), _("copy the file again from its source (it may be cut short), or "
                                                     "{save_as} again").format(save_as=save_as),
                        file=path.name, value=sig.what)
    named = (_("the file is named {suffix}").format(suffix=path.suffix) if path.suffix
             else _("the file is named without an extension"))
    if sig.kind == "xls":
        return ReadNote("WORKBOOK_IS_XLS", _("{named} but holds {what}, which is not read").format(
                        named=named, what=what), _("{save_as} (File > Save As), then give that file").format(
                            save_as=save_as), file=path.name, value=sig.what)
    return ReadNote("WORKBOOK_NOT_XLSX", _("{named} but holds {what}, not an Excel workbook").format(
                    named=named, what=what), _("give the study workbook saved from Excel as .xlsx; a CSV table goes "
                                               "in a folder of <table>.csv files (rename it to .csv)"),
                    file=path.name, value=sig.what)


#: The reader of cell values: "calamine" (fast; hands a workbook to openpyxl when it cannot see
#: what the notes need, see :mod:`blinrwe.intake.xlsx_calamine`) or "openpyxl".
READERS = ("calamine", "openpyxl")
DEFAULT_READER = "calamine"


def read_xlsx(path: str | Path, *, reader: str | None = None, **limits) -> RawStudy:
    """Read every sheet of an .xlsx workbook (cached values of formulas), within the read limits.

    ``reader``: one of :data:`READERS` (default :data:`DEFAULT_READER`); both give the same RawStudy.

    ``limits``: ``max_uncompressed_mb``, ``max_rows``, ``max_columns``, ``max_cells``
    (see :mod:`blinrwe.intake.limits`). An input that cannot be read at all gives a
    RawStudy without sheets and one note saying why.
    """
    path = Path(path)
    bounds = read_limits(**limits)
    reader = reader or DEFAULT_READER
    if reader not in READERS:
        raise ValueError(f"reader must be one of {READERS}, not {reader!r}")
    if not path.is_file():
        raise UserError(_("{path}: file not found; give the path of the study workbook (.xlsx)").format(path=path))
    try:
        note = _content_note(path)
        if note is not None:
            return _unreadable(path, note)
        with zipfile.ZipFile(path) as archive:
            declared = sum(i.file_size for i in archive.infolist())
    except OSError as err:
        raise UserError(_("{path}: cannot be read ({error})").format(path=path, error=err.strerror or err)) from None
    if declared > bounds.max_bytes:
        return _unreadable(path, too_large(path.name, _("unpacks to {size} MB (its zip directory says so), more "
                                                        "than {limit} MB").format(
            size=f"{declared / 2**20:,.0f}", limit=f"{bounds.max_uncompressed_mb:g}"), "max_uncompressed_mb"))
    with open(path, "rb") as handle, warnings.catch_warnings():  # (a file object: openpyxl refuses the name .xls)
        warnings.simplefilter("ignore")  # openpyxl's warnings on unsupported extensions are not the user's business
        try:
            opened = _open_workbook(handle, strings=reader == "openpyxl")
        except Exception as err:  # noqa: BLE001 -- a damaged file can fail anywhere inside openpyxl
            return _unreadable(path, _damaged(path, err))
        try:
            return _read_sheets(path, opened, bounds, reader)
        finally:
            opened.archive.close()


def _open_workbook(handle, strings: bool = True):
    """openpyxl's workbook reader with the sheet list, shared strings and styles read, and no sheet parsed.

    (``load_workbook(read_only=True)`` would parse every sheet once to find its size when
    the sheet states none: the whole of a bomb, before a row could be counted.)
    """
    reader = ExcelReader(handle, read_only=True, data_only=True)
    reader.read_manifest()
    if strings:
        reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    return reader


def _hidden(path: Path, sheet) -> ReadNote:
    return ReadNote("SHEET_HIDDEN", _("the sheet is hidden in Excel ({state}) but is read like any other sheet").format(
                    state=sheet.state), _("unhide it (right-click a sheet tab > Unhide) and check it, or delete it if "
                                          "it is not study data"), file=path.name, sheet=sheet.name)


def _read_sheets(path: Path, reader, bounds: ReadLimits, cells: str = "openpyxl") -> RawStudy:
    book = reader.wb
    sheets, ignored, notes = {}, [], []
    budget = {"bytes": 0}
    percent = _percent_styles(book)
    try:
        found = [(sheet, rel) for sheet, rel in reader.parser.find_sheets()
                 if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
    except Exception as err:  # noqa: BLE001 -- damaged workbook.xml relations
        return _unreadable(path, _damaged(path, err))
    if cells == "calamine":
        tables = [(sheet, rel) for sheet, rel in found if sheet.name.strip() not in METADATA_SHEETS]
        read = read_values(path, [(sheet.name, rel.target) for sheet, rel in tables], percent, bounds)
        if read is not None:  # else: a sheet needs openpyxl's notes; the strings were not read yet
            return RawStudy(source=str(path), kind="xlsx", sheets=read, ignored=tuple(
                sheet.name.strip() for sheet, _rel in found if sheet.name.strip() in METADATA_SHEETS),
                notes=tuple(_hidden(path, sheet) for sheet, _rel in tables if sheet.state not in (None, "visible")))
        try:
            reader.read_strings()
        except Exception as err:  # noqa: BLE001 -- damaged shared strings
            return _unreadable(path, _damaged(path, err))
    for sheet, rel in found:
        title = sheet.name.strip()
        if title in METADATA_SHEETS:
            ignored.append(title)
            continue
        try:
            source = _CountedSource(reader.archive.open(rel.target), budget, bounds, (path.name, sheet.name))
            rows, numbers, parser = _read_rows(book, source, reader.shared_strings, bounds, percent,
                                               path.name, sheet.name)
        except Refused as stop:
            return _unreadable(path, stop.note)
        except Exception as err:  # noqa: BLE001 -- damaged sheet XML (openpyxl / expat errors)
            return _unreadable(path, _damaged(path, err, sheet.name))
        if sheet.state not in (None, "visible"):
            notes.append(_hidden(path, sheet))
        notes += _sheet_notes(path.name, sheet.name, rows, numbers, parser)
        if numbers and numbers[0] != 1:  # no header row: row 1 is empty
            rows, numbers = [[]] + rows, [1] + numbers
        sheets[title] = raw_sheet(title, path.name, sheet.name, grid_of(rows), numbers)
    return RawStudy(source=str(path), kind="xlsx", sheets=sheets, ignored=tuple(ignored), notes=tuple(notes))
