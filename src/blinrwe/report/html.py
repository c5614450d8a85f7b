"""Self-contained HTML report: inline CSS, figures as inline SVG, no external requests.

Uses the jinja2 template ``templates/report.html.j2`` with autoescaping on: every
label and cell is escaped; only the SVG that matplotlib wrote is inserted raw.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import jinja2

from blinrwe.model.i18n import current_language, translate

from .document import ReportDocument

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("blinrwe.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals["_"] = translate  # the template's own words, in the language of the run

#: CSS font stacks: Latin faces first, then the CJK faces of each platform for Chinese
FONT_STACKS = {
    "en": '"Helvetica Neue", Arial, "DejaVu Sans", sans-serif',
    "zh": ('"Helvetica Neue", Arial, "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
           '"WenQuanYi Micro Hei", "SimHei", "DejaVu Sans", sans-serif'),
}
#: the ``lang`` attribute of the page (BCP 47)
HTML_LANG = {"en": "en", "zh": "zh-CN"}


def _embedded(figure, files: dict) -> str:
    """Inline SVG when an SVG file was written, else the PNG (the written file, or the bytes a
    figure worker sent back) as a base64 data URI, so a figure is drawn once per format and
    never again for the HTML; inline SVG drawn here only for a Figure with neither."""
    svg = next((p for p in files.get("svg", []) if Path(p).stem == figure.name), None)
    if svg is not None:
        text = Path(svg).read_text(encoding="utf-8")
        return text[text.index("<svg"):]
    png = next((p for p in files.get("png", []) if Path(p).stem == figure.name), None)
    png_bytes = Path(png).read_bytes() if png is not None else (figure.png if figure.figure is None else None)
    if png_bytes is None:
        return figure.svg_text()
    data = base64.b64encode(png_bytes).decode("ascii")
    return f'<img alt="{html.escape(figure.title)}" src="data:image/png;base64,{data}" style="max-width:100%">'


def render_html(document: ReportDocument, figure_files: dict | None = None) -> str:
    """The report as one HTML string (figures embedded). ``figure_files`` maps "svg"/"png"
    to the figure files already written (reused instead of drawing again)."""
    svgs = {f.name: _embedded(f, figure_files or {}) for f in document.figures}
    code = current_language()
    return _ENV.get_template("report.html.j2").render(doc=document, svgs=svgs, lang=HTML_LANG.get(code, code),
                                                      font_stack=FONT_STACKS.get(code, FONT_STACKS["en"]))


def write_html(document: ReportDocument, path: Path, figure_files: dict | None = None) -> Path:
    path = Path(path)
    path.write_text(render_html(document, figure_files), encoding="utf-8")
    return path
