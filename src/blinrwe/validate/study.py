"""validate_study: RawStudy -> (StudyData or None, ValidationReport with every finding).

Order: what the reader noticed in the files (blinrwe.intake ReadNote: stray
quotes, formulas without values, merged cells, limits...; when nothing could be
read, only that), which form the input is, which sheets and columns are there, every cell
(types, codes, ranges, required values, partial dates), then the cross-table
rules. Everything runs even after errors, so the user sees all problems at once.
Nothing is raised for data problems; a caller that wants to stop uses
:func:`require_valid`.
"""

from __future__ import annotations

import datetime as dt
import difflib

import pandas as pd

from blinrwe.errors import InputDataError
from blinrwe.intake.raw import RawSheet, RawStudy
from blinrwe.model import FORMS, REQUIRED_TABLES, imputed_flag
from blinrwe.model.display import column_of_header, header_names, heading, normalise, table_of_sheet
from blinrwe.model.i18n import _
from blinrwe.model.schema import Table

from .coerce import coerce_sheet
from .dates import DEFAULT_RULE, check_rule
from .findings import Finding, ValidationReport, finding, read_findings
from .rules import RuleContext, run_rules
from .study_data import StudyData, empty_table, expected_columns


def _sheet_lookup(raw: RawStudy) -> dict[str, RawSheet]:
    """Sheets by the table they are: named as the table (any case), or by its label (``患者``; model.display)."""
    lookup: dict[str, RawSheet] = {}
    for name, sheet in raw.sheets.items():
        lookup.setdefault(table_of_sheet(name) or name.casefold(), sheet)
    return lookup


def detect_form(raw: RawStudy) -> tuple[str | None, list[Finding]]:
    """"study" when any dated table is present, else "summary" when patient_summary is, else None."""
    names = set(_sheet_lookup(raw))
    study = names & {t.name for t in FORMS["study"]}
    summary = "patient_summary" in names
    if study and summary:
        return "study", [finding("FORM_AMBIGUOUS", _("both dated study sheets and a patient_summary sheet are present; "
                                 "the dated study is used and patient_summary is ignored"),
                                 _("keep one form per workbook or folder"), file=raw.source)]
    if study:
        return "study", []
    if summary:
        return "summary", []
    expected = ", ".join(t.name for t in FORMS["study"])
    return None, [finding("FORM_UNKNOWN", _("no sheet or CSV file named like a study table was found "
                          "(found: {found})").format(found=", ".join(sorted(raw.sheets)) or _("nothing")),
                          _("name the sheets {expected} (dated study) or patient_summary (summary form); "
                            "'blinrwe template' writes a workbook to start from").format(expected=expected),
                          file=raw.source)]


def _check_header(sheet: RawSheet, table: Table) -> list[Finding]:
    out = []
    declared = {c.name.casefold() for c in table.columns}
    declared |= {imputed_flag(c).casefold() for c in table.date_columns}
    seen: dict[str, int] = {}
    loc = dict(file=sheet.file, sheet=sheet.sheet, row=1, table=table.name)
    for i, name in enumerate(sheet.header):
        if not name:
            if sheet.cells[i].notna().any():
                out.append(finding("COLUMN_UNNAMED", _("column {number} has values but no name in row 1").format(
                    number=i + 1), _("type the column name in row 1 or delete the column"), **loc))
            continue
        declared_name = column_of_header(table, name)  # the name, a label, or 'label (name)' (model.display)
        key = declared_name.casefold()
        if key in seen:
            out.append(finding("COLUMN_DUPLICATE", _("column '{column}' appears twice (columns {first} and {second}); "
                               "the first is used").format(column=name, first=seen[key] + 1, second=i + 1),
                               _("delete or rename one of them"), column=name, value=name, **loc))
            continue
        seen[key] = i
        if key not in declared:
            guess = difflib.get_close_matches(key, [c.name for c in table.columns], n=1, cutoff=0.6)
            if not guess and not key.isascii():  # a label mistyped: the closest label's column
                labels = header_names(table)
                close = difflib.get_close_matches(normalise(name), [k for k in labels if not k.isascii()], n=1,
                                                  cutoff=0.5)
                guess = [labels[close[0]]] if close else []
            hint = (_("did you mean '{column}'? Rename it").format(column=heading(table, table.column(guess[0])))
                    if guess else _("remove it or rename it to a declared column"))
            out.append(finding("COLUMN_UNKNOWN", _("column '{column}' is not a column of {table}; it is ignored").format(
                column=name, table=table.name), hint + _(" (see the data_dictionary sheet)"), column=name, value=name,
                **loc))
    for col in table.columns:
        if col.required and col.name.casefold() not in seen:
            shown = heading(table, col)
            out.append(finding("COLUMN_MISSING", _("required column '{column}' is missing").format(column=shown),
                               _("add a column '{column}' in row 1 ({description})").format(
                                   column=shown, description=_(col.description).rstrip(".。")),
                               column=col.name, **loc))
    return out


