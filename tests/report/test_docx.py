"""The DOCX read back with python-docx: real tables with the display cells, figures embedded."""

from pathlib import Path

import docx
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
