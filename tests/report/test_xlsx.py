"""The workbook read back with openpyxl: one sheet per table plus the ARD."""

import math
import zipfile

import openpyxl
import pandas as pd

from blinrwe.report.document import ReportDocument, Section
from blinrwe.report.table_model import DisplayTable, Row
from blinrwe.report.xlsx import sheet_name, write_xlsx


def test_one_sheet_per_table_with_cells(rendered):
    wb = openpyxl.load_workbook(rendered.files["xlsx"])
    tables = rendered.document.tables
    assert wb.sheetnames[-1] == "ARD"
    assert len(wb.sheetnames) == len(tables) + 1
    for name, table in zip(wb.sheetnames, tables):
        ws = wb[name]
        assert ws["A1"].value.endswith(table.title)
        values = [[c.value for c in row] for row in ws.iter_rows(min_row=1)]
        first = 2 + (2 if table.spanning else 1)  # title, blank line, header row(s)
        for i, row in enumerate(table.rows, first):
            assert values[i][0] == row.label
            assert [v if v is not None else "" for v in values[i][1:1 + len(row.cells)]] == list(row.cells)


def test_ard_sheet_holds_the_numbers(rendered, results):
    ws = openpyxl.load_workbook(rendered.files["xlsx"])["ARD"]
    header = [c.value for c in ws[1]]
    assert header == list(results.ard.columns)
    assert ws.max_row == len(results.ard) + 1
    value_col = header.index("value")
    for i in (0, len(results.ard) // 2, len(results.ard) - 1):
        expected = results.ard["value"].iloc[i]
        got = ws.cell(row=i + 2, column=value_col + 1).value
        assert (got is None and math.isnan(expected)) or got == expected


def test_sheet_names_valid_and_unique():
    t = DisplayTable("t", "Time-to-event outcomes by disease setting: [all]", ("A",), (Row("x", ("1",)),))
    used = set()
    a, b = sheet_name(1, t, used), sheet_name(1, t, used)
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert not set("[]:*?/\\") & set(a)


def test_long_similar_titles_give_unique_valid_sheets(tmp_path):
    """Excel's 31 characters cut titles that differ only at the end into the same name;
    every sheet is still there, named uniquely (ignoring case) and validly."""
    stem = "Time-to-event outcomes by minimal residual disease status at the end of cycle"
    titles = [f"{stem} {i}" for i in range(1, 13)] + [stem.upper(), stem, "'quoted'", "[a]:b*c?d/e\\f", "", "\x07bell\tand tab"]
    tables = tuple(DisplayTable(f"t{i}", t, ("A",), (Row("x", ("1",)),)) for i, t in enumerate(titles))
    document = ReportDocument("t", "", "", (Section("s", tables=tables),))
    path = write_xlsx(document, pd.DataFrame({"a": [1]}), tmp_path / "tables.xlsx")
    names = openpyxl.load_workbook(path).sheetnames
    assert len(names) == len(titles) + 1
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert 1 <= len(name) <= 31 and not set("[]:*?/\\") & set(name)
        assert not name.startswith("'") and not name.endswith("'")
        assert not any(ord(c) < 32 for c in name)
    used = set()
    assert [sheet_name(7, tables[0], used) for _ in range(12)] == [sheet_name(7, tables[0], set())] + \
        [f"{sheet_name(7, tables[0], set())[:31 - len(f' ({i})')]} ({i})" for i in range(2, 13)]


def test_text_cells_are_never_formulas(tmp_path):
    hostile = '=HYPERLINK("http://evil.example","x")'
    table = DisplayTable("t", hostile, (hostile, "B"), (Row(hostile, (hostile, "=1+1")),), footnotes=("=2+2",))
    document = ReportDocument("t", "", "", (Section("s", tables=(table,)),))
    ard = pd.DataFrame({"group": [hostile, "\x01ctrl"], "value": [-1.0, float("nan")]})
    path = write_xlsx(document, ard, tmp_path / "tables.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert sum(c.value == hostile for c in cells) >= 4
    assert wb["ARD"]["B2"].value == -1.0 and wb["ARD"]["A3"].value == "\ufffdctrl"
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]
