"""What the time-to-event and competing-risk sections add: the tables, and a forest plot only
when a ratio could be estimated."""

from blinrwe.analysis.ard import ard_frame, ard_row, not_estimable
from blinrwe.report import ReportContext
from blinrwe.report.competing_sections import competing_regression_parts, summary_measure_tables
from blinrwe.report.figures.forest_competing import competing_forest_plot

from .competing_ard import competing_ard

CONTEXT = ReportContext(landmarks=(6.0, 12.0))


def test_summary_measure_tables_follow_the_ard():
    ard = competing_ard()
    assert [t.table_id for t in summary_measure_tables(ard, CONTEXT)] == ["rmst", "survival_difference"]
    without = ard[ard.table != "rmst"]
    assert [t.table_id for t in summary_measure_tables(without, CONTEXT)] == ["survival_difference"]


def test_regression_table_and_forest_job():
    tables, figures = competing_regression_parts(competing_ard(covariates=("age", "ph")), CONTEXT)
    assert [t.table_id for t in tables] == ["competing_regression_CIR"]
    assert len(figures) == 1 and figures[0].builder is competing_forest_plot
    plotted = figures[0].draw()
    assert plotted.name == "figure_forest_competing_cir"


def test_no_forest_when_nothing_is_estimable():
    failed = ard_frame([ard_row("competing_regression", t, "CIR", s, None, level="age",
                                note=not_estimable("no relapses among the patients analysed"))
                        for t, s in (("cause_specific_cox", "hr"), ("fine_gray", "shr"))])
    tables, figures = competing_regression_parts(failed, CONTEXT)
    assert len(tables) == 1 and figures == []
