"""The DOCX read back with python-docx: real tables with the display cells, figures embedded."""

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn


def test_tables_match_display_tables(rendered):
    document = docx.Document(str(rendered.files["docx"]))
    tables = rendered.document.tables
    assert len(document.tables) == len(tables)
    for word, table in zip(document.tables, tables):
        n_header = 2 if table.spanning else 1
        assert len(word.rows) == n_header + len(table.rows)
        header = [c.text for c in word.rows[n_header - 1].cells]
        assert header == [table.stub_header, *table.columns]
        for word_row, row in zip(word.rows[n_header:], table.rows):
            assert [c.text for c in word_row.cells] == [row.label, *row.cells]
        # header rows repeat on every page
        assert word.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_figures_headings_and_methods(rendered):
    document = docx.Document(str(rendered.files["docx"]))
    assert len(document.inline_shapes) == len(rendered.document.figures)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Methods" in headings and "Safety" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Kaplan-Meier product-limit estimator" in text
    assert Path(rendered.files["docx"]).stat().st_size > 10_000


def test_wide_tables_get_a_landscape_section_and_fitted_columns(tmp_path):
    from docx.enum.section import WD_ORIENT

    from blinrwe.report.docx import needs_landscape, write_docx
    from blinrwe.report.document import ReportDocument, Section
    from blinrwe.report.table_model import DisplayTable, Row

    narrow = DisplayTable("n", "Narrow", ("Overall (N = 96)",), (Row("Age at first infusion, years", ("34.0 (11.0-67.0)",)),))
    wide = DisplayTable("w", "Wide", tuple(f"Group {i} (N = 12)" for i in range(8)),
                        (Row("Complete remission with incomplete recovery", tuple("12/40 (30.0%)" for _ in range(8))),))
    assert not needs_landscape(narrow, 6.3) and needs_landscape(wide, 6.3)
    document = ReportDocument("T", "", "", (Section("A", tables=(narrow,)), Section("B", tables=(wide,)), Section("C", tables=(narrow,))))
    path = write_docx(document, tmp_path / "r.docx")
    word = docx.Document(str(path))
    assert [s.orientation for s in word.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    # columns sized to their text: the data cells of the narrow table fit on one line, the stub gets the rest
    grid = [int(c.get(qn("w:w"))) for c in word.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))]
    section = word.sections[0]
    assert sum(grid) * 635 == pytest.approx(section.page_width - section.left_margin - section.right_margin, rel=0.01)
    assert grid[0] > grid[1]
