"""Workbook reader: what Excel hides from the eye is noted by cell, and non-workbooks are named by content."""

import zipfile

import openpyxl
import pytest

from blinrwe.errors import UserError
from blinrwe.intake import read_study, read_xlsx
from blinrwe.validate import validate_study

from .workbooks import compound_file, rewrite_member, sheet_member, summary_book

#: Codes these tests pin (tests/validate/test_findings.py checks every code is pinned).
CODES_PINNED = {"FORMULA_NOT_CALCULATED", "CELL_MERGED", "SHEET_HIDDEN", "WORKBOOK_ENCRYPTED", "WORKBOOK_IS_XLS",
                "WORKBOOK_NOT_XLSX", "WORKBOOK_UNREADABLE"}


def _findings(path, code):
    _, report = validate_study(read_study(path))
    return [f for f in report.findings if f.code == code], report


def test_formula_without_calculated_value_is_flagged_by_cell(tmp_path):
    """openpyxl (like every script) writes formulas without their value: 40 of 40 weights would vanish."""
    def formulas(ws):
        for r in range(2, 5):
            ws[f"D{r}"] = f"=B{r}*0+60"
    path = summary_book(tmp_path / "s.xlsx", edit=formulas)
    hits, report = _findings(path, "FORMULA_NOT_CALCULATED")
    assert [(f.sheet, f.row, f.column, f.value) for f in hits] == [
        ("patient_summary", r, "weight_kg", f"=B{r}*0+60") for r in range(2, 5)]
    f = hits[0]
    assert f.severity.value == "error" and f.file == "s.xlsx"
    assert f.message.startswith("cell D2 holds the formula =B2*0+60 but no calculated value")
    assert "Paste Special > Values" in f.hint and "save it" in f.hint
    assert report.has_errors


def test_formula_with_its_cached_value_is_read_as_that_value(tmp_path):
    path = summary_book(tmp_path / "s.xlsx", edit=lambda ws: ws.__setitem__("D2", "=30*2"))
    rewrite_member(path, sheet_member(path), lambda x: x.replace(b"<f>30*2</f><v></v>", b"<f>30*2</f><v>60</v>")
                   .replace(b"<f>30*2</f><v/>", b"<f>30*2</f><v>60</v>"))
    raw = read_xlsx(path)
    assert raw.notes == () and raw.sheets["patient_summary"].cells.loc[2, 3] == 60


def test_shared_formulas_are_flagged_with_their_own_text(tmp_path):
    path = summary_book(tmp_path / "s.xlsx")
    shared = (b'<c r="D2"><f t="shared" ref="D2:D4" si="0">B2&amp;"x"</f></c>', b'<c r="D3"><f t="shared" si="0"/></c>')

    def change(xml):
        xml = xml.replace(b'<c r="D2" t="n"><v>60</v></c>', shared[0]).replace(b'<c r="D3" t="n"><v>70</v></c>', shared[1])
        return xml
    rewrite_member(path, sheet_member(path), change)
    notes = [n for n in read_xlsx(path).notes if n.code == "FORMULA_NOT_CALCULATED"]
    assert [(n.row, n.value) for n in notes] == [(2, '=B2&"x"'), (3, '=B3&"x"')]


def test_merged_cells_name_the_range_and_value(tmp_path):
    def merge(ws):
        ws["B3"] = None
        ws.merge_cells("B2:B3")
    hits, _ = _findings(summary_book(tmp_path / "s.xlsx", edit=merge), "CELL_MERGED")
    assert len(hits) == 1
    f = hits[0]
    assert (f.sheet, f.row, f.column, f.value) == ("patient_summary", 2, "disease_status", "1R")
    assert f.message.startswith("cells B2:B3 are merged") and "Unmerge" in f.hint


def test_hidden_sheet_read_as_a_table_is_a_warning(tmp_path):
    def hide(ws):
        ws.parent.create_sheet("visible")
        ws.sheet_state = "hidden"
    hits, report = _findings(summary_book(tmp_path / "s.xlsx", edit=hide), "SHEET_HIDDEN")
    assert [(f.sheet, f.severity.value) for f in hits] == [("patient_summary", "warning")]
    assert "Unhide" in hits[0].hint


def test_the_templates_hidden_lists_sheet_is_not_reported(tmp_path):
    from blinrwe.intake import write_template

    assert read_xlsx(write_template(tmp_path / "t.xlsx")).notes == ()


def test_error_cells_and_nan_numbers_arrive_as_typed(tmp_path):
    """Excel error cells as their text; NaN and inf numbers (other writers than Excel store them) as typed."""
    path = summary_book(tmp_path / "s.xlsx", edit=lambda ws: ws.__setitem__("D2", "#DIV/0!"))  # t="e"
    rewrite_member(path, sheet_member(path), lambda x: x.replace(b"<v>70</v>", b"<v>NaN</v>")
                   .replace(b"<v>80</v>", b"<v>inf</v>"))
    cells = read_xlsx(path).sheets["patient_summary"].cells
    assert cells.loc[2, 3] == "#DIV/0!" and cells.loc[3, 3] == "NaN" and cells.loc[4, 3] == "inf"


