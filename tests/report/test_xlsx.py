"""The workbook read back with openpyxl: one sheet per table plus the ARD."""

import math

import openpyxl

from blinrwe.report.table_model import DisplayTable, Row
from blinrwe.report.xlsx import sheet_name


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
