"""Findings and the validation report.

Every finding names where the problem is (file, sheet, spreadsheet row, column),
the value found, what is wrong and how to fix it. Codes are stable: tools and
tests may rely on them; the catalogue below is the complete list, each with its
severity. Errors stop the analysis; warnings are reported (they flow into the
report's data-quality appendix) and the analysis proceeds.

Findings may quote the offending value: the report is for the data owner. They
are never written to a log.

Messages and hints are in the language of the run (:mod:`blinrwe.model.i18n`; English
templates translated before they are filled, Chinese in ``locale/zh/validation.toml``);
codes, ``column`` (the declared name) and ``table`` stay English. ``to_text``,
``location`` and ``summary`` render in the language current when they are printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import pandas as pd

from blinrwe.intake.raw import RawSheet, RawStudy
from blinrwe.model import ALL_TABLES
from blinrwe.model.display import N_, heading
from blinrwe.model.i18n import _
from blinrwe.model.schema import Column, Table


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


E, W = Severity.ERROR, Severity.WARNING

#: Every finding code, its severity and what it means.
CODES: dict[str, tuple[Severity, str]] = {
    # the file itself (noticed by the reader: blinrwe.intake ReadNote)
    "WORKBOOK_ENCRYPTED": (E, N_("the workbook is password-protected (encrypted)")),
    "WORKBOOK_IS_XLS": (E, N_("an Excel 97-2003 .xls file under an .xlsx name (or as .xls)")),
    "WORKBOOK_NOT_XLSX": (E, N_("a file named like a workbook holds something else (CSV, HTML, another zip...)")),
    "WORKBOOK_UNREADABLE": (E, N_("the workbook is damaged")),
    "INPUT_TOO_LARGE": (E, N_("the input passes a read limit (unpacked size, rows, columns, cells)")),
    "CSV_NOT_UTF8": (W, N_("a CSV file in the Chinese Windows encoding (GBK), read as such")),
    "CSV_STRAY_QUOTE": (E, N_("a stray quote in a CSV file made following rows part of one cell")),
    "FORMULA_NOT_CALCULATED": (E, N_("a formula cell without a calculated value (reads as empty)")),
    "CELL_MERGED": (E, N_("merged cells: only the top-left one holds the value")),
    "SHEET_HIDDEN": (W, N_("a hidden sheet is read as a table")),
    # an OMOP CDM source (noticed by blinrwe.intake.omop)
    "OMOP_CONCEPT_UNMAPPED": (W, N_("an OMOP concept the concept mapping does not know (its records are not read)")),
    "OMOP_NO_OBSERVATION_PERIOD": (W, N_("an OMOP patient without an observation period")),
    "OMOP_EXPOSURE_DUPLICATE": (W, N_("two OMOP drug exposures of the same person, concept and start date")),
    # structure of the workbook / folder
    "FORM_UNKNOWN": (E, N_("no sheet or CSV file of either entry form")),
    "FORM_AMBIGUOUS": (W, N_("both the dated study and the summary form are present")),
    "TABLE_MISSING": (E, N_("a required sheet or CSV file is missing")),
    "TABLE_ABSENT": (W, N_("an optional sheet or CSV file is missing")),
    "TABLE_UNKNOWN": (W, N_("a sheet or CSV file that is not a declared table")),
    "TABLE_EMPTY": (E, N_("a required table has no rows")),
    "COLUMN_MISSING": (E, N_("a required column is missing")),
    "COLUMN_UNKNOWN": (W, N_("a column that is not declared (ignored)")),
    "COLUMN_DUPLICATE": (E, N_("the same column name appears twice")),
    "COLUMN_UNNAMED": (W, N_("values under an empty header cell (ignored)")),
    # cell values
    "REQUIRED_MISSING": (E, N_("a required value is empty")),
    "DATE_UNREADABLE": (E, N_("a date cannot be read")),
    "DATE_IMPLAUSIBLE": (E, N_("a date outside 1900-2100")),
    "DATE_PARTIAL_IMPUTED": (W, N_("a partial date was completed by the imputation rule")),
    "NUMBER_INVALID": (E, N_("a number cannot be read")),
    "NUMBER_INFINITE": (E, N_("an infinite number (inf, Infinity, 1e999)")),
    "NAN_TEXT": (W, N_("'NaN' (not a number, as programs write it) read as empty")),
    "EXCEL_ERROR": (E, N_("an Excel error value (#DIV/0!, #N/A, #VALUE!...) read as empty")),
    "INTEGER_INVALID": (E, N_("a whole number is expected")),
    "NUMBER_OUT_OF_RANGE": (E, N_("a number outside its declared range")),
    "PERCENT_SIGN": (W, N_("a percent sign was removed from a value in %")),
    "CODE_INVALID": (E, N_("a code outside its list of allowed values")),
    "YES_NO_INVALID": (E, N_("a yes/no value cannot be read")),
    # keys
    "PATIENT_DUPLICATE": (E, N_("a patient id appears on more than one row of a patient-level table")),
    "ROW_DUPLICATE": (W, N_("two rows with the same key")),
    "PATIENT_UNKNOWN": (E, N_("a patient id not in the patients sheet")),
    # patients
    "PATIENT_WITHOUT_INFUSION": (E, N_("a patient without any blinatumomab infusion")),
    "AGE_MISSING": (W, N_("neither birth date nor age at T0")),
    "AGE_BIRTH_MISMATCH": (W, N_("age at T0 disagrees with the birth date")),
    "BMI_IMPLAUSIBLE": (W, N_("height and weight give an implausible body-mass index")),
    "BIRTH_AFTER_DIAGNOSIS": (E, N_("birth date after the diagnosis date")),
    "DIAGNOSIS_AFTER_T0": (E, N_("diagnosis after the first infusion")),
    "SETTING_INCONSISTENT": (W, N_("disease-setting fields contradict each other")),
    "MRD_STATUS_INCONSISTENT": (W, N_("recorded MRD status contradicts the MRD level")),
    # dates against T0, death and the cut-off
    "DEATH_BEFORE_T0": (E, N_("death before the first infusion")),
    "EVENT_BEFORE_T0": (E, N_("an event before the first infusion")),
    "ASSESSMENT_BEFORE_T0": (E, N_("a response assessment before the first infusion")),
    "THERAPY_BEFORE_T0": (E, N_("a subsequent therapy starting before the first infusion")),
    "AE_BEFORE_T0": (W, N_("an adverse event with onset before the first infusion")),
    "RECORD_AFTER_DEATH": (E, N_("a dated record after the death date")),
    "DEATH_DUPLICATE": (E, N_("more than one death row for a patient")),
    "DATE_AFTER_CUTOFF": (W, N_("a date after the data cut-off")),
    "DATE_IN_FUTURE": (E, N_("a date after today")),
    "NO_FOLLOW_UP": (W, N_("neither death nor last contact recorded")),
    "LAST_CONTACT_EARLY": (W, N_("last contact before another dated record of the patient")),
    # infusions
    "INFUSION_END_BEFORE_START": (E, N_("an infusion segment ends before it starts")),
    "INFUSION_OVERLAP": (E, N_("two infusion segments of a patient overlap")),
    "INFUSION_LONG": (W, N_("an infusion segment longer than a whole cycle (42 days)")),
    "CYCLE_ORDER": (W, N_("cycle numbers do not increase with the segment dates")),
    "DOSE_ABOVE_LABEL": (W, N_("a dose above the label maximum for the patient's weight")),
    # assessments and events
    "ASSESSMENT_EMPTY": (W, N_("an assessment row without any result")),
    "RESPONSE_VS_BLASTS": (W, N_("a remission recorded with more than 5 % marrow blasts")),
    "RELAPSE_WITHOUT_REMISSION": (W, N_("a relapse without an earlier remission")),
    "EVENT_DETAIL_MISPLACED": (W, N_("relapse site or cause of death on a row of another event type")),
    "DEATH_CAUSE_MISSING": (W, N_("a death without a cause")),
    # therapies and adverse events
    "END_BEFORE_START": (E, N_("an end or resolution date before the start or onset")),
    "THERAPY_SEQUENCE_ORDER": (W, N_("therapy sequence numbers do not follow the start dates")),
    "FATAL_AE_INCONSISTENT": (W, N_("a fatal or grade 5 adverse event without a matching death")),
    # summary form
    "SUMMARY_INCONSISTENT": (W, N_("summary fields contradict each other")),
    # the study specification against the data
    "SPEC_VARIABLE_UNAVAILABLE": (W, N_("a variable the specification names cannot be used with these data")),
}


@dataclass(frozen=True)
class Finding:
    """One problem found in the input, with its location and a fix."""

    code: str
    severity: Severity
    message: str
    hint: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # spreadsheet row (header = 1)
    column: str | None = None
    value: object = None
    table: str | None = None
    patient_id: str | None = None

    @property
    def column_heading(self) -> str | None:
        """The column as the template heads it in the current language (``性别 (sex)``), else as found."""
        table = ALL_TABLES.get(self.table or "")
        if self.column and table is not None and self.column in table.column_names:
            return heading(table, table.column(self.column))
        return self.column

    @property
    def location(self) -> str:
        """File, sheet, row and column, in the current language."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(_("sheet '{sheet}'").format(sheet=self.sheet))
        if self.row is not None:
            parts.append(_("row {row}").format(row=self.row))
        if self.column:
            parts.append(_("column '{column}'").format(column=self.column_heading))
        return _(", ").join(parts)

    @property
    def meaning(self) -> str:
        """What the code means, in the current language (:data:`CODES`)."""
        return _(CODES[self.code][1])

    def to_text(self) -> str:
        """One line for the terminal: severity, code, location, message, value, fix (in the current language)."""
        value = "" if self.value is None else _(" (value: {value})").format(value=_show(self.value))
        where = _("{location}: ").format(location=self.location) if self.location else ""
        severity = _("ERROR") if self.severity is Severity.ERROR else _("WARNING")
        return _("{severity} {code} {where}{message}{value}. Fix: {hint}").format(
            severity=severity, code=self.code, where=where, message=self.message, value=value, hint=self.hint)


