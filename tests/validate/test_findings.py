"""Findings and the report: text lines, ordering, and that every code is pinned by a test."""

from blinrwe.validate import CODES, Finding, Severity, ValidationReport
from blinrwe.validate.findings import finding

from ..intake import test_limits, test_readers, test_xlsx
from . import test_coerce, test_rules, test_study


def test_every_code_is_pinned_by_a_scenario_test():
    pinned = (test_rules.CODES_PINNED | {c[2] for c in test_coerce.CASES} | {c[2] for c in test_study.CASES}
              | {"COLUMN_DUPLICATE", "COLUMN_UNNAMED"}
              | test_xlsx.CODES_PINNED | test_limits.CODES_PINNED | test_readers.CODES_PINNED
              | {"SPEC_VARIABLE_UNAVAILABLE"})  # pinned by tests/app/test_spec_fit.py
    assert pinned == set(CODES)


def test_finding_text_names_place_value_and_fix():
    f = finding("CODE_INVALID", "'cr' is not an allowed code of 'response_recorded'", "use one of: CR (did you mean 'CR'?)",
                file="study.xlsx", sheet="assessments", row=5, column="response_recorded", value="cr")
    assert f.severity is Severity.ERROR
    assert f.to_text() == ("ERROR CODE_INVALID study.xlsx, sheet 'assessments', row 5, column 'response_recorded': "
                           "'cr' is not an allowed code of 'response_recorded' (value: 'cr'). "
                           "Fix: use one of: CR (did you mean 'CR'?)")


def test_report_orders_errors_first_and_summarises():
    w = finding("TABLE_ABSENT", "no 'therapies' table", "add it", file="a.xlsx")
    e = finding("TABLE_MISSING", "the required table 'infusions' is missing", "add it", file="a.xlsx")
    report = ValidationReport(source="a.xlsx", findings=(w, e))
    assert report.has_errors and report.errors == (e,) and report.warnings == (w,)
    assert report.lines()[0] == "a.xlsx: 1 error(s), 1 warning(s); the data cannot be analysed until the errors are fixed."
    assert report.lines()[1].startswith("ERROR TABLE_MISSING")
    assert report.codes() == {"TABLE_ABSENT": 1, "TABLE_MISSING": 1}
    frame = report.to_frame()
    assert list(frame["severity"]) == ["warning", "error"]


def test_reader_notes_become_findings_of_their_code():
    from blinrwe.intake.raw import RawStudy, ReadNote
    from blinrwe.validate.findings import read_findings

    raw = RawStudy("/data/study.xlsx", "xlsx", {}, notes=(
        ReadNote("SHEET_HIDDEN", "the sheet is hidden", "unhide it", file="study.xlsx", sheet="events"),
        ReadNote("INPUT_TOO_LARGE", "too large", "raise the limit")))
    hidden, large = read_findings(raw)
    assert (hidden.severity, hidden.file, hidden.sheet) == (Severity.WARNING, "study.xlsx", "events")
    assert (large.severity, large.file) == (Severity.ERROR, "/data/study.xlsx")  # no file named: the source


def test_empty_report_is_clean():
    report = ValidationReport(source="x")
    assert not report.has_errors
    assert report.to_text() == "x: 0 error(s), 0 warning(s); the data can be analysed."
    assert isinstance(Finding, type)
