"""Readers: xlsx and CSV cells as typed by the user; errors for unreadable files."""

import csv
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from blinrwe.errors import UserError
from blinrwe.intake import read_csv_folder, read_study, read_xlsx
from blinrwe.validate import validate_study


#: Codes these tests pin (tests/validate/test_findings.py checks every code is pinned).
CODES_PINNED = {"CSV_STRAY_QUOTE", "CSV_NOT_UTF8"}


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


def test_read_study_takes_the_reader_of_the_folder_layout(tmp_path):
    """A folder of .csv files is read as CSV, one of .parquet files as Parquet (each with its README ignored)."""
    from blinrwe.examples import synthetic_cohort
    from blinrwe.intake import write_study_csv, write_study_parquet

    study = synthetic_cohort(12, seed=3)
    csv_folder = write_study_csv(study.tables, tmp_path / "csv", study.form, readme_lines=["notes"])
    parquet_folder = write_study_parquet(study.tables, tmp_path / "parquet", study.form, readme_lines=["notes"])
    by_csv, by_parquet = read_study(csv_folder), read_study(parquet_folder)
    assert (by_csv.kind, by_parquet.kind) == ("csv", "parquet")
    assert by_csv.sheets.keys() == by_parquet.sheets.keys() and by_parquet.ignored == ("README.txt",)
    assert by_parquet.sheets["patients"].header == by_csv.sheets["patients"].header


@pytest.mark.parametrize("name,content,match", [
    ("missing.xlsx", None, "file not found"),
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


def _chinese_csv(folder: Path, encoding: str, header: str = "患者编号 (patient_id),性别 (sex),治疗中心 (site)") -> Path:
    folder.mkdir()
    text = header + "\nHN-001,男,湘雅医院\nHN-002,女,μg/m²\n"
    (folder / "patients.csv").write_bytes(text.encode(encoding, errors="replace"))
    return folder


def test_chinese_windows_csv_is_read_as_gbk_with_a_warning(tmp_path):
    """Excel's 'CSV (逗号分隔)' on Chinese Windows writes GBK (² as '?'): the same cells as the UTF-8
    file but the lost character, and a CSV_NOT_UTF8 warning showing the first cell holding a '?'."""
    utf8 = read_study(_chinese_csv(tmp_path / "utf8", "utf-8"))
    gbk = read_study(_chinese_csv(tmp_path / "gbk", "gbk"))
    cells, expected = gbk.sheets["patients"].cells, utf8.sheets["patients"].cells.copy()
    expected.loc[3, 2] = "μg/m?"
    assert cells.equals(expected)
    assert not utf8.notes
    (note,) = gbk.notes
    assert (note.code, note.file, note.value) == ("CSV_NOT_UTF8", "patients.csv", "μg/m?")
    assert "'?'" in note.message and "CSV UTF-8" in note.hint
    _, report = validate_study(gbk)
    assert [f.severity.value for f in report.findings if f.code == "CSV_NOT_UTF8"] == ["warning"]


def test_chinese_windows_csv_without_a_lost_character_names_no_cell(tmp_path):
    folder = tmp_path / "gbk"
    folder.mkdir()
    (folder / "patients.csv").write_bytes("患者编号,性别\nHN-001,男\n".encode("gbk"))
    (note,) = read_study(folder).notes
    assert note.value is None and "'?'" not in note.message


@pytest.mark.parametrize("header, encoding", [
    ("patient_id,sex,site", "gbk"),  # English headings: nothing shows the file is Chinese
    ("患者编号 (patient_id),性别 (sex),治疗中心 (site)", "big5"),  # not GB18030 text at all
])
def test_other_encodings_are_still_refused(tmp_path, header, encoding):
    with pytest.raises(UserError, match="not UTF-8"):
        read_study(_chinese_csv(tmp_path / "other", encoding, header))


def test_a_western_file_decoding_as_gb18030_is_refused(tmp_path):
    """cp1252 bytes decode as GB18030 into random characters, never into a declared heading."""
    (tmp_path / "patients.csv").write_bytes("Identifiant (patient_id),Sexe\nJosé,Hélène\n".encode("cp1252"))
    "Identifiant".encode("cp1252").decode("gb18030")  # (the bytes are valid GB18030)
    with pytest.raises(UserError, match="not UTF-8"):
        read_study(tmp_path)


def test_workbook_named_csv_is_a_user_error_that_says_so(tmp_path):
    book = openpyxl.Workbook()
    book.save(tmp_path / "patients.csv")
    with pytest.raises(UserError, match="this is an Excel workbook .* named .csv"):
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


def _csv_study(folder, rows, n=40):
    """A summary-form CSV of ``n`` patients, with ``rows`` (line number -> text) replacing lines."""
    lines = ["patient_id,disease_status,best_response,sex"] + [f"S{i},1R,CR,M" for i in range(1, n + 1)]
    for number, text in rows.items():
        lines[number - 1] = text
    folder.mkdir(exist_ok=True)
    (folder / "patient_summary.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_stray_quote_swallowing_rows_names_the_line_it_opened(tmp_path):
    """One stray '"' once swallowed 38 rows into one cell with no finding."""
    folder = _csv_study(tmp_path / "s", {12: 'S11,1R,"CR,M', 50: 'S49,1R,CR",M'}, n=60)
    study, report = validate_study(read_study(folder))
    hits = [f for f in report.findings if f.code == "CSV_STRAY_QUOTE"]
    assert len(hits) == 1 and study is None, report.to_text()
    f = hits[0]
    assert (f.file, f.row, f.column, f.severity.value) == ("patient_summary.csv", 12, "best_response", "error")
    assert f.message == ("a '\"' at the start of this cell on line 12 opens a quoted text that closes only on line 50, "
                         "so lines 13-50 (38 line(s)) were read into this one cell")
    assert f.value.startswith("CR,M\nS12,1R,CR,M")
    assert "remove the stray '\"' on line 12 of patient_summary.csv" in f.hint


def test_stray_quote_never_closed_runs_to_the_end_of_the_file(tmp_path):
    folder = _csv_study(tmp_path / "s", {30: 'S29,1R,"CR,M'})
    notes = read_study(folder).notes
    assert [(n.code, n.row) for n in notes] == [("CSV_STRAY_QUOTE", 30)]
    assert "never closes, so every line to the end of the file" in notes[0].message


def test_quoted_line_breaks_in_free_text_are_kept_without_a_note(tmp_path):
    folder = _csv_study(tmp_path / "s", {3: 'S2,1R,CR,"first line\nsecond, with a comma"'})
    raw = read_study(folder)
    assert raw.notes == ()
    cells = raw.sheets["patient_summary"].cells
    assert cells.loc[3, 3] == "first line\nsecond, with a comma" and len(cells) == 40
    assert cells.loc[4, 0] == "S3"  # rows count CSV records, as Excel shows them


def test_stray_quote_is_found_with_crlf_line_ends_and_semicolons(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    lines = ["patient_id;disease_status;best_response"] + [f"S{i};1R;CR" for i in range(1, 11)]
    lines[4] = 'S4;"1R;CR'
    (folder / "patient_summary.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    notes = read_study(folder).notes
    assert [(n.code, n.row) for n in notes] == [("CSV_STRAY_QUOTE", 5)]
    assert "on line 5" in notes[0].message


# --- fuzz: corrupted bytes, truncated files, random cells -> findings or a clean blinrwe error, never a traceback

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=25,
                suppress_health_check=[HealthCheck.too_slow])


def _read_and_validate(path):
    """Findings, or a UserError; any other exception fails the test (it would be a traceback)."""
    try:
        raw = read_study(path)
        _, report = validate_study(raw, today=dt.date(2025, 1, 1))
    except UserError as err:
        assert str(err)
        return None
    assert report.to_text()
    if not raw.sheets:
        assert report.has_errors  # nothing read: the reason is a finding
    return report


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    from tests.validate.scenarios import BASE, write_csv, write_xlsx

    tmp = tmp_path_factory.mktemp("fuzz")
    xlsx = write_xlsx(BASE, tmp / "study.xlsx").read_bytes()
    csv_text = (write_csv(BASE, tmp / "csv") / "infusions.csv").read_bytes()
    return {"xlsx": xlsx, "csv": csv_text, "folder": tmp / "csv"}


def _write(tmp, name, data):
    path = Path(tmp) / name
    path.write_bytes(data)
    return path


@FUZZ
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=12))
def test_fuzz_corrupted_workbook_bytes(good_files, flips):
    data = bytearray(good_files["xlsx"])
    for where, byte in flips:
        data[int(where * len(data))] = byte
    with tempfile.TemporaryDirectory() as tmp:
        _read_and_validate(_write(tmp, "study.xlsx", bytes(data)))


@FUZZ
@given(cut=st.floats(0, 1), kind=st.sampled_from(["xlsx", "csv"]))
def test_fuzz_truncated_files(good_files, cut, kind):
    data = good_files[kind]
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "xlsx":
            _read_and_validate(_write(tmp, "study.xlsx", data[: int(cut * len(data))]))
        else:
            folder = Path(tmp) / "s"
            shutil.copytree(good_files["folder"], folder)
            (folder / "infusions.csv").write_bytes(data[: int(cut * len(data))])
            _read_and_validate(folder)


@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                st.sampled_from(['"', ",", ";", "\n", "\r", "\r\n", "\x00", "\ufeff", "\u2028", "é",
                                                 "\xff", "NaN", "#N/A", "inf", '""'])), min_size=1, max_size=10))
