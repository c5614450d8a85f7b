"""The annotated workbook: a copy with each finding's cell filled by severity and commented, read back with openpyxl."""

import datetime as dt
import hashlib

import openpyxl
import pytest

from blinrwe.errors import UserError
from blinrwe.intake import read_study, write_template
from blinrwe.model.i18n import language
from blinrwe.validate import Finding, Severity, annotate_workbook, validate_study
from blinrwe.validate.annotate import FILLS, MARK

from .scenarios import D, edit, write_csv, write_xlsx

TODAY = D(2025, 1, 1)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _annotations(path):
    """{(sheet, cell): (fill ARGB, our note)} of every annotated cell."""
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and MARK in cell.comment.text:
                    out[(ws.title, cell.coordinate)] = (cell.fill.start_color.rgb, cell.comment.text.split(MARK)[1])
    return out


def _bad_study(tmp_path):
    tables = edit("patients", sex="female", weight_kg="60,5")
    tables["events"][0]["event_date"] = "2023-08"  # a warning: partial date
    return write_xlsx(tables, tmp_path / "study.xlsx")


def test_each_finding_is_on_its_cell_with_the_colour_of_its_severity(tmp_path):
    source = _bad_study(tmp_path)
    before = _digest(source)
    _, report = validate_study(read_study(source), today=TODAY)
    out = annotate_workbook(source, report.findings, tmp_path / "annotated.xlsx")
    assert _digest(source) == before  # the user's file is untouched
    notes = _annotations(out)
    header = [c.value for c in openpyxl.load_workbook(source)["patients"][1]]
    sex = openpyxl.utils.get_column_letter(header.index("sex") + 1)
    fill, note = notes[("patients", f"{sex}2")]
    assert fill == FILLS[Severity.ERROR]
    assert "CODE_INVALID" in note and "'female' is not an allowed code of 'sex'" in note and "Fix: use one of: M, F" in note
    events = [k for k in notes if k[0] == "events"]
    assert len(events) == 1 and notes[events[0]][0] == FILLS[Severity.WARNING]
    for finding in report.findings:
        assert any(finding.code in n for _, n in notes.values()), finding.code


def test_the_copy_keeps_the_data_and_introduces_no_formula(tmp_path):
    source = _bad_study(tmp_path)
    _, report = validate_study(read_study(source), today=TODAY)
    out = annotate_workbook(source, report.findings, tmp_path / "annotated.xlsx")
    original, copy = openpyxl.load_workbook(source), openpyxl.load_workbook(out)
    assert original.sheetnames == copy.sheetnames
    for ws in copy.worksheets:
        assert [[c.value for c in r] for r in ws.iter_rows()] == [[c.value for c in r] for r in original[ws.title].iter_rows()]
        assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)
    # the annotated copy validates to the same findings
    _, again = validate_study(read_study(out), today=TODAY)
    assert again.codes() == report.codes()


def test_in_chinese_the_notes_are_chinese_and_the_template_help_stays(tmp_path):
    with language("zh"):
        source = write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(source)
    p = book["patients"]
    p["A2"], p["C2"] = "P1", "女性"  # patient_id, sex
    book.save(source)
    with language("zh"):
        _, report = validate_study(read_study(source), today=TODAY)
        out = annotate_workbook(source, report.findings, tmp_path / "annotated.xlsx")
    notes = _annotations(out)
    fill, note = notes[("patients", "C2")]
    assert "“女性”不是“性别 (sex)”允许的取值" in note and "修改方法：请从以下选项中选择：男 (M)、女 (F)（是否想填“女 (F)”？）" in note
    # the empty infusions sheet is noted on its first header cell, below the template's help for that column
    help_and_note = openpyxl.load_workbook(out)["infusions"]["A1"].comment.text
    assert help_and_note.startswith("患者编号；必须出现在 patients 工作表中。")
    assert "TABLE_EMPTY" in help_and_note.split(MARK)[1]


def test_whole_sheet_and_file_findings_go_to_a1_and_header_cells(tmp_path):
    source = write_xlsx(edit("patients"), tmp_path / "study.xlsx")
    findings = [
        Finding("TABLE_MISSING", Severity.ERROR, "the required table 'x' is missing", "add it", file="study.xlsx"),
        Finding("COLUMN_MISSING", Severity.ERROR, "required column 'zz' is missing", "add it", file="study.xlsx",
                sheet="infusions", row=1, column="zz", table="infusions"),
        Finding("COLUMN_UNKNOWN", Severity.WARNING, "column 'sex' ...", "rename it", file="study.xlsx",
                sheet="patients", row=1, column="sex", table="patients"),
        Finding("ROW_DUPLICATE", Severity.WARNING, "same key", "delete it", file="study.xlsx", sheet="events", row=3,
                table="events"),
    ]
    notes = _annotations(annotate_workbook(source, findings, tmp_path / "out.xlsx"))
    header = [c.value for c in openpyxl.load_workbook(source)["patients"][1]]
    sex = openpyxl.utils.get_column_letter(header.index("sex") + 1)
    assert set(notes) == {("patients", "A1"), ("infusions", "A1"), ("patients", f"{sex}1"), ("events", "A3")}
    assert "TABLE_MISSING" in notes[("patients", "A1")][1]


def test_annotating_an_annotated_workbook_shows_only_what_is_left(tmp_path):
    source = _bad_study(tmp_path)
    _, report = validate_study(read_study(source), today=TODAY)
    first = annotate_workbook(source, report.findings, tmp_path / "first.xlsx")
    book = openpyxl.load_workbook(first)
    header = [c.value for c in book["patients"][1]]
    book["patients"].cell(2, header.index("sex") + 1).value = "F"  # the user fixes one cell
    book.save(first)
    _, again = validate_study(read_study(first), today=TODAY)
    second = _annotations(annotate_workbook(first, again.findings, tmp_path / "second.xlsx"))
    assert not any("CODE_INVALID" in note for _, note in second.values())
    assert len(second) == len(_annotations(tmp_path / "first.xlsx")) - 1
    cell = openpyxl.load_workbook(tmp_path / "second.xlsx")["patients"].cell(2, header.index("sex") + 1)
    assert cell.comment is None and cell.fill.fill_type is None


def test_a_csv_folder_cannot_be_annotated(tmp_path):
    folder = write_csv(edit("patients", sex="female"), tmp_path / "csv")
    with pytest.raises(UserError, match="a folder of CSV files cannot be annotated"):
        annotate_workbook(folder, [], tmp_path / "out.xlsx")
    with language("zh"), pytest.raises(UserError, match="CSV 文件夹无法标注"):
        annotate_workbook(folder, [], tmp_path / "out.xlsx")


def test_the_original_is_never_the_target(tmp_path):
    source = _bad_study(tmp_path)
    with pytest.raises(UserError, match="must not overwrite"):
        annotate_workbook(source, [], source)
    with pytest.raises(UserError, match="ending in .xlsx"):
        annotate_workbook(source, [], tmp_path / "out.csv")
    with pytest.raises(UserError, match="does not exist"):
        annotate_workbook(source, [], tmp_path / "nowhere" / "out.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.xlsx"]
