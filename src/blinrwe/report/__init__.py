"""The report layer: the only layer that makes strings.

Turns :class:`blinrwe.analysis.results.StudyResults` into the tables, figures and
text a journal expects: a self-contained HTML report, a DOCX with real Word tables
and embedded figures, an XLSX of all tables plus the ARD, and every figure as PNG,
SVG and PDF. It never computes a statistic: every number is read from the ARD, the
curves, risk tables and flows.

Public API: :func:`render_report`, :class:`ReportContext`, :func:`build_document`
(:func:`plan_document` for the tables first and the figures as jobs to draw).
"""

from .context import ReportContext
from .document import ReportDocument, build_document, plan_document
from .render import FORMATS, RenderedReport, render_report

__all__ = ["ReportContext", "ReportDocument", "RenderedReport", "build_document", "plan_document", "render_report", "FORMATS"]