#: Longest value quoted in a finding's line (a cell that swallowed rows can hold thousands of characters).
SHOWN_CHARACTERS = 80


def _show(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, str):
        return repr(value) if len(value) <= SHOWN_CHARACTERS else repr(value[:SHOWN_CHARACTERS]) + "..."
    return str(value)


def finding(code: str, message: str, hint: str, **location) -> Finding:
    """A finding with the severity of its code (see :data:`CODES`)."""
    return Finding(code=code, severity=CODES[code][0], message=message, hint=hint, **location)


class CellFindings:
    """The findings of one sheet's cells, each naming file, sheet, spreadsheet row, column, value and patient."""

    def __init__(self, sheet: RawSheet, table: Table, patient_ids: pd.Series | None):
        self.sheet, self.table, self.patient_ids = sheet, table, patient_ids
        self.findings: list[Finding] = []

    def name(self, col: Column) -> str:
        """The column as messages name it: ``sex`` in English, ``性别 (sex)`` in Chinese (the template's heading)."""
        return heading(self.table, col) if col in self.table.columns else col.name

    def add(self, code: str, row: int, column: str, value, message: str, hint: str):
        pid = None
        if self.patient_ids is not None and row in self.patient_ids.index:
            pid = self.patient_ids.get(row)
        self.findings.append(finding(code, message, hint, file=self.sheet.file, sheet=self.sheet.sheet, row=int(row),
                                     column=column, value=value, table=self.table.name, patient_id=pid))


