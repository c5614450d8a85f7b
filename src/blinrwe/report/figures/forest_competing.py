"""Forest plot of relapse with non-relapse mortality as the competing event: the cause-specific
Cox hazard ratios and the Fine-Gray subdistribution hazard ratios of the same covariates, one
block under the other (ARD tables "cause_specific_cox" and "fine_gray",
blinrwe.analysis.competing_regression), drawn by :func:`.forest.forest_plot`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.model.i18n import _

from ..ard_index import as_ard_rows
from ..context import ReportContext
from .base import PlottedFigure
from .forest import FOREST_COLUMNS, cox_forest_rows, forest_plot

__all__ = ["competing_forest_rows", "competing_forest_plot", "has_competing_estimates"]

_BLOCKS = (("cause_specific_cox", "hr", "cox_p", "Cause-specific Cox (relapse; deaths without relapse censored)"),
           ("fine_gray", "shr", "fg_p", "Fine-Gray (subdistribution of relapse)"))


def competing_forest_rows(ard, endpoint: str, context: ReportContext) -> pd.DataFrame:
    """A heading per model, then its terms (reference level first), as :data:`FOREST_COLUMNS` rows."""
    parts = []
    for table, hr, p, heading in _BLOCKS:
        terms = cox_forest_rows(ard, table, endpoint, context, hr=hr, p=p)
        if len(terms):
            head = {c: "" for c in FOREST_COLUMNS} | {"label": _(heading), "kind": "heading", "hr": np.nan,
                                                       "lower": np.nan, "upper": np.nan, "key": (endpoint, table)}
            parts += [pd.DataFrame([head], columns=FOREST_COLUMNS), terms]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FOREST_COLUMNS)


def has_competing_estimates(ard, endpoint: str) -> bool:
    """True when a model has at least one finite ratio to draw."""
    rows = as_ard_rows(ard)
    return any(r["variable"] == endpoint and r["statistic"] in ("hr", "shr") and "reference" not in r["note"]
               and np.isfinite(r["value"]) for t, *_rest in _BLOCKS for r in rows.where(table=t))


def competing_forest_plot(ard, endpoint: str, context: ReportContext, title: str) -> PlottedFigure:
    """The forest plot of both models for ``endpoint`` (file ``figure_forest_competing_<endpoint>``)."""
    rows = competing_forest_rows(ard, endpoint, context)
    return forest_plot(ard, "cause_specific_cox", context, title, name=f"figure_forest_competing_{endpoint}".lower(),
                       endpoint=endpoint, rows=rows)
