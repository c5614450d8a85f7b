"""The calamine reader gives the openpyxl reader's RawStudy and findings, cell for cell, on every
kind of workbook the suite writes (template, synthetic study, corrupted and clinic-mistake ones)."""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from blinrwe.examples.synthetic import write_synthetic_study
from blinrwe.intake import read_xlsx, write_template, xlsx_calamine
from blinrwe.intake.limits import ReadLimits
from blinrwe.intake.sheet import is_empty
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


def _value_markup(name: str, value: bytes, cell: bytes = b'<c r="D3" t="n">'):
    """A value written with markup openpyxl and calamine read differently: openpyxl's reader takes it."""
    def write(tmp: Path) -> Path:
        path = summary_book(tmp / f"{name}.xlsx")
        return rewrite_member(path, sheet_member(path), lambda x: x.replace(b'<c r="D3" t="n"><v>70</v>',
                                                                            cell + b"<v>" + value + b"</v>"))
    return write


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
    "comment_in_value": _value_markup("comment", b"<!-- x -->NaN"),
    "cdata_value": _value_markup("cdata", b"<![CDATA[NaN]]>"),
    "character_reference": _value_markup("reference", b"&#78;aN"),
    "error_single_quoted": _value_markup("quoted", b"#DIV/0!", b"<c r=\"D3\" t='e'>"),
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


def _sheet_xml(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n) for n in sorted(z.namelist()) if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]


#: Bytes the scan's rules are about (and some they are not), put anywhere in real sheet XML.
SNIPPETS = [b"<f>A1</f>", b"<f/>", b"<x:c>", b"<row>", b"<c>", b'<mergeCell ref="A1:B2"/>', b't="e"', b"<v>NaN</v>",
            b"<v> inf</v>", b"<v>-nan</v>", b"<v>#N/A</v>", b"<v>&#78;aN</v>", b"<v>7&amp;</v>", b"&amp;",
            b"<!-- x -->", b"<![CDATA[1]]>", b"<!DOCTYPE x>", b'<row r="1">', b'<row r="0">', b'<row r="x">',
            b'<row spans="1:2" r="3">', b'<row r="99999999">', b'<c t="n">', b'<c r="XFD1">', b'<c r="AAAA1">',
            b'<c r="ZZ1">', b'<c r="a1">', b' s="3"', b"<v></v>", b"<v>+.5</v>", b"<v>-x</v>", b"<v xml:space>", b"<",
            b"</", b"<is><t>&lt;</t></is>", b"<t>", b"<mergeCells>", b'<c\tr="ZZ1">', b'<row\nr="5">', b'<s:c r="A1">',
            b"<s:sheetData>", b"<f\r>", b"<c/>", b"<row/>", b"<xm:f>x</xm:f>", b'<x14:cfRule type="x">', b"<t\t>",
            b'<abcdefgh:c r="ZZ9">', b'<mergeCell\tref="A1:B2"/>', b"<sheetData\n>", b'<hyperlink ref="A1"/>']
LIMITS = [ReadLimits(), ReadLimits(max_rows=30), ReadLimits(max_columns=5), ReadLimits(max_cells=500)]


_MAIN = b'xmlns:s="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@pytest.mark.parametrize("far", [b'<row\tr="200"><c\tr="Z200" t="n"><v>1</v></c></row>',
                                 b'<row r="200"><c\nr="Z200" t="n"><v>1</v></c></row>',
                                 b'<s:row ' + _MAIN + b' r="200"><s:c r="Z200" t="n"><s:v>1</s:v></s:c></s:row>'])
