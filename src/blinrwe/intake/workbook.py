"""Write study workbooks and CSV folders: the empty template and filled studies.

One layout everywhere (and the readers expect it): one sheet per declared
table, row 1 = column names, each header cell carrying a comment with the
description, unit, allowed values and whether it is required; data from row 2.
Enum and yes/no columns get drop-down lists (codes kept on a hidden ``lists``
sheet, because Excel limits inline lists to 255 characters), number columns a
range check (as a warning, so that validation reports anything typed anyway),
date columns a YYYY-MM-DD format. ``README`` and ``data_dictionary`` sheets
explain the form.

Filled studies are written from typed tables (anything with ``tables`` and
``form``, such as validate.StudyData) without importing the validate layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from blinrwe.errors import UserError
from blinrwe.model import FORMS, DType, data_dictionary, imputed_flag
from blinrwe.model.dictionary import dictionary_headings
from blinrwe.model.display import bool_label, heading, level_label, level_with_code, unit_label
from blinrwe.model.i18n import _, current_language
from blinrwe.model.schema import Column, Table

DATE_FORMAT = "yyyy-mm-dd"
LAST_ROW = 1048576  # validations and formats cover the whole column
LIST_SEPARATOR = ";"

README_COMMON = [
    "How to fill in this workbook",
    "",
    "One sheet per table; row 1 holds the column names (do not rename them). Hover over a column name for its "
    "description, unit and allowed values; the data_dictionary sheet lists them all.",
    "One row per record from row 2 on. Leave a cell empty when the value is unknown.",
    "Patient ids are pseudonymous study numbers, never hospital numbers or names.",
    "Dates: YYYY-MM-DD (Excel dates are fine). If only the month or year is known, type it as text with a leading "
    "apostrophe ('2023-05 or '2023): it is completed by the study's imputation rule and flagged.",
    "Yes/no columns: yes or no. Coded columns: pick from the drop-down list. Several codes in one cell: separate "
    "them with ';' (e.g. KMT2A_r;IKZF1_deletion).",
    "Codes and column names may also be typed as the labels of the Chinese template (for example 男 for M, "
    "是 for yes); they are read as the same codes.",
    "Numbers without units or percent signs (marrow blasts 45 for 45 %; MRD as a fraction, 0.0001 = 0.01 %).",
    "Check the file with: blinrwe validate <this file>. Every problem is listed with its sheet, row and column.",
]

README_FORM = {
    "study": [
        "",
        "Form: dated study. Sheets: patients (one row per patient), infusions (one row per blinatumomab segment at "
        "a constant rate; T0 = first infusion), assessments, events (relapse, progression, death, last contact...), "
        "therapies (after blinatumomab) and adverse_events. patients and infusions are required.",
    ],
    "summary": [
        "",
        "Form: patient summary. One row per patient without dates (as many published listings). It supports counts "
        "and proportions only (baseline, response, MRD, relapse, deaths, next therapy); survival, exposure and "
        "adverse-event analyses need the dated study form ('blinrwe template' writes it).",
    ],
}

#: README lines only the Chinese template has (how its headings and drop-downs relate to the codes).
README_TRANSLATED = [
    "In this template the column headings and drop-down values are shown in Chinese, with the column name in "
    "parentheses; the codes (English) are accepted as well, and both read as the same data.",
]


def _allowed_text(col: Column) -> str:
    if current_language() == "en":
        return ", ".join(col.allowed)
    return "、".join(level_with_code(col, v) for v in col.allowed)


def _range_text(col: Column) -> str:
    return _("Range: {minimum} to {maximum}").format(minimum=f"{col.minimum:g}", maximum=f"{col.maximum:g}")


def _comment(col: Column) -> Comment:
    lines = [_(col.description)]
    if col.unit:
        lines.append(_("Unit: {unit}").format(unit=unit_label(col.unit)))
    if col.dtype is DType.BOOL:
        lines.append(_("Enter yes or no."))
    if col.dtype is DType.DATE:
        lines.append(_("Date YYYY-MM-DD; partial '2023-05 or '2023 is imputed and flagged."))
    if col.allowed:
        several = col.dtype is DType.ENUM_LIST
        lines.append((_("Allowed (several: separate with ';'): {values}") if several else
                      _("Allowed: {values}")).format(values=_allowed_text(col)))
    if col.minimum is not None or col.maximum is not None:
        lines.append(_range_text(col))
    if col.references:
        lines.append(_("Must match {reference}.").format(reference=col.references))
    lines.append(_("Required.") if col.required else _("Optional."))
    comment = Comment("\n".join(lines), "blinrwe")
    comment.width, comment.height = 300, 40 + 16 * sum(1 + len(line) // 45 for line in lines)
    return comment


def _yes_no_list() -> str:
    return '"' + ",".join(bool_label(v) for v in ("yes", "no")) + '"'


def _validations(table: Table, names: list[str], lists_col: dict[tuple[str, str], str]) -> list[DataValidation]:
    out = []
    for col in table.columns:
        i = names.index(col.name) + 1
        letter = get_column_letter(i)
        rng = f"{letter}2:{letter}{LAST_ROW}"
        title = heading(table, col)[:32]
        dv = None
        if col.dtype is DType.ENUM:
            dv = DataValidation(type="list", formula1=lists_col[(table.name, col.name)], allow_blank=True,
                                errorStyle="warning", errorTitle=title,
                                error=_("Use one of: {values}").format(values=_allowed_text(col))[:255])
        elif col.dtype is DType.BOOL:
            yes, no = bool_label("yes"), bool_label("no")
            dv = DataValidation(type="list", formula1=_yes_no_list(), allow_blank=True, errorStyle="warning",
                                error=_("Enter {yes} or {no}").format(yes=yes, no=no), errorTitle=title)
        elif col.dtype in (DType.INT, DType.FLOAT) and col.minimum is not None and col.maximum is not None:
            dv = DataValidation(type="whole" if col.dtype is DType.INT else "decimal", operator="between",
                                formula1=f"{col.minimum:g}", formula2=f"{col.maximum:g}", allow_blank=True,
                                errorStyle="warning", errorTitle=title,
                                error=_("Expected a number from {minimum} to {maximum}").format(
                                    minimum=f"{col.minimum:g}", maximum=f"{col.maximum:g}")
                                + (f" {unit_label(col.unit)}" if col.unit else ""))
        if dv is not None:
            if col.dtype in (DType.ENUM, DType.BOOL):  # the drop-down's own help, shown when the cell is selected
                dv.showInputMessage = True
                dv.promptTitle = title
                dv.prompt = _(col.description)[:255]
            dv.add(rng)
            out.append(dv)
    return out


def _header_cells(ws, names: list[str], columns: Mapping[str, Column], table: Table | None = None) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        col = columns.get(name)
        cell = WriteOnlyCell(ws, value=heading(table, col) if col is not None and table is not None else name)
        cell.font = Font(bold=True)
        if col is not None:
            cell.comment = _comment(col)
        cells.append(cell)
    return cells


def _output_columns(table: Table, frame: pd.DataFrame | None) -> list[str]:
    names = []
    for col in table.columns:
        names.append(col.name)
        if frame is not None and col.dtype is DType.DATE and imputed_flag(col.name) in frame.columns:
            names.append(imputed_flag(col.name))
    return names


def _cell_value(col: Column | None, dtype: DType, v, for_csv: bool):
    """One typed value as the user would type it (date, yes/no, 'a;b' list, plain number), codes as shown."""
    if v is None or (not isinstance(v, tuple) and pd.isna(v)):
        return None
    if dtype is DType.DATE:
        d = pd.Timestamp(v).date()
        return d.isoformat() if for_csv else d
    if dtype is DType.BOOL:
        return bool_label("yes" if bool(v) else "no")
    if dtype is DType.ENUM_LIST:
        return LIST_SEPARATOR.join(level_label(col, c) for c in v) if v else None
    if dtype is DType.ENUM:
        return level_label(col, str(v))
    if dtype is DType.INT:
        return str(int(v)) if for_csv else int(v)
    if dtype is DType.FLOAT:
        f = float(v)
        return None if math.isnan(f) else (repr(f) if for_csv else f)
    return str(v)


def _cell_values(col: Column | None, series: pd.Series, for_csv: bool) -> list:
    """Typed values as the user would type them, rendered once per distinct value of the column."""
    dtype = col.dtype if col is not None else DType.BOOL  # imputation flags are booleans
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    rendered = np.empty(len(distinct) + 1, dtype=object)  # [-1]: missing
    for i, v in enumerate(distinct):
        rendered[i] = _cell_value(col, dtype, v, for_csv)
    return rendered[codes].tolist()


def _table_sheet(book: Workbook, table: Table, frame: pd.DataFrame | None, lists_col) -> None:
    ws = book.create_sheet(table.name)
    names = _output_columns(table, frame)
    columns = {c.name: c for c in table.columns}
    for i, name in enumerate(names, start=1):
        letter = get_column_letter(i)
        col = columns.get(name)
        shown = heading(table, col) if col is not None else name
        wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in shown)  # CJK characters take two columns
        ws.column_dimensions[letter].width = max(12, min(40, wide + 4))
        if col is not None and col.dtype is DType.DATE:
            ws.column_dimensions[letter].number_format = DATE_FORMAT
    ws.freeze_panes = "B2"
    for dv in _validations(table, names, lists_col):
        ws.data_validations.append(dv)
    ws.append(_header_cells(ws, names, columns, table))
    if frame is None or frame.empty:
        return
    values = [_cell_values(columns.get(name), frame[name], for_csv=False) for name in names]
    for row in zip(*values):
        if any(isinstance(v, str) and v.startswith("=") for v in row):
            row = [_text_cell(ws, v) if isinstance(v, str) and v.startswith("=") else v for v in row]
        ws.append(row)


def _text_cell(ws, value: str) -> WriteOnlyCell:
    # A text value starting with '=' must stay text, not become a formula.
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def _enum_columns(tables: Iterable[Table]) -> list[tuple[Table, Column]]:
    return [(t, c) for t in tables for c in t.columns if c.dtype is DType.ENUM]


def _list_refs(tables: Iterable[Table]) -> dict[tuple[str, str], str]:
    """Cell range on the ``lists`` sheet holding the codes of each enum column."""
    refs = {}
    for i, (t, c) in enumerate(_enum_columns(tables), start=1):
        letter = get_column_letter(i)
        refs[(t.name, c.name)] = f"lists!${letter}$2:${letter}${len(c.allowed) + 1}"
    return refs


def _lists_sheet(book: Workbook, tables: Iterable[Table]) -> None:
    """The drop-down values of each enum column: the codes, or their labels in the current language."""
    ws = book.create_sheet("lists")
    ws.sheet_state = "hidden"
    enum_cols = _enum_columns(tables)
    longest = max((len(c.allowed) for _t, c in enum_cols), default=0)
    ws.append([f"{t.name}.{c.name}" for t, c in enum_cols])
    for r in range(longest):
        ws.append([level_label(c, c.allowed[r]) if r < len(c.allowed) else None for _t, c in enum_cols])


def _readme_lines(form: str) -> list[str]:
    lines = [_(line) for line in README_COMMON]
    if current_language() != "en":
        lines[2:2] = [_(line) for line in README_TRANSLATED]
    lines += [_(line) for line in README_FORM[form]]
    lines += ["", _("The sheets:")]
    lines += [f"{table.name}: {_(table.description)}" for table in FORMS[form]]
    return lines


def _readme_sheet(book: Workbook, form: str, extra: Iterable[str]) -> None:
    ws = book.create_sheet("README")
    ws.column_dimensions["A"].width = 140
    lines = list(extra) + _readme_lines(form)
    for i, line in enumerate(lines):
        cell = WriteOnlyCell(ws, value=line)
        if i == 0 or line.startswith("SYNTHETIC"):
            cell.font = Font(bold=True)
        ws.append([cell])


def _dictionary_sheet(book: Workbook, form: str) -> None:
    ws = book.create_sheet("data_dictionary")
    header = dictionary_headings()
    widths = [16, 28, 10, 28, 10, 50, 9, 9, 9, 22, 90, 24]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, header, {}))
    yes, no = bool_label("yes"), bool_label("no")
    for e in data_dictionary(form):
        ws.append([e.table, e.column, e.type, e.entry_format, e.unit, e.allowed_values, yes if e.required else no,
                   e.minimum, e.maximum, e.references, e.description, e.label][:len(header)])


def _check_form(form: str) -> tuple[Table, ...]:
    if form not in FORMS:
        raise UserError(f"form must be one of {', '.join(FORMS)}, not {form!r}")
    return FORMS[form]


def _save(book: Workbook, path: Path) -> None:
    try:
        book.save(path)
    except OSError as err:
        raise UserError(_("{path}: cannot be written ({error}); is it open in Excel?").format(
            path=path, error=err.strerror)) from None


def write_template(path: str | Path, form: str = "study") -> Path:
    """Write an empty study workbook for ``form`` ("study" = dated tables, "summary" = one row per patient).

    In the current language (``with language("zh"): write_template(...)``): README, column
    headings and help, drop-down values and help, data dictionary.
    """
    return write_study_xlsx({}, path, form)


def write_study_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path, form: str,
                     readme_lines: Iterable[str] = (), omit: Iterable[str] = ()) -> Path:
    """Write typed tables as a filled study workbook (the template's layout); ``omit``: tables left out
    (a study's absent tables: a sheet without rows would say there are no records)."""
    omit = set(omit)
    declared = [t for t in _check_form(form) if t.name not in omit]
    path = Path(path)
    book = Workbook(write_only=True)
    _readme_sheet(book, form, readme_lines)
    refs = _list_refs(declared)
    for table in declared:
        _table_sheet(book, table, tables.get(table.name), refs)
    _dictionary_sheet(book, form)
    _lists_sheet(book, declared)
    _save(book, path)
    return path


def write_study_csv(tables: Mapping[str, pd.DataFrame], folder: str | Path, form: str,
                    readme_lines: Iterable[str] = (), omit: Iterable[str] = ()) -> Path:
    """Write typed tables as a folder of ``<table>.csv`` files (UTF-8, comma, ISO dates, yes/no); ``omit``:
    tables left out, as in :func:`write_study_xlsx`."""
    omit = set(omit)
    declared = [t for t in _check_form(form) if t.name not in omit]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in declared:
        frame = tables.get(table.name)
        names = _output_columns(table, frame)
        columns = {c.name: c for c in table.columns}
        if frame is None:
            out = pd.DataFrame(columns=names)
        else:
            out = pd.DataFrame({n: _cell_values(columns.get(n), frame[n], for_csv=True) for n in names}, columns=names)
        out.columns = [heading(table, columns[n]) if n in columns else n for n in names]
        out.to_csv(folder / f"{table.name}.csv", index=False, encoding="utf-8", lineterminator="\n")
    lines = list(readme_lines)
    if lines:
        (folder / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def write_study(study, path: str | Path, readme_lines: Iterable[str] = ()) -> Path:
    """Write a StudyData (anything with ``tables`` and ``form``) to .xlsx, or to a CSV folder otherwise;
    its absent tables (``absent``) are left out."""
    path, omit = Path(path), getattr(study, "absent", ())
    if path.suffix.lower() == ".xlsx":
        return write_study_xlsx(study.tables, path, study.form, readme_lines, omit)
    return write_study_csv(study.tables, path, study.form, readme_lines, omit)

