"""The annotated workbook: a copy of the user's workbook with every finding on its cell.

Each offending cell is filled by severity (errors red, warnings amber) and carries a
comment with the message and how to fix it, in the current language, so that the
user fixes the workbook in Excel and validates again. Findings about a whole row
annotate that row's first cell; about a whole column, its header cell; about a sheet,
its A1 cell; about the file (a missing table, the form), A1 of the first sheet.
Several findings on one cell share one comment.

The user's file is never modified: the copy is written next to nothing of theirs
(``out_path``, atomically: a temporary file in the same folder, then renamed). No
formula is introduced: only fills and comments are added (formulas the user had stay
as they were). Annotations from an earlier run (comment author ``blinrwe validate``)
are cleared first, so an annotated workbook validated again shows only what is left.
A folder of CSV files cannot carry colours or comments: that is refused with a
message saying so.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from blinrwe.errors import UserError
from blinrwe.model import ALL_TABLES
from blinrwe.model.display import column_of_header, normalise
from blinrwe.model.i18n import _

from .findings import Finding, Severity

AUTHOR = "blinrwe validate"
#: Line that starts the notes of an annotation in a comment (below any text the comment already had).
MARK = "[blinrwe validate]"
#: Fill colours (ARGB) by severity: light red for errors, light amber for warnings.
FILLS = {Severity.ERROR: "FFFFC7CE", Severity.WARNING: "FFFFEB9C"}


def _fill(severity: Severity) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=FILLS[severity], end_color=FILLS[severity])


def _clear_earlier(book) -> None:
    """Remove the notes and fills of an earlier annotation (its notes follow :data:`MARK`); others' text stays."""
    ours = {argb[-6:] for argb in FILLS.values()}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is None or MARK not in cell.comment.text:
                    continue
                kept = cell.comment.text.split(MARK)[0].rstrip()
                cell.comment = Comment(kept, cell.comment.author) if kept else None
                rgb = str(cell.fill.start_color.rgb or "") if cell.fill is not None else ""
                if rgb[-6:] in ours:
                    cell.fill = PatternFill(fill_type=None)


def _columns(ws, table_name: str | None) -> dict[str, int]:
    """Column number of each header in row 1, by the declared name it stands for (and as typed)."""
    table = ALL_TABLES.get(table_name or "") or ALL_TABLES.get(ws.title.strip())
    out: dict[str, int] = {}
    for cell in ws[1]:
        if cell.value is None or not str(cell.value).strip():
            continue
        text = str(cell.value).strip()
        name = column_of_header(table, text) if table is not None else text
        out.setdefault(normalise(name), cell.column)
        out.setdefault(normalise(text), cell.column)
    return out


def _sheet(book, finding: Finding):
    if finding.sheet and finding.sheet in book.sheetnames:
        return book[finding.sheet]
    if finding.table and finding.table in book.sheetnames:
        return book[finding.table]
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    return (visible or book.worksheets)[0]


def _place(book, finding: Finding, headers: dict) -> tuple[str, str]:
    """(sheet title, cell coordinate) a finding annotates."""
    ws = _sheet(book, finding)
    if ws.title not in headers:
        headers[ws.title] = _columns(ws, finding.table)
    column = None
    if finding.column:
        column = headers[ws.title].get(normalise(str(finding.column)))
    located = finding.sheet is not None and ws.title == finding.sheet
    row = finding.row if (located and finding.row is not None) else 1
    return ws.title, f"{get_column_letter(column or 1)}{row}"


def _note(finding: Finding) -> str:
    severity = _("ERROR") if finding.severity is Severity.ERROR else _("WARNING")
    fix = _("Fix: {hint}").format(hint=finding.hint)
    return f"{severity} {finding.code}: {finding.message}\n{fix}"


def annotate_workbook(source: str | Path, findings: Iterable[Finding], out_path: str | Path) -> Path:
    """Write a copy of workbook ``source`` with each finding's cell highlighted and commented; return ``out_path``.

    ``source`` is never modified (``out_path`` may not be ``source``). Text is in the
    current language (``with language("zh"): annotate_workbook(...)``).
    """
    source, out_path = Path(source), Path(out_path)
    if source.is_dir() or source.suffix.lower() == ".csv":
        raise UserError(_("{source}: a folder of CSV files cannot be annotated (CSV holds no colours or comments); "
                          "the findings are listed in the validation report, with their file, row and column; or "
                          "put the tables in an .xlsx workbook (one sheet per file) to get it annotated").format(
                              source=source))
    if not source.is_file():
        raise UserError(_("{source}: file not found; give the study workbook (.xlsx)").format(source=source))
    if out_path.resolve() == source.resolve():
        raise UserError(_("{out}: the annotated copy must not overwrite the workbook itself; give another file "
                          "name").format(out=out_path))
    if out_path.suffix.lower() != ".xlsx":
        raise UserError(_("{out}: the annotated workbook is an Excel workbook; give a name ending in .xlsx").format(
            out=out_path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions are not the user's business
            book = load_workbook(source, rich_text=False)
    except Exception as err:  # noqa: BLE001 -- not an .xlsx openpyxl can edit (validation says which)
        raise UserError(_("{source}: cannot be annotated ({error}); run 'blinrwe validate' for what is wrong with "
                          "the file").format(source=source, error=type(err).__name__)) from None
    _clear_earlier(book)
    notes: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    headers: dict[str, dict[str, int]] = {}
    for finding in findings:
        notes[_place(book, finding, headers)].append(finding)
    for (title, coordinate), found in notes.items():
        cell = book[title][coordinate]
        worst = Severity.ERROR if any(f.severity is Severity.ERROR for f in found) else Severity.WARNING
        cell.fill = _fill(worst)
        text = MARK + "\n" + "\n\n".join(_note(f) for f in found)
        earlier = cell.comment.text.rstrip() + "\n\n" if cell.comment is not None else ""
        comment = Comment(earlier + text, cell.comment.author if cell.comment is not None else AUTHOR)
        comment.width, comment.height = 360, min(600, 60 + 18 * (text.count("\n") + len(text) // 50))
        cell.comment = comment
    _save(book, out_path)
    return out_path


def _save(book, out_path: Path) -> None:
    """Save atomically: a temporary file in the target folder, then renamed over the target."""
    folder = out_path.parent
    if not folder.is_dir():
        raise UserError(_("{out}: folder {folder} does not exist; create it first").format(out=out_path, folder=folder))
    handle, temporary = tempfile.mkstemp(prefix=".annotated-", suffix=".xlsx", dir=folder)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(temporary, 0o666 & ~umask)  # as any file the user saves (mkstemp makes it private)
        book.save(temporary)
        os.replace(temporary, out_path)
    except OSError as err:
        raise UserError(_("{out}: cannot be written ({error}); is it open in Excel?").format(
            out=out_path, error=err.strerror or err)) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
