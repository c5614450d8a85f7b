"""XLSX workbook with openpyxl: one sheet per display table and the long ARD sheet.

Table sheets hold the formatted strings exactly as printed (title, spanning and
column headers, indented row labels, footnotes); the "ARD" sheet holds the
unformatted numbers with their methods, so every printed value can be traced.

Every text cell is written as text, never as a formula: a site name, therapy detail
or group label starting with ``=`` (``=HYPERLINK(...)``) stays the characters it is
(:func:`text_cells`). Characters XML cannot hold (control characters other than tab,
line feed and carriage return) are written as U+FFFD. A suppressed count
(disclosure.py) is the text ``<k``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_FORMULA, TYPE_STRING
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from blinrwe.model.i18n import _

from .disclosure import is_suppressed
from .document import ReportDocument
from .table_model import DisplayTable

_THICK = Side(style="medium", color="000000")
_THIN = Side(style="thin", color="000000")
_INVALID = re.compile(r"[\[\]\:\*\?\/\\]")


def _cell_value(value):
    """A value as the workbook stores it: NaN empty (Excel has no NaN), a suppressed count
    its "<k" text, text without the characters XML cannot hold."""
    if is_suppressed(value):
        return str(value)
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def text_cells(wb: Workbook) -> None:
    """Make every cell that openpyxl took for a formula (text starting with "=") a text
    cell: blinrwe writes no formulas, so nothing in a user's data can become one."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == TYPE_FORMULA:
                    cell.data_type = TYPE_STRING


def sheet_name(number: int, table: DisplayTable, used: set[str]) -> str:
    """"T3 Response": a name Excel accepts (at most 31 characters, no []:*?/\\ or control
    characters, no apostrophe at either end) and unique in the workbook (compared as Excel
    does, ignoring case): the table number keeps titles that truncate alike apart, and a
    " (2)" suffix any name still taken."""
    text = " ".join(ILLEGAL_CHARACTERS_RE.sub(" ", _INVALID.sub(" ", f"T{number} {table.title}")).split())
    base = text[:31].rstrip().rstrip("'").rstrip() or f"T{number}"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


def _width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: a CJK character is two wide."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _write_table(ws, table: DisplayTable, number: int) -> None:
    ws.append([_cell_value(_("Table {number}.").format(number=number) + f" {table.title}")])
    ws["A1"].font = Font(bold=True, size=12)
    width = 1 + len(table.columns)
    header_start = 3
    row_i = header_start
    if table.spanning:
        col = 2
        for h in table.spanning:
            ws.cell(row=row_i, column=col, value=_cell_value(h.text)).font = Font(bold=True)
            ws.cell(row=row_i, column=col).alignment = Alignment(horizontal="center")
            if h.span > 1:
                ws.merge_cells(start_row=row_i, start_column=col, end_row=row_i, end_column=col + h.span - 1)
            col += h.span
        row_i += 1
    ws.cell(row=row_i, column=1, value=_cell_value(table.stub_header)).font = Font(bold=True)
    for j, name in enumerate(table.columns, 2):
        cell = ws.cell(row=row_i, column=j, value=_cell_value(name))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for c in range(1, width + 1):
        ws.cell(row=header_start, column=c).border = Border(top=_THICK)
        ws.cell(row=row_i, column=c).border = Border(bottom=_THIN, top=_THICK if row_i == header_start else None)
    for row in table.rows:
        row_i += 1
        label = ws.cell(row=row_i, column=1, value=_cell_value(row.label))
        label.alignment = Alignment(indent=row.level * 2)
        if row.is_heading:
            label.font = Font(bold=True)
        for j, text in enumerate(row.cells, 2):
            ws.cell(row=row_i, column=j, value=_cell_value(text)).alignment = Alignment(horizontal="center")
    for c in range(1, width + 1):
        ws.cell(row=row_i, column=c).border = Border(bottom=_THICK)
    row_i += 1
    for note in table.footnotes:
        row_i += 1
        ws.cell(row=row_i, column=1, value=_cell_value(note)).font = Font(size=9, italic=True)
    ws.column_dimensions["A"].width = max(28, min(60, max((_width(r.label) + 2 * r.level for r in table.rows), default=20) + 2))
    for j in range(2, width + 1):
        longest = max([_width(table.columns[j - 2])] + [_width(r.cells[j - 2]) for r in table.rows])
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, longest + 2))
    ws.freeze_panes = ws.cell(row=header_start + (2 if table.spanning else 1), column=2)


def write_xlsx(document: ReportDocument, ard: pd.DataFrame, path: Path) -> Path:
    """Write every display table and the ARD to one workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for number, table in enumerate(document.tables, 1):
        _write_table(wb.create_sheet(sheet_name(number, table, used)), table, number)
    ws = wb.create_sheet("ARD")
    columns = list(ard.columns)
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    # itertuples keeps the cost linear
    for record in ard.itertuples(index=False, name=None):
        ws.append([_cell_value(v) for v in record])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    text_cells(wb)
    path = Path(path)
    wb.save(path)
    return path
