"""Read limits: a decompression bomb is refused from the zip directory or while streaming,
before any table is built; the limits come from keyword arguments, the environment or the defaults."""

import tracemalloc
import zipfile

import pytest

from blinrwe.errors import UserError
from blinrwe.intake import read_study
from blinrwe.intake.limits import ReadLimits, read_limits
from blinrwe.validate import validate_study

from .workbooks import bomb_book, rewrite_member, sheet_member, summary_book

CODES_PINNED = {"INPUT_TOO_LARGE"}


def _refused(raw):
    assert raw.sheets == {} and len(raw.notes) == 1, raw.notes
    note = raw.notes[0]
    assert note.code == "INPUT_TOO_LARGE"
    return note


def _peak_mb(fn):
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_bomb_is_refused_from_the_zip_directory_before_parsing(tmp_path):
    path = bomb_book(tmp_path / "bomb.xlsx", n_rows=200_000)  # ~6 MB of sheet XML in ~20 kB
    assert path.stat().st_size < 100_000
    with zipfile.ZipFile(path) as z:
        assert sum(i.file_size for i in z.infolist()) > 5 * 2**20
    raw, peak = _peak_mb(lambda: read_study(path, max_uncompressed_mb=2))
    note = _refused(raw)
    assert note.message.startswith("the file unpacks to 6 MB (its zip directory says so), more than 2 MB")
    assert "BLINRWE_MAX_UNCOMPRESSED_MB" in note.hint and "max_uncompressed_mb=" in note.hint
    assert peak < 5  # nothing of the sheet was unpacked


def test_bomb_rows_are_refused_while_streaming_without_building_the_frame(tmp_path):
    path = bomb_book(tmp_path / "bomb.xlsx", n_rows=200_000)
    raw, peak = _peak_mb(lambda: read_study(path, max_rows=1000))
    note = _refused(raw)
    assert (note.file, note.sheet) == ("bomb.xlsx", "patient_summary")
    assert note.message.startswith("the sheet has more than 1,000 rows (stopped at row 1,001); reading stopped")
    assert "BLINRWE_MAX_ROWS" in note.hint
    assert peak < 20  # 200,000 rows were never held


def test_streamed_bytes_are_counted_across_sheets(tmp_path):
    """The zip directory may understate; the bytes actually unpacked are counted too, over all sheets."""
    from blinrwe.intake import xlsx

    path = bomb_book(tmp_path / "bomb.xlsx", n_rows=100_000)  # ~3 MB unpacked
    budget = {"bytes": 2**20 // 2}  # half the limit spent on an earlier sheet
    with zipfile.ZipFile(path) as z:
        source = xlsx._CountedSource(z.open(sheet_member(path)), budget, ReadLimits(max_uncompressed_mb=1), ("b", "s"))
        with pytest.raises(xlsx.Refused) as stop:
            while source.read(16384):
                pass
    assert stop.value.note.message.startswith("the sheet unpacks to more than 1 MB")
    assert 2**20 < budget["bytes"] <= 2**20 + 16384  # stopped at the first read past the limit


def test_columns_and_cells_are_bounded(tmp_path):
    path = bomb_book(tmp_path / "wide.xlsx", n_rows=2000, cells_per_row=30)
    note = _refused(read_study(path, max_columns=20))
    assert "more than 20 columns" in note.message and "BLINRWE_MAX_COLUMNS" in note.hint
    note = _refused(read_study(path, max_cells=10_000))
    assert "more than 10,000 cells" in note.message and "BLINRWE_MAX_CELLS" in note.hint


def test_a_far_away_cell_is_refused_not_padded_to(tmp_path):
    path = summary_book(tmp_path / "far.xlsx")
    rewrite_member(path, sheet_member(path), lambda x: x.replace(b"</sheetData>",
                   b'<row r="9"><c r="XFD9" t="n"><v>1</v></c></row></sheetData>'))
    note = _refused(read_study(path))
    assert "has a cell in column XFD (column 16,384) of row 9, more than 1,000 columns" in note.message


def test_stated_dimension_is_not_trusted(tmp_path):
    """<dimension ref="A1:XFD1048576"/> in a tiny file: openpyxl's read-only rows would pad to it."""
    path = summary_book(tmp_path / "dim.xlsx")
    rewrite_member(path, sheet_member(path), lambda x: x.replace(b'<dimension ref="A1:D4"/>',
                                                                  b'<dimension ref="A1:XFD1048576"/>'))
    study, report = validate_study(read_study(path, max_cells=1000))
    assert not report.has_errors and study.n_patients == 3


def test_csv_limits(tmp_path, monkeypatch):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "patient_summary.csv").write_text("patient_id,disease_status\n" + "S1,1R\n" * 5000)
    assert "has 5,001 rows, more than 1,000" in _refused(read_study(folder, max_rows=1000)).message
    assert "cells" in _refused(read_study(folder, max_cells=5000)).message
    monkeypatch.setenv("BLINRWE_MAX_UNCOMPRESSED_MB", "0.01")
    assert "more than 0.01 MB" in _refused(read_study(folder)).message
    (folder / "patient_summary.csv").write_text(",".join(f"c{i}" for i in range(50)) + "\n")
    assert "50 columns, more than 10" in _refused(read_study(folder, max_columns=10,
                                                                 max_uncompressed_mb=10)).message


def test_csv_rows_longer_than_the_header_are_bounded(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "patient_summary.csv").write_text("patient_id\n" + "S1" + ",x" * 100 + "\n")
    note = _refused(read_study(folder, max_columns=50))
    assert "a row of 101 cells on line 2" in note.message


def test_limits_from_keywords_environment_and_defaults(monkeypatch):
    assert read_limits() == ReadLimits()
    monkeypatch.setenv("BLINRWE_MAX_ROWS", " 5000 ")
    monkeypatch.setenv("BLINRWE_MAX_UNCOMPRESSED_MB", "1.5")
    assert read_limits() == ReadLimits(max_rows=5000, max_uncompressed_mb=1.5)
    assert read_limits(max_rows=10).max_rows == 10  # the keyword wins
    monkeypatch.setenv("BLINRWE_MAX_ROWS", "lots")
    with pytest.raises(UserError, match=r"BLINRWE_MAX_ROWS = 'lots': give a positive whole number \(default 1048576\)"):
        read_limits()
    with pytest.raises(UserError, match="max_cells = -1"):
        read_limits(max_cells=-1, max_rows=1)
    with pytest.raises(TypeError):
        read_limits(max_sheets=3)


def test_refusal_is_one_finding_through_validate(tmp_path):
    path = bomb_book(tmp_path / "bomb.xlsx", n_rows=20_000)
    study, report = validate_study(read_study(path, max_rows=100))
    assert study is None and [f.code for f in report.findings] == ["INPUT_TOO_LARGE"]
    assert report.findings[0].severity.value == "error"
