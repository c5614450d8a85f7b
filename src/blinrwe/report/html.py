"""Self-contained HTML report: inline CSS, figures as inline SVG, no external requests.

Uses the jinja2 template ``templates/report.html.j2`` with autoescaping on: every
label and cell is escaped; only the SVG that matplotlib wrote is inserted raw.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from .document import ReportDocument

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("blinrwe.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(document: ReportDocument) -> str:
    """The report as one HTML string (figures embedded)."""
    svgs = {f.name: f.svg_text() for f in document.figures}
    return _ENV.get_template("report.html.j2").render(doc=document, svgs=svgs)


def write_html(document: ReportDocument, path: Path) -> Path:
    path = Path(path)
    path.write_text(render_html(document), encoding="utf-8")
    return path