def test_fuzz_corrupted_csv_text(good_files, edits):
    data = good_files["csv"]
    for where, text in edits:
        at = int(where * len(data))
        data = data[:at] + (text.encode("latin-1") if text == "\xff" else text.encode()) + data[at:]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "s"
        shutil.copytree(good_files["folder"], folder)
        (folder / "infusions.csv").write_bytes(data)
        _read_and_validate(folder)


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\"',;\n\t"), max_size=12)
_CELL = st.one_of(st.none(), _TEXT, st.sampled_from(["NaN", "#DIV/0!", "#N/A", "inf", "-Infinity", "1e999", "=A1",
                                                     "2023-02-30", "yes", "P1", "CR", " "]),
                  st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20), st.booleans(),
                  st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))


@FUZZ
@given(table=st.sampled_from(["patients", "infusions", "assessments", "events", "patient_summary"]),
       rows=st.lists(st.lists(_CELL, min_size=1, max_size=8), min_size=0, max_size=6), as_xlsx=st.booleans())
def test_fuzz_random_cells(table, rows, as_xlsx):
    from blinrwe.model import ALL_TABLES

    header = [c.name for c in ALL_TABLES[table].columns][:8]
    with tempfile.TemporaryDirectory() as tmp:
        if as_xlsx:
            book = openpyxl.Workbook()
            ws = book.active
            ws.title = table
            ws.append(header)
            for r in rows:
                ws.append([v if not isinstance(v, str) else ILLEGAL_CHARACTERS_RE.sub("", v) for v in r])
            path = Path(tmp) / "study.xlsx"
            book.save(path)
        else:
            path = Path(tmp) / "s"
            path.mkdir()
            with open(path / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                w.writerows([["" if v is None else v for v in r] for r in rows])
        _read_and_validate(path)