def _unknown_sheets(raw: RawStudy, form: str) -> list[Finding]:
    known = {t.name for tables in FORMS.values() for t in tables}
    out = []
    for name, sheet in raw.sheets.items():
        if table_of_sheet(name) in known:
            continue
        guess = difflib.get_close_matches(name.casefold(), [t.name for t in FORMS[form]], n=1, cutoff=0.6)
        hint = (_("did you mean '{table}'? Rename it").format(table=guess[0]) if guess
                else _("remove it, or rename it to one of the declared tables"))
        message = (_("'{name}' is not a table of the study form; it is ignored") if form == "study" else
                   _("'{name}' is not a table of the summary form; it is ignored"))
        out.append(finding("TABLE_UNKNOWN", message.format(name=name), hint,
                           file=sheet.file, sheet=sheet.sheet, value=name))
    return out


def validate_study(
    raw: RawStudy,
    data_cutoff: dt.date | None = None,
    partial_dates: str = DEFAULT_RULE,
    today: dt.date | None = None,
) -> tuple[StudyData | None, ValidationReport]:
    """Check every sheet, column, cell and cross-table rule of ``raw``.

    ``data_cutoff``: dates after it are reported (warning). ``partial_dates``:
    imputation rule for YYYY-MM / YYYY dates ("first", "mid", "last"; see
    validate.dates). ``today`` defaults to the current date (dates after it are
    errors). Returns the typed StudyData only when there is no error.
    """
    check_rule(partial_dates)
    findings = read_findings(raw)
    if raw.notes and not raw.sheets:  # the input could not be read at all: say why, nothing else
        return None, ValidationReport(source=raw.source, findings=tuple(findings))
    form, form_findings = detect_form(raw)
    findings += form_findings
    if form is None:
        return None, ValidationReport(source=raw.source, findings=tuple(findings))
    findings += _unknown_sheets(raw, form)
    lookup = _sheet_lookup(raw)
    tables: dict[str, pd.DataFrame] = {}
    where: dict[str, tuple[str | None, str | None]] = {}
    absent: set[str] = set()
    for table in FORMS[form]:
        sheet = lookup.get(table.name)
        if sheet is None:
            required = table.name in REQUIRED_TABLES[form]
            hint = (_("add a sheet (or {table}.csv) with the columns of the data_dictionary").format(table=table.name)
                    if required else _("add it to enable these analyses (the report lists them as not available); "
                                       "when there is nothing to record, keep the sheet with its header and no rows: "
                                       "that means none"))
            message = (_("the required table '{table}' is missing") if required else
                       _("no '{table}' table: analyses that need it are not available")).format(table=table.name)
            findings.append(finding("TABLE_MISSING" if required else "TABLE_ABSENT", message, hint,
                                    file=raw.source, table=table.name))
            tables[table.name] = empty_table(table)
            absent.add(table.name)
            continue
        findings += _check_header(sheet, table)
        typed, cell_findings = coerce_sheet(sheet, table, partial_dates)
        findings += cell_findings
        if typed.empty and table.name in REQUIRED_TABLES[form]:
            findings.append(finding("TABLE_EMPTY", _("the table '{table}' has no rows").format(table=table.name),
                                    _("enter one row per record below the header row"), file=sheet.file,
                                    sheet=sheet.sheet, table=table.name))
        columns = expected_columns(table, typed)
        tables[table.name] = typed if list(typed.columns) == columns else typed[columns]  # (coerce_sheet's order)
        where[table.name] = (sheet.file, sheet.sheet)
    cutoff = pd.Timestamp(data_cutoff) if data_cutoff is not None else None
    now = pd.Timestamp(today or dt.date.today())
    findings += run_rules(RuleContext(tables=tables, where=where, data_cutoff=cutoff, today=now), form)
    report = ValidationReport(source=raw.source, findings=tuple(findings), form=form,
                              row_counts={name: len(frame) for name, frame in tables.items()})
    if report.has_errors:
        return None, report
    study = StudyData(tables=tables, form=form, source=raw.source, data_cutoff=data_cutoff, partial_dates=partial_dates,
                      absent=frozenset(absent))
    return study, report


def require_valid(study: StudyData | None, report: ValidationReport) -> StudyData:
    """The StudyData, or :class:`InputDataError` carrying every finding when there are errors."""
    if study is None or report.has_errors:
        raise InputDataError(
            f"{report.source}: {len(report.errors)} error(s) in the input data; run 'blinrwe validate' for the list",
            findings=report.findings,
        )
    return study

