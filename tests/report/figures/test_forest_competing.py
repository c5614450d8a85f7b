"""The forest plot of both models: a heading per model, its terms beneath, drawn by forest_plot."""

import numpy as np

from blinrwe.report import ReportContext
from blinrwe.report.figures.forest_competing import competing_forest_plot, competing_forest_rows

from ..competing_ard import competing_ard

CONTEXT = ReportContext()


def test_rows_are_a_heading_per_model_then_its_terms():
    ard = competing_ard(covariates=("age", "ph"))
    rows = competing_forest_rows(ard, "CIR", CONTEXT)
    assert list(rows["kind"]) == ["heading", "estimate", "reference", "estimate"] * 2
    assert rows["label"].iloc[0].startswith("Cause-specific Cox") and rows["label"].iloc[4].startswith("Fine-Gray")
    shr = ard[(ard.table == "fine_gray") & (ard.statistic == "shr") & (ard.level == "ph[positive]")].iloc[0]
    assert rows["hr"].iloc[7] == shr.value and rows["p_text"].iloc[7] != ""


def test_plot_draws_every_estimate_and_marks_references():
    ard = competing_ard(covariates=("age", "ph"))
    plotted = competing_forest_plot(ard, "CIR", CONTEXT, "Relapse")
    hr = plotted.data["hazard_ratios"]
    assert len(hr) == 4 and np.isfinite(hr["hr"]).all()
    assert "Open diamonds" in plotted.caption
    assert plotted.figure.axes[0].get_xscale() == "log"


def test_a_ne_term_is_listed_but_not_drawn():
    plotted = competing_forest_plot(competing_ard(), "CIR", CONTEXT, "Relapse")
    hr = plotted.data["hazard_ratios"]
    assert hr["hr"].isna().any() and (hr.loc[hr["hr"].isna(), "text"] == "NE").all()
