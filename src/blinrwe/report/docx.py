"""DOCX report with python-docx: headings, real Word tables (three-line style, header rows
repeated on each page, spanning headers as merged cells), embedded PNG figures, methods.

python-docx has no API for table borders or "repeat header row", so those two are
set on the underlying WordprocessingML (w:tcBorders, w:tblHeader), as Word writes them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from blinrwe.model.i18n import _, current_language
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


#: average width of a character of 8.5 pt Arial, for sizing columns to their text (inches)
_CHAR_IN = 0.068
_CELL_PADDING_IN = 0.16


def _natural_widths(table: DisplayTable) -> list[float]:
    """Width (inches) each column needs: the stub its longest label on one line, a data
    column its longest cell on one line (headers may wrap between words)."""
    stub = max([len(table.stub_header)] + [len(r.label) + 4 * r.level for r in table.rows])
    data = []
    for j, name in enumerate(table.columns):
        # a header wraps between words but not inside "(N = 84)"
        header = max((len(chunk) for chunk in re.findall(r"\([^)]*\)|\S+", name)), default=0)
        data.append(max([header] + [len(r.cells[j]) for r in table.rows]))
    return [n * _CHAR_IN + _CELL_PADDING_IN for n in [stub, *data]]


_MIN_STUB_IN = 1.4


def needs_landscape(table: DisplayTable, portrait_width_in: float) -> bool:
    """A table goes on a landscape page when it has more than six data columns or its
    data columns and a narrow stub cannot fit a portrait page."""
    widths = _natural_widths(table)
    return len(table.columns) > 6 or min(widths[0], _MIN_STUB_IN) + sum(widths[1:]) > portrait_width_in


def _set_widths(word, cells: list, width: int, table: DisplayTable, text_width) -> None:
    """Columns sized to their text: data columns get what their longest cell needs (numbers
    never wrap when they fit), the stub column the rest (labels wrap if they must), and
    any spare width is shared by all columns in proportion.

    Set on the grid (w:gridCol, which LibreOffice follows) and on every cell (w:tcW, Word)."""
    total = text_width / 914400  # EMU -> inches
    natural = _natural_widths(table)
    stub_need, data = natural[0], natural[1:]
    if sum(data) + min(stub_need, _MIN_STUB_IN) <= total:
        stub = min(stub_need, total - sum(data))
        spare = total - stub - sum(data)
        if spare > 0:  # shared in proportion, so the table keeps its shape across the page
            grow = (stub + sum(data) + spare) / (stub + sum(data))
            stub, data = stub * grow, [w * grow for w in data]
    else:  # too wide even so: a narrow stub, data columns shrunk in proportion
        stub = min(stub_need, _MIN_STUB_IN)
        data = [w * (total - stub) / sum(data) for w in data]
    emu = [int(w * 914400) for w in [stub, *data]]
    for j, column in enumerate(word.columns):
        column.width = emu[j]
    for i, cell in enumerate(cells):
        cell.width = emu[i % width]


def add_table(doc, table: DisplayTable, number: int, text_width=None, styles: dict | None = None) -> None:
    """One display table as a Word table with its caption above and footnotes below."""
    styles = styles or _table_styles(doc)
    stub_style, cell_style = styles[_STUB_STYLE], styles[_CELL_STYLE]
    caption = doc.add_paragraph()
    caption.paragraph_format.keep_with_next = True
    run = caption.add_run(_("Table {number}.").format(number=number) + " ")
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

    if n_header > 1:
        _write_cell(at(0, 0), "", stub_style)  # the blank corner above the stub header, in table text size
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
        _set_widths(word, cells, width, table, text_width)
    for note in table.footnotes:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        r = p.add_run(note)
        r.font.size = Pt(8)
    doc.add_paragraph()


_MARGIN = Cm(2.0)


def _orient(doc, landscape: bool):
    """The current section if it already has the orientation, else a new section (new page)
    with it; returns the section's text width (EMU)."""
    section = doc.sections[-1]
    is_landscape = section.orientation == WD_ORIENT.LANDSCAPE
    if is_landscape != landscape:
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = section.page_height, section.page_width
    return section.page_width - section.left_margin - section.right_margin


#: the font Word uses for Chinese characters in a Chinese report (the Latin text stays Arial);
#: Word substitutes an installed CJK face (SimSun, Noto Sans CJK, PingFang) where it is missing
EAST_ASIAN_FONT = "Microsoft YaHei"


def _east_asian_font(doc) -> None:
    """In a Chinese report, name a CJK font and the zh-CN language for East Asian text of the
    normal, title, heading and table styles (Word's ``w:eastAsia`` attributes)."""
    if current_language() != "zh":
        return
    for name in ("Normal", "Title", "Heading 1", _STUB_STYLE, _CELL_STYLE):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")


def write_docx(document: ReportDocument, path: Path, dpi: int = 200, png_files=None) -> Path:
    """Write the report as DOCX: portrait pages, with a landscape section for each run of
    tables too wide for portrait (:func:`needs_landscape`).

    ``png_files`` (figure name -> PNG path) reuses figures already written instead of
    drawing them again."""
    png_files = png_files or {}
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    _east_asian_font(doc)
    section = doc.sections[0]
    for side in ("left_margin", "right_margin"):
        setattr(section, side, _MARGIN)
    portrait_width = section.page_width - section.left_margin - section.right_margin
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
        first_wide = bool(s.tables) and needs_landscape(s.tables[0], portrait_width / 914400)
        _orient(doc, first_wide)  # the heading goes on the page of the section's first table
        doc.add_heading(s.heading, level=1)
        for paragraph in s.paragraphs:
            doc.add_paragraph(paragraph)
        for table in s.tables:
            text_width = _orient(doc, needs_landscape(table, portrait_width / 914400))
            add_table(doc, table, document.table_number(table), text_width, styles)
        for figure in s.figures:
            text_width = _orient(doc, False)
            caption = doc.add_paragraph()
            caption.paragraph_format.keep_with_next = True
            caption.add_run(_("Figure {number}.").format(number=document.figure_number(figure)) + " ").bold = True
            caption.add_run(figure.title).bold = True
            width = min(text_width, Inches(6.5))
            png = Path(png_files[figure.name]).read_bytes() if figure.name in png_files else figure.png_bytes(dpi)
            picture = doc.add_picture(io.BytesIO(png), width=width)
            if picture.height > Inches(8.2):  # tall figures (swimmer plot) fit one page
                ratio = Inches(8.2) / picture.height
                picture.width, picture.height = int(picture.width * ratio), Inches(8.2)
            doc.paragraphs[-1].paragraph_format.keep_with_next = bool(figure.caption)
            if figure.caption:
                note = doc.add_paragraph()
                note.add_run(figure.caption).font.size = Pt(8.5)
    path = Path(path)
    doc.save(path)
    return path
