"""The side-by-side cause-specific / Fine-Gray table, the RMST and survival-difference tables:
what they print is the ARD's, NE with the reason, Chinese for every string."""

import pytest

from blinrwe.model import i18n
from blinrwe.report import ReportContext
from blinrwe.report.tables_competing import (
    competing_regression_table,
    competing_regression_tables,
    rmst_table,
    survival_difference_table,
)

from tests.analysis.golden_cohort import golden_cohort

from .competing_ard import competing_ard


@pytest.fixture(scope="module")
def ard():
    return competing_ard(covariates=("age", "ph"))


@pytest.fixture(scope="module")
def ard_rare():
    return competing_ard()


CONTEXT = ReportContext(landmarks=(6.0, 12.0))


def _row(table, key):
    return next(r for r in table.rows if r.key == key)


def test_cause_specific_beside_fine_gray(ard):
    table = competing_regression_table(ard, CONTEXT, "CIR")
    assert [s.text for s in table.spanning] == ["Cause-specific Cox", "Fine-Gray"]
    hr = ard[(ard.table == "cause_specific_cox") & (ard.level == "ph[positive]") & (ard.statistic == "hr")].iloc[0]
    shr = ard[(ard.table == "fine_gray") & (ard.level == "ph[positive]") & (ard.statistic == "shr")].iloc[0]
    cells = _row(table, ("CIR", "ph[positive]")).cells
    assert cells[0] == f"{hr.value:.2f} ({hr.lower:.2f}-{hr.upper:.2f})"
    assert cells[2] == f"{shr.value:.2f} ({shr.lower:.2f}-{shr.upper:.2f})"
    assert _row(table, ("CIR", "ph[negative]")).cells[0] == "1 (reference)"
    assert any("deaths without relapse (competing event)" in f for f in table.footnotes)
    assert [t.table_id for t in competing_regression_tables(ard, CONTEXT)] == ["competing_regression_CIR"]


def test_a_level_without_relapses_is_ne_in_both_models_with_the_reason(ard_rare):
    table = competing_regression_table(ard_rare, CONTEXT, "CIR")
    cells = _row(table, ("CIR", "rare[yes]")).cells
    assert cells[0] == "NE" and cells[2] == "NE"
    assert any(f.startswith("NE (not estimable): no events in level yes of rare") for f in table.footnotes)
    assert any(f.startswith("NE (not estimable): no relapses in level yes of rare") for f in table.footnotes)
    # the cause-specific Cox still estimates the other terms; Fine-Gray has no variance beside a diverging term
    assert _row(table, ("CIR", "age")).cells[0] != "NE"
    assert any("another coefficient diverges" in f for f in table.footnotes)


def test_a_model_that_could_not_be_fitted_still_prints_a_row_and_the_reason():
    ard = competing_ard(covariates=("age",))
    ard = ard[~ard.table.isin(["cause_specific_cox", "fine_gray"])]
    from blinrwe.analysis.ard import ard_frame, ard_row, not_estimable
    failed = ard_frame([ard_row("competing_regression", t, "CIR", s, None, level="age",
                                note=not_estimable("no relapses among the patients analysed"))
                        for t, s in (("cause_specific_cox", "hr"), ("fine_gray", "shr"))])
    table = competing_regression_table(failed, CONTEXT, "CIR")
    assert table.rows and table.rows[0].cells[0] == "NE"
    assert any("no relapses among the patients analysed" in f for f in table.footnotes)


def test_rmst_table_prints_groups_and_the_difference(ard):
    table = rmst_table(ard, CONTEXT)
    assert table.title == "Restricted mean survival time to 12 months"
    overall = _row(table, ("OS", "none", "", "Overall"))
    rec = ard[(ard.statistic == "rmst") & (ard.group == "Overall")].iloc[0]
    assert overall.cells[0] == str(len(golden_cohort().adsl))
    assert overall.cells[1] == f"{rec.value:.1f} (95% CI {rec.lower:.1f}-{rec.upper:.1f})"
    diff = _row(table, ("OS", "none", "ph", "difference"))
    assert diff.label == "Difference, Negative minus Positive"
    assert ", " in diff.cells[1] and diff.cells[2]  # bounds "a, b" (a minus sign beside "-" would confuse)


