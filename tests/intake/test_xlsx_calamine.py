"""The calamine reader gives the openpyxl reader's RawStudy and findings, cell for cell, on every
kind of workbook the suite writes (template, synthetic study, corrupted and clinic-mistake ones)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from blinrwe.examples.synthetic import write_synthetic_study
from blinrwe.intake import read_xlsx, write_template
from blinrwe.validate import validate_study
from tests.validate.corrupted import corrupted_tables, write_corrupted_xlsx
from tests.validate.scenarios import scenario, write_xlsx

from .workbooks import compound_file, rewrite_member, sheet_member, summary_book

TODAY = dt.date(2025, 1, 1)


def _chinese(tmp: Path) -> Path:
    rows = [["患者编号", "疾病状态", "最佳疗效", "体重"], ["病人1", "复发", "完全缓解", 60], ["病人2", " 难治 ", "", 70.5]]
    return summary_book(tmp / "zh.xlsx", rows=rows)


def _dates_and_kinds(tmp: Path) -> Path:
    def edit(ws):
        ws.append(["S4", dt.datetime(2020, 1, 2), dt.date(2021, 3, 4), dt.time(10, 30)])
        ws.append(["S5", "2020-01-02", "2020/1/2", dt.datetime(2020, 1, 2, 3, 4, 5)])
        ws.append(["S6", True, False, dt.timedelta(hours=30)])
        ws.append(["S7", 1e20, -0.0, 2 ** 60])
        ws.append(["S8", "  ", "", 0.1 + 0.2])
        ws["F12"] = "far"
    return summary_book(tmp / "kinds.xlsx", edit=edit)


def _percent(tmp: Path) -> Path:
    def edit(ws):
        ws["D2"].number_format = "0%"
        ws["D2"] = 0.45
    return summary_book(tmp / "pct.xlsx", edit=edit)


def _merged(tmp: Path) -> Path:
    return summary_book(tmp / "merged.xlsx", edit=lambda ws: ws.merge_cells("B2:B3"))


def _formula(tmp: Path) -> Path:
    return summary_book(tmp / "formula.xlsx", edit=lambda ws: ws.__setitem__("D3", "=D2+1"))


def _hidden(tmp: Path) -> Path:
    path = summary_book(tmp / "hidden.xlsx")
    book = openpyxl.load_workbook(path)
    extra = book.create_sheet("notes")
    extra.append(["x"])
    extra.sheet_state = "hidden"
    book.save(path)
    return path


def _error_cells(tmp: Path) -> Path:
    path = summary_book(tmp / "err.xlsx", edit=lambda ws: ws.__setitem__("D2", "#DIV/0!"))
    return rewrite_member(path, sheet_member(path), lambda x: x.replace(b"<v>70</v>", b"<v>NaN</v>"))


def _gaps(tmp: Path) -> Path:
    path = summary_book(tmp / "gaps.xlsx")
    return rewrite_member(path, sheet_member(path), lambda x: x.replace(b'<row r="4"', b'<row r="9"')
                          .replace(b'r="A4"', b'r="A9"').replace(b'r="B4"', b'r="B9"').replace(b'r="C4"', b'r="C9"')
                          .replace(b'r="D4"', b'r="D9"'))


def _no_header(tmp: Path) -> Path:
    def edit(ws):
        ws.delete_rows(1)
        ws.insert_rows(1)
    return summary_book(tmp / "nohead.xlsx", edit=edit)


def _encrypted(tmp: Path) -> Path:
    return compound_file(tmp / "enc.xlsx", ["EncryptionInfo", "EncryptedPackage"])


BOOKS = {
    "summary": lambda tmp: summary_book(tmp / "s.xlsx"),
    "chinese": _chinese,
    "dates_and_kinds": _dates_and_kinds,
    "percent": _percent,
    "merged": _merged,
    "formula": _formula,
    "hidden": _hidden,
    "error_cells": _error_cells,
    "gaps": _gaps,
    "no_header": _no_header,
    "encrypted": _encrypted,
    "template": lambda tmp: write_template(tmp / "t.xlsx"),
    "synthetic": lambda tmp: write_synthetic_study(tmp / "syn.xlsx", n_patients=40, seed=3),
    "scenario": lambda tmp: write_xlsx(scenario(), tmp / "scen.xlsx"),
    "corrupted": lambda tmp: write_corrupted_xlsx(corrupted_tables(tmp), tmp / "corrupted.xlsx"),
}
#: Workbooks calamine reads itself (nothing only openpyxl sees).
CALAMINE_READS = {"summary", "chinese", "dates_and_kinds", "hidden", "gaps", "no_header", "template", "synthetic",
                  "scenario"}


def _typed(raw):
    """Everything a RawStudy holds, every cell with its Python type (60 and 60.0 differ)."""
    return (raw.source, raw.kind, raw.ignored, raw.notes,
            {name: (s.name, s.file, s.sheet, s.header, list(s.cells.index), list(s.cells.columns),
                    [[(type(v), v) for v in row] for row in s.cells.itertuples(index=False)])
             for name, s in raw.sheets.items()})


@pytest.mark.parametrize("book", sorted(BOOKS))
def test_both_readers_give_the_same_study_and_findings(tmp_path, book):
    path = BOOKS[book](tmp_path)
    fast, reference = read_xlsx(path, reader="calamine"), read_xlsx(path, reader="openpyxl")
    assert _typed(fast) == _typed(reference)
    assert validate_study(fast, today=TODAY)[1].findings == validate_study(reference, today=TODAY)[1].findings


@pytest.mark.parametrize("book", sorted(CALAMINE_READS))
def test_calamine_reads_plain_workbooks_without_openpyxl(tmp_path, book, monkeypatch):
    path = BOOKS[book](tmp_path)
    reference = read_xlsx(path, reader="openpyxl")

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl's row parser was used")
    monkeypatch.setattr("blinrwe.intake.xlsx._read_rows", refuse)
    assert _typed(read_xlsx(path, reader="calamine")) == _typed(reference)


def test_limits_are_refused_alike(tmp_path):
    path = BOOKS["synthetic"](tmp_path)
    for limits in ({"max_rows": 30}, {"max_columns": 5}, {"max_cells": 500}, {"max_uncompressed_mb": 0.05}):
        assert _typed(read_xlsx(path, reader="calamine", **limits)) == _typed(
            read_xlsx(path, reader="openpyxl", **limits))


def test_an_unknown_reader_is_refused(tmp_path):
    with pytest.raises(ValueError):
        read_xlsx(summary_book(tmp_path / "s.xlsx"), reader="xlrd")


@pytest.mark.parametrize("book", ["formula", "synthetic"])
def test_calamine_parses_only_the_sheets_the_scan_has_passed(tmp_path, book, monkeypatch):
    """A sheet is handed to calamine only once the byte scan read it within the size limit (a zip
    member's stated size can lie; zipfile stops at it, calamine might not): a refused sheet is never
    parsed by calamine."""
    from blinrwe.intake import xlsx_calamine

    parsed, calamine = [], xlsx_calamine.CalamineWorkbook

    class Recording:
        def __init__(self, book):
            self.book = book

        @classmethod
        def from_path(cls, path):
            return cls(calamine.from_path(path))

        def get_sheet_by_name(self, name):
            parsed.append(name)
            return self.book.get_sheet_by_name(name)

        def close(self):
            self.book.close()

    path = BOOKS[book](tmp_path)
    monkeypatch.setattr(xlsx_calamine, "CalamineWorkbook", Recording)
    if book == "formula":  # its one table sheet holds a formula: openpyxl reads it, calamine never does
        read_xlsx(path, reader="calamine")
        assert parsed == []
    else:  # every sheet passes: calamine parses them all
        read_xlsx(path, reader="calamine")
        assert len(parsed) > 1
