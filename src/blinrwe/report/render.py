"""Entry point of the report layer: :func:`render_report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from blinrwe.errors import SpecificationError

from .context import ReportContext
from .disclosure import suppress_small_cells
from .document import ReportDocument, plan_document
from .docx import write_docx
from .figures.batch import FigureBatch
from .html import write_html
from .results_csv import write_results_csv
from .xlsx import write_xlsx

FORMATS = ("html", "docx", "xlsx", "csv", "png", "svg", "pdf")
FIGURE_FORMATS = ("png", "svg", "pdf")
#: figures are drawn in this many worker processes (the target machine has 2 cores)
FIGURE_WORKERS = 2


@dataclass(frozen=True, eq=False)
class RenderedReport:
    """What was written: ``files`` maps "html"/"docx"/"xlsx" to a path and each figure
    format to the list of figure files; ``document`` holds the tables and figures (each
    figure's name, title, caption and plotted data; its matplotlib ``figure`` is None when
    the figure was written to files, which is all the writers use)."""

    document: ReportDocument
    files: dict = field(default_factory=dict)


def render_report(results, context: ReportContext, out_dir, formats=FORMATS, findings=None,
                  workers: int = FIGURE_WORKERS) -> RenderedReport:
    """Write the study report into ``out_dir``.

    ``results`` is a :class:`blinrwe.analysis.results.StudyResults`; ``context`` the
    :class:`ReportContext` built from the spec; ``formats`` any of "html" (report.html,
    self-contained), "docx" (report.docx), "xlsx" (tables.xlsx: every table plus the
    ARD), "csv" (results.csv: the ARD, formula-like text escaped), "png", "svg", "pdf"
    (each figure under figures/). With ``context.min_cell`` of 2 or more, small counts are
    suppressed in the results first (:mod:`blinrwe.report.disclosure`), so every output
    shows the same masked results. ``findings`` overrides
    ``results.findings`` for the data-quality appendix. Figures are drawn and written
    in ``workers`` processes (1: in this process); the files do not depend on it.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise SpecificationError(f"report format(s) {', '.join(map(repr, unknown))} not supported; choose from {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figure_formats = [f for f in FIGURE_FORMATS if f in formats]
    files: dict = {fmt: [] for fmt in figure_formats}
    results = suppress_small_cells(results, context.min_cell)  # before anything is formatted or drawn
    if "csv" in formats:
        files["csv"] = write_results_csv(results.ard, out / "results.csv")
    plan = plan_document(results, context, findings)
    # figures are drawn only for an output that shows them (an XLSX-only run draws none and
    # its document keeps them as jobs), each once, in the formats asked for; the Figures stay
    # in the workers: HTML embeds the SVG or PNG file, DOCX the PNG file, and without a PNG
    # file the workers send back the PNG bytes to embed (never drawing an unasked SVG)
    shown = bool(figure_formats) or "html" in formats or "docx" in formats
    embed_png = "png" not in figure_formats and ("docx" in formats or ("html" in formats and "svg" not in figure_formats))
    batch = FigureBatch(plan.figure_jobs if shown else [], out / "figures", figure_formats, context.figure_dpi, workers,
                        keep_figures=False, embed_png=embed_png)
    with batch:
        if "xlsx" in formats:  # tables only: written while the workers draw
            files["xlsx"] = write_xlsx(plan, results.ard, out / "tables.xlsx")
        drawn = batch.results()
    for _, paths in drawn:
        for fmt, path in paths.items():
            files[fmt].append(path)
    document = plan.with_figures([plotted for plotted, _ in drawn]) if shown else plan
    if "html" in formats:
        files["html"] = write_html(document, out / "report.html", files)
    if "docx" in formats:
        pngs = {p.stem: p for p in files.get("png", [])}
        files["docx"] = write_docx(document, out / "report.docx", context.figure_dpi, pngs)
    return RenderedReport(document, files)