def test_cells_the_counts_would_miss_are_refused_alike(tmp_path, far):
    """A cell far away, written so that the byte counts miss it (white space other than a space after the
    tag's name, a namespace prefix) but calamine reads it: the limits are the openpyxl reader's, and calamine
    never parses the sheet (a cell at XFD1048576 would be a grid of 17 billion cells)."""
    path = summary_book(tmp_path / "far.xlsx")
    rewrite_member(path, sheet_member(path), lambda x: x.replace(b"</sheetData>", far + b"</sheetData>"))
    for limits in ({"max_columns": 20}, {"max_rows": 100}, {}):
        assert _typed(read_xlsx(path, reader="calamine", **limits)) == _typed(read_xlsx(path, reader="openpyxl",
                                                                                        **limits))
    assert read_xlsx(path, max_columns=20).notes[0].code == "INPUT_TOO_LARGE"
    with zipfile.ZipFile(path) as z:
        assert not xlsx_calamine._scan(z.read(sheet_member(path)), None, ReadLimits())


def test_the_quick_scan_clears_plain_sheets(tmp_path):
    for book in ("summary", "synthetic", "template", "dates_and_kinds"):
        for data in _sheet_xml(BOOKS[book](tmp_path)):
            assert xlsx_calamine._quick_scan(data, None, ReadLimits()) is True


def test_the_quick_scan_agrees_with_the_rules(tmp_path):
    """The numpy scan allows a sheet only where the byte rules do, and defers to them otherwise:
    each snippet is put at random places (the end too) of real sheet XML, under several limits."""
    rng = random.Random(7)
    sheets = _sheet_xml(BOOKS["synthetic"](tmp_path)) + _sheet_xml(BOOKS["summary"](tmp_path))
    percent = re.compile(rb'\ss\s*=\s*["\'](?:3)["\']')
    for data in sheets:
        cases = [data, data.replace(b'<row r="3"', b'<row r="1"', 1), data[:len(data) // 2]]
        for snippet in SNIPPETS:
            for at in [len(data) - 5, len(data)] + [rng.randrange(len(data)) for _ in range(3)]:
                cases.append(data[:at] + snippet + data[at:])
        for case in cases:
            for limits in LIMITS:
                for refs in (None, percent):
                    quick, rules = xlsx_calamine._quick_scan(case, refs, limits), xlsx_calamine._scan_allows(
                        case, refs, limits)
                    assert quick is None or (quick is True and rules), (case[:200], limits)
                    assert xlsx_calamine._scan(case, refs, limits) == rules


_KINDS = ["", " ", "\t", "text", " padded ", "NaN", 0.0, -0.0, 1.0, 2.5, 60.0, 2.0 ** 53, 1e20, float("nan"),
          float("inf"), True, False, 7, dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4), dt.datetime(2020, 1, 2),
          dt.time(10, 30), dt.timedelta(hours=30)]


def _reference_cell(v):
    """One calamine value as openpyxl gives it, cell by cell (the conversion's specification)."""
    if type(v) is str and v == "":
        return None
    if type(v) is float and abs(v) < 2.0 ** 53 and v == int(v):  # (NaN and inf are not below 2**53)
        return int(v)
    if type(v) is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    if type(v) is dt.time:
        return v.isoformat()
    return v


@pytest.mark.parametrize("seed", range(40))
def test_cells_are_converted_as_cell_by_cell(seed):
    rng = random.Random(seed)
    pool = rng.sample(_KINDS, rng.randint(1, 4))  # a column of a few kinds of value, most often one
    values = np.empty(rng.randint(0, 30), dtype=object)
    values[:] = [rng.choice(pool) for _ in range(len(values))]
    cells, blank = xlsx_calamine._cells(values)
    expected = [_reference_cell(v) for v in values]

    def typed(v):
        return type(v), "NaN" if v != v else v
    assert [typed(c) for c in cells] == [typed(e) for e in expected]
    assert blank.tolist() == [is_empty(e) for e in expected]


def test_rows_of_different_lengths_are_padded():
    sheet = xlsx_calamine.sheet_of_rows("t", "f.xlsx", "t", [["a", "b"], [1.0], ["", 2.5, "x"]])
    assert sheet.header == ("a", "b", "")  # (a value past the last header cell: a column without a name)
    assert sheet.cells.loc[2].tolist() == [1, None, None] and sheet.cells.loc[3].tolist() == [None, 2.5, "x"]
