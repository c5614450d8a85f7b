"""Readers: xlsx and CSV cells as typed by the user; errors for unreadable files."""

import datetime as dt

import openpyxl
import pytest

from blinrwe.errors import UserError
from blinrwe.intake import read_csv_folder, read_study, read_xlsx


def _book(path, rows, fmt=None):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "patient_summary"
    for r in rows:
        ws.append(r)
    if fmt:
        for cell, f in fmt.items():
            ws[cell].number_format = f
    book.create_sheet("README")
    book.save(path)
    return path


def test_xlsx_cells_and_rows(tmp_path):
    path = _book(tmp_path / "a.xlsx", [["patient_id", "bm_blast_pct_at_t0", None], [None, None, None],
                                       ["S1", 0.45, None], ["  ", None, None], [2, dt.datetime(2023, 1, 2), None]],
                 fmt={"B3": "0%"})
    raw = read_xlsx(path)
    sheet = raw.sheets["patient_summary"]
    assert raw.ignored == ("README",)
    assert sheet.header == ("patient_id", "bm_blast_pct_at_t0")
    assert list(sheet.cells.index) == [3, 5]  # empty rows dropped, spreadsheet row numbers kept
    assert sheet.cells.loc[3, 1] == "45.0%"  # a percent-formatted cell is read as typed
    assert sheet.cells.loc[5, 0] == 2
    assert sheet.where == "a.xlsx, sheet 'patient_summary'"


def test_csv_folder_and_single_file(tmp_path):
    (tmp_path / "patient_summary.csv").write_text("\ufeffpatient_id,sex\nS1,M\n,\n")
    (tmp_path / "notes.txt").write_text("x")
    raw = read_csv_folder(tmp_path)
    sheet = raw.sheets["patient_summary"]
    assert raw.ignored == ("notes.txt",)
    assert sheet.header == ("patient_id", "sex") and sheet.cells.loc[2, 1] == "M" and len(sheet.cells) == 1
    assert sheet.where == "patient_summary.csv"
    assert read_study(tmp_path / "patient_summary.csv").sheets.keys() == {"patient_summary"}


@pytest.mark.parametrize("name,content,match", [
    ("missing.xlsx", None, "file not found"),
    ("bad.xlsx", b"not a zip", "cannot be read as an .xlsx workbook"),
    ("old.xls", b"", "old .xls workbooks are not read"),
    ("x.txt", b"", "give an .xlsx workbook or a folder"),
    ("nofolder", None, "folder not found"),
])
def test_unreadable_inputs_are_user_errors(tmp_path, name, content, match):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=match):
        read_study(path)


def test_non_utf8_csv_is_a_user_error(tmp_path):
    (tmp_path / "patients.csv").write_bytes("patient_id\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(UserError, match="not UTF-8"):
        read_study(tmp_path)


def test_csv_cells_as_typed_white_space_ragged_rows_and_line_breaks(tmp_path):
    (tmp_path / "events.csv").write_text('patient_id,note\nP1,"two\nlines"\n  ,\t\n\nP2, x \n')
    cells = read_csv_folder(tmp_path).sheets["events"].cells
    assert list(cells.index) == [2, 5]  # rows of white space only are empty; rows count CSV records
    assert cells.loc[2, 1] == "two\nlines" and cells.loc[5, 1] == " x "  # kept as typed (validation strips)
    (tmp_path / "events.csv").write_text("patient_id,note\nP1,a,extra\nP2\n")
    sheet = read_csv_folder(tmp_path).sheets["events"]
    assert sheet.header == ("patient_id", "note", "") and sheet.cells.loc[2, 2] == "extra"
    assert sheet.cells.loc[3].tolist() == ["P2", None, None]


def test_xlsx_time_cells_as_text_with_and_without_percent_formats(tmp_path):
    for fmt in (None, {"C2": "0%"}):
        path = _book(tmp_path / "t.xlsx", [["patient_id", "t", "p"], ["S1", dt.time(10, 30), 0.5]], fmt=fmt)
        cells = read_xlsx(path).sheets["patient_summary"].cells
        assert cells.loc[2, 1] == "10:30:00"
        assert cells.loc[2, 2] == ("50.0%" if fmt else 0.5)