def read_findings(raw: RawStudy) -> list[Finding]:
    """The reader's notes about the files (stray quotes, formulas, merged cells, limits...) as findings."""
    return [finding(n.code, n.message, n.hint, file=n.file or raw.source, sheet=n.sheet, row=n.row, column=n.column,
                    value=n.value) for n in raw.notes]


@dataclass(frozen=True)
class ValidationReport:
    """Every finding of one validation, errors first when printed."""

    source: str
    findings: tuple[Finding, ...] = ()
    form: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def codes(self) -> dict[str, int]:
        """How many findings of each code."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.code] = out.get(f.code, 0) + 1
        return out

    def summary(self) -> str:
        n_e, n_w = len(self.errors), len(self.warnings)
        text = (_("{source}: {errors} error(s), {warnings} warning(s); the data cannot be analysed until the errors "
                  "are fixed.") if n_e else _("{source}: {errors} error(s), {warnings} warning(s); the data can be "
                                              "analysed."))
        return text.format(source=self.source, errors=n_e, warnings=n_w)

    def lines(self, examples_per_code: int | None = None) -> list[str]:
        """The summary line, then one line per finding (errors first, then by place).

        With ``examples_per_code``, a code's findings past that many are left out of the lines,
        and one line after its last example gives how many more there are (a registry with one
        systematic mistake has it on thousands of rows; the findings table keeps every one).
        """
        ordered = sorted(self.findings, key=lambda f: (f.severity is not Severity.ERROR, f.file or "", f.sheet or "",
                                                        f.row if f.row is not None else -1, f.column or ""))
        if examples_per_code is None:
            return [self.summary(), *(f.to_text() for f in ordered)]
        total, shown, lines = self.codes(), {}, [self.summary()]
        for f in ordered:
            shown[f.code] = shown.get(f.code, 0) + 1
            if shown[f.code] <= examples_per_code:
                lines.append(f.to_text())
            if shown[f.code] == max(examples_per_code, 1) and total[f.code] > examples_per_code:
                lines.append(_("  ... and {more} more finding(s) of code {code} ({total} in all).").format(
                    more=f"{total[f.code] - examples_per_code:,}", code=f.code, total=f"{total[f.code]:,}"))
        return lines

    def to_text(self, examples_per_code: int | None = None) -> str:
        return "\n".join(self.lines(examples_per_code))

    def to_frame(self) -> pd.DataFrame:
        """One row per finding (for the report's data-quality appendix)."""
        cols = ["severity", "code", "file", "sheet", "row", "column", "value", "message", "hint", "table", "patient_id"]
        rows = [{c: (f.severity.value if c == "severity" else getattr(f, c)) for c in cols} for f in self.findings]
        frame = pd.DataFrame(rows, columns=cols)
        frame["row"] = frame["row"].astype("Int64")
        return frame
