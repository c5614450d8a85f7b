"""Findings and the report: text lines, ordering, and that every code is pinned by a test."""

import ast
import string
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.model.i18n import catalog
from blinrwe.validate import CODES, Finding, Severity, ValidationReport
from blinrwe.validate.findings import finding

from ..intake import test_limits, test_readers, test_xlsx
from ..intake.omop import test_notes as test_omop_notes
from . import test_coerce, test_rules, test_study


def test_every_code_is_pinned_by_a_scenario_test():
    pinned = (test_rules.CODES_PINNED | {c[2] for c in test_coerce.CASES} | {c[2] for c in test_study.CASES}
              | {"COLUMN_DUPLICATE", "COLUMN_UNNAMED"}
              | test_xlsx.CODES_PINNED | test_limits.CODES_PINNED | test_readers.CODES_PINNED | test_omop_notes.CODES_PINNED
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


@settings(max_examples=60, deadline=None)
@given(counts=st.dictionaries(st.sampled_from(["DATE_UNREADABLE", "CODE_INVALID", "NUMBER_INVALID", "TABLE_ABSENT"]),
                              st.integers(0, 30), max_size=4), cap=st.integers(0, 12))
def test_examples_per_code_caps_each_code_and_gives_how_many_more(counts, cap):
    """Each code shows at most ``cap`` example lines, then one line with the rest and the total; nothing
    else is left out (every finding is either shown or counted)."""
    findings = tuple(finding(code, f"bad {code} {i}", "fix it", file="a.xlsx", sheet="s", row=i + 2, column="c",
                             value=str(i)) for code, n in counts.items() for i in range(n))
    report = ValidationReport(source="a.xlsx", findings=findings)
    lines = report.lines(examples_per_code=cap)
    assert lines[0] == report.summary()
    for code, n in counts.items():
        shown = [line for line in lines if f" {code} " in line and "more finding" not in line]
        more = [line for line in lines if f"code {code} (" in line]
        assert len(shown) == min(n, cap)
        assert more == ([f"  ... and {n - cap:,} more finding(s) of code {code} ({n:,} in all)."] if n > cap else [])
    assert report.lines(examples_per_code=max(counts.values(), default=0)) == report.lines()


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


# --- both languages ---------------------------------------------------------------------------

SRC = Path(__file__).resolve().parents[2] / "src" / "blinrwe"


def _marked_texts() -> dict[str, str]:
    """Every literal given to ``_()`` or ``N_()`` in the input side (model, intake, validate) -> its module."""
    found = {}
    for layer in ("model", "intake", "validate"):
        for path in sorted((SRC / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_") and node.args
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    found.setdefault(node.args[0].value, path.name)
    return found


def test_every_message_template_and_code_meaning_has_a_chinese_text():
    texts = _marked_texts()
    assert len(texts) > 250
    zh = catalog("zh")
    assert sorted(f"{module}: {text!r}" for text, module in texts.items() if text and text not in zh) == []
    assert all(meaning in zh for _, meaning in CODES.values())


def test_chinese_templates_fill_the_same_fields():
    zh = catalog("zh")
    for text in _marked_texts():
        if text in zh:
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert {f for _, f, _, _ in string.Formatter().parse(zh[text]) if f} == fields, text


def test_a_finding_reads_in_the_language_it_is_printed_in():
    from blinrwe.model.i18n import language

    f = finding("CODE_INVALID", "msg", "hint", file="s.xlsx", sheet="patients", row=3, column="sex", table="patients",
                value="x")
    assert f.to_text() == "ERROR CODE_INVALID s.xlsx, sheet 'patients', row 3, column 'sex': msg (value: 'x'). Fix: hint"
    assert f.meaning == "a code outside its list of allowed values"
    with language("zh"):
        assert f.to_text() == "错误 CODE_INVALID s.xlsx，工作表“patients”，第 3 行，列“性别 (sex)”：msg（值：'x'）。修改方法：hint"
        assert f.meaning == "取值不在允许的选项中"
        assert ValidationReport("s.xlsx", (f,)).summary() == "s.xlsx：1 个错误，0 个警告；修正错误之前无法分析这些数据。"


def test_cell_findings_name_the_place_the_patient_and_the_heading():
    """A cell's finding names file, sheet, spreadsheet row, column, value and the row's patient; its message
    names the column as the template heads it in the language of the run."""
    import pandas as pd

    from blinrwe.intake.raw import RawSheet
    from blinrwe.model.i18n import language
    from blinrwe.model.tables import PATIENTS
    from blinrwe.validate.findings import CellFindings

    sheet = RawSheet("patients", "study.xlsx", "patients", ("patient_id", "sex"), pd.DataFrame())
    out = CellFindings(sheet, PATIENTS, pd.Series(["P1", "P2"], index=[2, 3], dtype=object))
    out.add("CODE_INVALID", 3, "sex", "x", "m", "h")
    out.add("CODE_INVALID", 9, "sex", "y", "m", "h")  # a row without a patient id
    assert [(f.file, f.sheet, f.row, f.column, f.value, f.table, f.patient_id) for f in out.findings] == [
        ("study.xlsx", "patients", 3, "sex", "x", "patients", "P2"),
        ("study.xlsx", "patients", 9, "sex", "y", "patients", None)]
    with language("zh"):
        assert out.name(PATIENTS.column("sex")) == "性别 (sex)"
    assert out.name(PATIENTS.column("sex")) == "sex"
