"""DOCX report with python-docx: headings, real Word tables (three-line style, header rows
repeated on each page, spanning headers as merged cells), embedded PNG figures, methods.

python-docx has no API for table borders or "repeat header row", so those two are
set on the underlying WordprocessingML (w:tcBorders, w:tblHeader), as Word writes them.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Pt, RGBColor

from .document import ReportDocument
from .table_model import DisplayTable

_TABLE_FONT = Pt(8.5)


def _border(cell, **edges) -> None:
    """Set cell borders, e.g. top=("single", 12) (size in eighths of a point)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge, (style, size) in edges.items():
        element = borders.find(qn(f"w:{edge}"))
        if element is None:
            element = OxmlElement(f"w:{edge}")
            borders.append(element)
        element.set(qn("w:val"), style)
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


_STUB_STYLE = "Table stub"
_CELL_STYLE = "Table cell"


def _table_styles(doc) -> dict:
    """Paragraph styles of table text, defined once per document: every cell then names its
    style instead of carrying its own font size, spacing and alignment (python-docx writes
    each run/paragraph property as XML, which dominated the writing time)."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = {}
    for name, align in ((_STUB_STYLE, WD_ALIGN_PARAGRAPH.LEFT), (_CELL_STYLE, WD_ALIGN_PARAGRAPH.CENTER)):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.size = _TABLE_FONT
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.alignment = align
        styles[name] = style
    return styles


def _write_cell(cell, text: str, style, bold: bool = False, indent_level: int = 0) -> None:
    """Text into a new (empty) cell: its one paragraph gets the style and a single run."""
    paragraph = cell.paragraphs[0]
    # the style id written directly: Paragraph.style = ... looks the style up among all styles each time
    paragraph._p.get_or_add_pPr().style = style.style_id
    if indent_level:
        paragraph.paragraph_format.left_indent = Cm(0.35 * indent_level)
    if text:
        run = paragraph.add_run(text)
        if bold:
            run.bold = True


def _set_widths(cells: list, width: int, table: DisplayTable, text_width) -> None:
    """Stub column wide enough for indented labels, data columns share the rest."""
    n_data = len(table.columns)
    stub = int(text_width * (0.34 if n_data > 2 else 0.45))
    data = int((text_width - stub) / max(n_data, 1))
    for i, cell in enumerate(cells):
        cell.width = stub if i % width == 0 else data


def add_table(doc, table: DisplayTable, number: int, text_width=None, styles: dict | None = None) -> None:
    """One display table as a Word table with its caption above and footnotes below."""
    styles = styles or _table_styles(doc)
    stub_style, cell_style = styles[_STUB_STYLE], styles[_CELL_STYLE]
    caption = doc.add_paragraph()
    caption.paragraph_format.keep_with_next = True
    run = caption.add_run(f"Table {number}. ")
    run.bold = True
    caption.add_run(table.title).bold = True
    n_header = 2 if table.spanning else 1
    width = 1 + len(table.columns)
    word = doc.add_table(rows=n_header + len(table.rows), cols=width)
    word.alignment = WD_TABLE_ALIGNMENT.CENTER
    word.autofit = text_width is None
    spans = []
    if table.spanning:
        col = 1
        for h in table.spanning:
            if h.span > 1:
                word.cell(0, col).merge(word.cell(0, col + h.span - 1))
            spans.append((col, h))
            col += h.span
    # python-docx computes the whole cell grid for every row.cells / table.cell call;
    # take it once (row-major, a merged cell repeated over its span)
    cells = word._cells

    def at(r: int, c: int):
        return cells[r * width + c]

    for col, h in spans:
        _write_cell(at(0, col), h.text, cell_style, bold=True)
        if h.text:
            for c in range(col, col + h.span):
                _border(at(0, c), bottom=("single", 4))
    last = n_header - 1
    _write_cell(at(last, 0), table.stub_header, stub_style, bold=True)
    for j, name in enumerate(table.columns, 1):
        _write_cell(at(last, j), name, cell_style, bold=True)
    for i, row in enumerate(table.rows, n_header):
        _write_cell(at(i, 0), row.label, stub_style, bold=row.is_heading, indent_level=row.level)
        for j, text in enumerate(row.cells, 1):
            _write_cell(at(i, j), text, cell_style)
    for r in range(n_header):
        _repeat_header(word.rows[r])
    # Three-line style: heavy rule above the header, thin rule under it, heavy rule at the end.
    n_rows = n_header + len(table.rows)
    for c in range(width):
        _border(at(0, c), top=("single", 12))
        _border(at(last, c), bottom=("single", 6))
        _border(at(n_rows - 1, c), bottom=("single", 12))
    if text_width is not None:
        _set_widths(cells, width, table, text_width)
    for note in table.footnotes:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        r = p.add_run(note)
        r.font.size = Pt(8)
    doc.add_paragraph()


def write_docx(document: ReportDocument, path: Path, dpi: int = 200, png_files=None) -> Path:
    """Write the report as DOCX (landscape when a table has more than six data columns).

    ``png_files`` (figure name -> PNG path) reuses figures already written instead of
    drawing them again."""
    png_files = png_files or {}
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    section = doc.sections[0]
    if any(len(t.columns) > 6 for t in document.tables):
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    text_width = section.page_width - section.left_margin - section.right_margin
    styles = _table_styles(doc)
    doc.add_heading(document.title, level=0)
    if document.subtitle:
        doc.add_paragraph(document.subtitle)
    if document.notice:
        p = doc.add_paragraph()
        run = p.add_run(document.notice)
        run.bold = True
        run.font.color.rgb = RGBColor(0xD5, 0x5E, 0x00)
    for s in document.sections:
        doc.add_heading(s.heading, level=1)
        for paragraph in s.paragraphs:
            doc.add_paragraph(paragraph)
        for table in s.tables:
            add_table(doc, table, document.table_number(table), text_width, styles)
        for figure in s.figures:
            caption = doc.add_paragraph()
            caption.paragraph_format.keep_with_next = True
            caption.add_run(f"Figure {document.figure_number(figure)}. ").bold = True
            caption.add_run(figure.title).bold = True
            width = min(text_width, Inches(6.5))
            png = Path(png_files[figure.name]).read_bytes() if figure.name in png_files else figure.png_bytes(dpi)
            doc.add_picture(io.BytesIO(png), width=width)
            if figure.caption:
                note = doc.add_paragraph()
                note.add_run(figure.caption).font.size = Pt(8.5)
    path = Path(path)
    doc.save(path)
    return path