def test_rmst_beyond_follow_up_prints_ne_with_the_reason():
    table = rmst_table(competing_ard(tau=400.0), CONTEXT)
    assert _row(table, ("OS", "none", "", "Overall")).cells[1] == "NE"
    assert any("beyond the follow-up" in f for f in table.footnotes)


def test_survival_difference_per_landmark(ard):
    table = survival_difference_table(ard, CONTEXT)
    assert [s.text for s in table.spanning] == ["At 6 months", "At 12 months", "At 500 months"]
    row = _row(table, ("OS", "none", "ph"))
    rec = ard[(ard.statistic == "surv_diff") & (ard.time == 6.0)].iloc[0]
    assert row.cells[0] == f"{100 * rec.value:.1f} (95% CI {100 * rec.lower:.1f}, {100 * rec.upper:.1f})"
    assert row.cells[4] == "NE"
    assert any("beyond the follow-up" in f for f in table.footnotes)


def test_every_string_has_chinese(ard):
    i18n.reset_missing()
    with i18n.language("zh"):
        tables = [competing_regression_table(ard, CONTEXT, "CIR"), rmst_table(ard, CONTEXT),
                  survival_difference_table(ard, CONTEXT),
                  rmst_table(ard, ReportContext(time_unit="days")), survival_difference_table(ard, ReportContext(time_unit="days"))]
    ours = {text for _, text in i18n.missing_translations()} & _catalog_keys_needed()
    assert not ours, ours
    assert tables[0].spanning[0].text == "病因特异性 Cox 模型"


def _catalog_keys_needed():
    """The English texts of this module's ``_()`` calls (a gap in any of them fails)."""
    import ast
    from pathlib import Path

    import blinrwe.report.tables_competing as module

    tree = ast.parse(Path(module.__file__).read_text())
    return {node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "_" and node.args and isinstance(node.args[0], ast.Constant)}


def test_small_cells_are_suppressed_in_these_tables_too(ard):
    from blinrwe.report.disclosure import suppress_ard

    masked = suppress_ard(competing_ard(covariates=("age", "ph")), 1000)
    table = rmst_table(masked, CONTEXT)
    assert all(r.cells[0] in ("", "<1000") for r in table.rows)
    regression = competing_regression_table(masked, CONTEXT, "CIR")
    assert any("<1000" in f for f in regression.footnotes)


def test_rmst_and_survival_differences_by_a_group_defined_after_the_start_carry_the_immortal_time_warning():
    """A group entered after time 0 (allo-HSCT after blinatumomab) compared from time 0 favours that group:
    the RMST and survival-difference tables say so, as the Kaplan-Meier tables do."""
    from blinrwe.analysis.ard import ard_frame, ard_row

    note = "immortal_time: allo-HSCT after blinatumomab"
    common = dict(variant="none", group_var="allo_hsct_after", time_unit="months")
    ard = ard_frame([
        ard_row("survival", "rmst", "OS", "rmst", 10.0, lower=9.0, upper=11.0, time=12.0, group="yes", note=note,
                **common),
        ard_row("survival", "rmst", "OS", "rmst", 8.0, lower=7.0, upper=9.0, time=12.0, group="no", note=note,
                **common),
        ard_row("survival", "survival_difference", "OS", "surv_diff", 0.1, lower=0.0, upper=0.2, time=6.0,
                level="yes|no", group="", note=note, **common),
        ard_row("survival", "survival_difference", "OS", "surv_diff_p", 0.05, time=6.0, level="yes|no", group="",
                note=note, **common),
    ])
    for table in (rmst_table(ard, CONTEXT), survival_difference_table(ard, CONTEXT)):
        assert any(f.startswith("Caution, immortal-time bias") for f in table.footnotes), table.footnotes