def test_rows_keep_their_spreadsheet_numbers_across_gaps(tmp_path):
    path = summary_book(tmp_path / "s.xlsx")
    rewrite_member(path, sheet_member(path), lambda x: x.replace(b'<row r="4"', b'<row r="9"')
                   .replace(b'r="A4"', b'r="A9"').replace(b'r="B4"', b'r="B9"').replace(b'r="C4"', b'r="C9"')
                   .replace(b'r="D4"', b'r="D9"'))
    sheet = read_xlsx(path).sheets["patient_summary"]
    assert list(sheet.cells.index) == [2, 3, 9] and sheet.cells.loc[9, 0] == "S3"


def test_encrypted_workbook_is_named_as_such(tmp_path):
    path = compound_file(tmp_path / "locked.xlsx", ["EncryptionInfo", "EncryptedPackage"])
    hits, report = _findings(path, "WORKBOOK_ENCRYPTED")
    assert len(report.findings) == 1 and len(hits) == 1
    assert "password" in hits[0].message and "Encrypt with Password" in hits[0].hint


@pytest.mark.parametrize("name", ["renamed.xlsx", "old.xls"])
def test_xls_workbook_is_named_by_its_content(tmp_path, name):
    hits, report = _findings(compound_file(tmp_path / name, ["Workbook", "\x05SummaryInformation"]), "WORKBOOK_IS_XLS")
    assert len(report.findings) == 1
    assert "Excel 97-2003" in hits[0].message and "save it as 'Excel Workbook (.xlsx)'" in hits[0].hint


def test_xlsx_content_named_xls_is_read(tmp_path):
    path = summary_book(tmp_path / "s.xlsx")
    path.rename(tmp_path / "s.xls")
    study, report = validate_study(read_study(tmp_path / "s.xls"))
    assert not report.has_errors and study.n_patients == 3


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("content,what", [
    (b"patient_id,disease_status\nS1,1R\n", "a CSV / text table"),
    (b"<html><body><table><tr><td>S1</td></tr></table></body></html>", "an HTML page"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "XML Spreadsheet 2003"),
    (b"", "an empty file (0 bytes)"),
    (None, "a zip archive that is not an Excel workbook"),
    ("ods", "an OpenDocument spreadsheet (.ods)"),
    ("strict", "an Excel workbook saved as 'Strict Open XML Spreadsheet'"),
    (bytes(range(256)) * 4, "a binary file"),
])
def test_other_content_named_xlsx_says_what_it_is(tmp_path, content, what):
    path = tmp_path / "study.xlsx"
    if content is None:
        _zip(path, {"notes.txt": "x"})
    elif content == "strict":
        _zip(path, {"[Content_Types].xml": "<Types/>", "xl/workbook.xml":
                    '<workbook xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"/>'})
    elif content == "ods":
        _zip(path, {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
    else:
        path.write_bytes(content)
    hits, report = _findings(path, "WORKBOOK_NOT_XLSX")
    assert len(report.findings) == 1 and len(hits) == 1, report.to_text()
    assert what in hits[0].message and hits[0].file == "study.xlsx"


def test_damaged_workbooks_are_findings_not_tracebacks(tmp_path):
    good = summary_book(tmp_path / "good.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[: len(good) // 2])
    hits, _ = _findings(tmp_path / "cut.xlsx", "WORKBOOK_UNREADABLE")
    assert "damaged or incomplete" in hits[0].message
    path = summary_book(tmp_path / "bad_xml.xlsx")
    rewrite_member(path, sheet_member(path), lambda x: x[: len(x) // 2])
    hits, report = _findings(path, "WORKBOOK_UNREADABLE")
    assert len(report.findings) == 1 and hits[0].sheet == "patient_summary"
    path = summary_book(tmp_path / "order.xlsx")
    rewrite_member(path, sheet_member(path), lambda x: x.replace(b'<row r="3"', b'<row r="1"'))
    hits, _ = _findings(path, "WORKBOOK_UNREADABLE")
    assert "out of order" in hits[0].message


def test_missing_workbook_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        read_xlsx(tmp_path / "none.xlsx")


def test_every_sheet_is_read_with_openpyxls_values(tmp_path):
    """A second implementation: openpyxl's own read-only rows give the same cells."""
    import datetime as dt

    rows = [["patient_id", "d", "t", "b", "x"], ["S1", dt.datetime(2023, 1, 2), dt.time(8, 0), True, 1.5],
            [None, None, None, None, None], ["S2", "text", None, False, -3]]
    path = summary_book(tmp_path / "s.xlsx", rows=rows)
    cells = read_xlsx(path).sheets["patient_summary"].cells
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True)["patient_summary"]
    theirs = [list(r) for r in ws.iter_rows(values_only=True)]
    assert cells.loc[2].tolist() == [theirs[1][0], theirs[1][1], "08:00:00", True, 1.5]
    assert cells.loc[4].tolist() == theirs[3]
