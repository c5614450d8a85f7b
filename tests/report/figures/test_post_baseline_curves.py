"""Simon-Makuch and landmark figures draw the analysis layer's steps with their own test, axis and title."""

import pytest

from blinrwe.analysis import AnalysisSettings, analyse_study
from blinrwe.derive import derive_analysis_data
from blinrwe.examples import synthetic_cohort
from blinrwe.report import ReportContext
from blinrwe.report.figures.post_baseline_curves import (
    landmark_plot,
    landmark_time,
    post_baseline_figure_jobs,
    simon_makuch_plot,
)
from blinrwe.report.formatting import format_p_value


@pytest.fixture(scope="module")
def results():
    data = derive_analysis_data(synthetic_cohort(150, 5))
    return analyse_study(data, AnalysisSettings(endpoints=("OS",), cox_endpoints=(), subgroups=("allo_hsct_after",),
                                                within=(), postbaseline_landmarks=(3.0,)))


@pytest.fixture(scope="module")
def context():
    return ReportContext(title="t")


def _p(results, statistic):
    a = results.ard
    return a.loc[(a.statistic == statistic), "value"].iloc[0]


def test_simon_makuch_figure(results, context):
    analysis = "OS:none:allo_hsct_after:simon_makuch"
    fig = simon_makuch_plot(results.curves, results.risk_tables, results.ard, analysis, context)
    legend = fig.figure.axes[0].get_legend()
    assert legend.get_title().get_text() == f"Mantel-Byar p = {format_p_value(_p(results, 'mantel_byar_p'))}"
    assert fig.title == "Simon-Makuch estimate of overall survival (OS) by allo-HSCT after blinatumomab"
    risk = fig.data["risk_table"]
    assert set(risk["group"]) == {"no", "yes"}
    assert risk.loc[(risk.group == "yes") & (risk.time == 0), "n_risk"].iloc[0] == 0  # nobody transplanted at 0
    assert "numbers at risk move between the curves" in fig.caption
    assert fig.name == "figure_simon_makuch_os_none_allo_hsct_after"


def test_landmark_figure(results, context):
    analysis = "OS:none:allo_hsct_after:landmark=3"
    assert landmark_time(analysis) == 3.0
    fig = landmark_plot(results.curves, results.risk_tables, results.ard, analysis, context)
    ax = fig.figure.axes[0]
    assert ax.get_xlabel() == "Months since the landmark (3 months after time 0)"
    p = format_p_value(_p(results, "landmark_logrank_p"))
    assert ax.get_legend().get_title().get_text() == f"Log-rank from the landmark p = {p}"
    at = results.ard[(results.ard.statistic == "landmark_n") & (results.ard.group == "yes")]["value"].iloc[0]
    assert fig.data["curves"].query("group == 'yes'")["n_risk"].iloc[0] == at  # the legend's n is at the landmark


def test_one_job_per_analysis(results, context):
    jobs = post_baseline_figure_jobs(results.curves, results.risk_tables, results.ard, context)
    assert [j.builder.__name__ for j in jobs] == ["simon_makuch_plot", "landmark_plot"]
    drawn = jobs[1].draw()
    assert drawn.figure is not None
