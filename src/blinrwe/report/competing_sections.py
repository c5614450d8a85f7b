"""What the report's time-to-event and competing-risk sections add from issue 9: the RMST and
survival-difference tables (after the Kaplan-Meier tables), and the cause-specific Cox beside
Fine-Gray table with its forest plot (after the cumulative incidences). Called by
:mod:`blinrwe.report.document`; tables and figure jobs only, nothing computed.
"""

from __future__ import annotations

from blinrwe.model.i18n import _

from .ard_index import as_ard_index
from .context import ReportContext
from .figures.base import FigureJob
from .figures.forest_competing import competing_forest_plot, has_competing_estimates
from .table_model import DisplayTable
from .tables_competing import MODELS, competing_regression_table, rmst_table, survival_difference_table

__all__ = ["summary_measure_tables", "competing_regression_parts"]


def summary_measure_tables(ard, context: ReportContext) -> list[DisplayTable]:
    """The RMST table (when ``[survival] rmst_tau`` gave rows) and the survival differences."""
    index = as_ard_index(ard)
    out = []
    if len(index.table("rmst")):
        out.append(rmst_table(index, context))
    if len(index.table("survival_difference")):
        out.append(survival_difference_table(index, context))
    return out


def competing_regression_parts(ard, context: ReportContext) -> tuple[list[DisplayTable], list[FigureJob]]:
    """Per competing-risk endpoint with model rows: the side-by-side table and, when a ratio could be
    estimated, the forest plot of both models."""
    index = as_ard_index(ard)
    tables, figures = [], []
    endpoints = dict.fromkeys(r["variable"] for t in MODELS for r in index.table(t))
    for endpoint in endpoints:
        tables.append(competing_regression_table(index, context, endpoint))
        if has_competing_estimates(index, endpoint):
            rows = index.tables(list(MODELS)).where(variable=endpoint)
            title = _("Relapse: cause-specific and subdistribution hazard ratios ({endpoint})").format(
                endpoint=endpoint)
            figures.append(FigureJob(competing_forest_plot, (rows, endpoint, context, title)))
    return tables, figures
