"""The drug-cost table (report/tables_cost.py) prints the ARD rows of analysis/cost.py, groups side by side."""

import pandas as pd

from blinrwe.analysis.cost import cost_table as cost_rows
from blinrwe.analysis.settings import CostSettings
from blinrwe.model.i18n import language, missing_translations, reset_missing
from blinrwe.report.context import ReportContext
from blinrwe.report.tables_cost import cost_table
from tests.analysis.test_cost import cohort


def _ard():
    adsl, cycles = cohort([6, 8, 20, 24], [5, 7, 19, 22], [True, True, True, False], [True, False, False, False],
                          ["short_course_<10d_full_dose"] * 2 + ["label"] * 2, courses=[1, 1, 1, 2])
    return cost_rows(adsl, cycles, CostSettings(price_per_vial=1000.0, currency="CNY", bootstrap_replicates=200),
                     vial_strength_ug=38.5)


def test_groups_side_by_side_with_ne_and_footnotes():
    table = cost_table(_ard(), ReportContext(continuous_decimals=0))
    assert table.columns[0] == "All treated patients (N = 4)" and len(table.columns) == 3
    assert table.cell(("drug_cost", "sum"), "All treated patients (N = 4)") == "58,000"
    assert table.cell(("cost_per_cr_cri", "ratio"), "All treated patients (N = 4)").startswith("19,333 (95% CI ")
    label = next(c for c in table.columns if c.startswith("As per label"))
    assert table.cell(("cost_per_mrd_negative", "ratio"), label) == "NE"
    assert table.cell(("cr_cri", "n"), label) == "1 (50.0)"
    assert any("opened per bag" in f for f in table.footnotes)
    assert any("38.5 ug" in f and "CNY" in f for f in table.footnotes)
    assert any(f.startswith("NE: no MRD-negative patient") for f in table.footnotes)
    assert any(f.startswith("Bootstrap resamples without a responder") for f in table.footnotes)


def test_no_price_no_table_and_chinese_text():
    assert cost_table(pd.DataFrame(columns=_ard().columns), ReportContext()).is_empty
    reset_missing()
    with language("zh"):
        table = cost_table(_ard(), ReportContext())
    assert table.title == "贝林妥欧单抗用药量与药费"  # the drug name of every other catalog
    assert not {t for code, t in missing_translations() if code == "zh" and t in {r.label for r in table.rows}}


def test_small_cells_stay_suppressed():
    """min_cell = 3: a cost per responder over 1-2 responders would reveal them; it prints the masked count."""
    from blinrwe.report.disclosure import suppress_ard
    table = cost_table(suppress_ard(_ard(), 3), ReportContext(min_cell=3))
    label = next(c for c in table.columns if c.startswith("As per label"))
    assert table.cell(("cost_per_cr_cri", "ratio"), label) == "<3"
    assert table.cell(("cr_cri", "n"), label).startswith("<3")
