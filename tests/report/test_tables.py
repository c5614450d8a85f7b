"""Display tables against the ARD values they show (expected cells are the ARD numbers
passed through the formatting functions, never strings typed by hand)."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from blinrwe.report.formatting import (
    format_fraction_percent,
    format_interval,
    format_mean_sd,
    format_median_range,
    format_n_percent,
    format_p_value,
)
from blinrwe.report.tables import descriptive_table, response_table
from blinrwe.report.tables_survival import cox_tables

from .ard_rows import one


GROUPS = ["Overall", "newly_diagnosed", "relapsed_refractory"]


def test_table1_against_ard(ard, context):
    t = descriptive_table(ard, "table1", "Baseline", context)
    assert t.columns == ("Overall (N = 96)", "Newly diagnosed (N = 53)", "Relapsed/refractory (N = 43)", "p")
    for i, g in enumerate(GROUPS):
        col = t.columns[i]
        med = {s: one(ard, table="table1", variable="age_at_t0", group=g, statistic=s)["value"] for s in ("median", "min", "max", "mean", "sd")}
        assert t.cell(("age_at_t0", "", "median_range"), col) == format_median_range(med["median"], med["min"], med["max"])
        assert t.cell(("age_at_t0", "", "mean_sd"), col) == format_mean_sd(med["mean"], med["sd"])
        for level in ("M", "F"):
            n = one(ard, table="table1", variable="sex", group=g, level=level, statistic="n")
            pct = one(ard, table="table1", variable="sex", group=g, level=level, statistic="pct")
            assert t.cell(("sex", level, "n"), col) == format_n_percent(n["value"], n["denominator"], fraction=pct["value"] / 100)
        miss = one(ard, table="table1", variable="ph_status", group=g, statistic="missing")
        assert t.cell(("ph_status", "", "missing"), col) == str(int(miss["value"]))
    p = one(ard, table="table1", variable="ph_status", statistic="test_p")["value"]
    assert t.row(("ph_status",)).cells[-1] == format_p_value(p) == "<0.001"
    assert any("Wilcoxon rank-sum" in note for note in t.footnotes)
    assert any("recorded value" in note for note in t.footnotes)  # ph_status denominators exclude missing
    with pytest.raises(KeyError):
        t.row(("sex", "", "missing"))  # no missing row when nothing is missing


def test_response_table_against_ard(ard, context):
    t = response_table(ard, context)
    assert [h.span for h in t.spanning] == [2, 2, 2]
    for i, g in enumerate(GROUPS):
        r = one(ard, table="response", variable="cr_cri", level="2_cycles", group=g, statistic="proportion")
        cells = t.row(("cr_cri", "2_cycles", "proportion")).cells
        assert cells[2 * i] == format_fraction_percent(r["n"], r["denominator"], fraction=r["value"])
        assert cells[2 * i + 1] == format_interval(r["lower"], r["upper"], scale=100.0)
    assert t.row(("cr_cri", "2_cycles", "proportion")).cells[3] == "76.8-100.0"  # ND 14/14: exact CI upper bound 100
    assert t.row(("2_cycles",)).label == "Within 2 cycles"
    mrd = t.row(("mrd_negative", "2_cycles|responders", "proportion"))
    assert mrd.label == "MRD negativity (of responders)"
    assert t.row(("evaluable", "2_cycles", "n")).cells[0] == "42"
    assert any("Clopper-Pearson" in n for n in t.footnotes)


def test_empty_inputs_give_empty_tables(context):
    from blinrwe.analysis.ard import empty_ard

    assert descriptive_table(empty_ard(), "table1", "T", context).is_empty
    assert response_table(empty_ard(), context).is_empty


def test_table1_not_applicable_prints_na_and_integers_have_no_decimals(ard, context):
    t = descriptive_table(ard, "table1", "Baseline", context)
    overall, nd, rr = t.columns[:3]
    # an integer variable: median/range without decimals (a half stays), mean (SD) with one decimal
    assert t.cell(("relapse_number", "", "median_range"), overall) == "1.5 (1-3)"
    assert t.cell(("relapse_number", "", "mean_sd"), rr) == "1.4 (0.6)"
    # not applicable to newly diagnosed patients: NA, never a count of 0 or an empty cell
    assert t.cell(("relapse_number", "", "median_range"), nd) == "NA"
    assert t.cell(("relapse_number", "", "mean_sd"), nd) == "NA"
    assert t.cell(("relapse_number", "", "not_applicable"), overall) == "53"
    assert t.cell(("relapse_number", "", "not_applicable"), nd) == "53"
    assert any(note.startswith("NA, not applicable") for note in t.footnotes)
    # a non-integer variable keeps the study's decimals
    assert t.cell(("age_at_t0", "", "median_range"), overall) == "34.0 (11.0-67.0)"


def test_table1_not_applicable_levels_and_missing():
    from blinrwe.analysis.ard import ard_frame, ard_row
    from blinrwe.report import ReportContext

    rows = []
    for g, n, den in (("newly_diagnosed", 0, 0), ("relapsed_refractory", 26, 84)):
        note = "not_applicable: no known values" if den == 0 else ""
        rows.append(ard_row("baseline", "table1", "rr_type", "n", n, level="relapsed", n=n, denominator=den, group_var="disease_setting", group=g))
        rows.append(ard_row("baseline", "table1", "rr_type", "pct", None if den == 0 else 100 * n / den, level="relapsed", n=n,
                            denominator=den, group_var="disease_setting", group=g, note=note))
        rows.append(ard_row("baseline", "table1", "rr_type", "missing", 0 if den == 0 else 3, group_var="disease_setting", group=g,
                            denominator=den, note="not_applicable" if den == 0 else ""))
    t = descriptive_table(ard_frame(rows), "table1", "T", ReportContext())
    assert t.row(("rr_type", "relapsed", "n")).cells == ("NA", "26 (31.0)")
    assert t.row(("rr_type", "", "missing")).cells == ("NA", "3")


def test_test_not_estimable_prints_ne(context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    ard = ard_frame([
        ard_row("baseline", "table1", "rr_type", "n", 26, level="relapsed", denominator=84, group_var="disease_setting", group="relapsed_refractory"),
        ard_row("baseline", "table1", "rr_type", "test_p", None, group_var="disease_setting", group="",
                note="not_estimable: fewer than two groups or levels with patients"),
    ])
    assert descriptive_table(ard, "table1", "T", context).row(("rr_type",)).cells[-1] == "NE"


def test_yes_no_variable_on_one_row_with_missing_and_p(context):
    """A yes/no variable prints one row "n (%)" of the patients with "yes" (the ARD's own n and pct),
    the test p on that row, and its missing count below; other categorical variables keep a row per level."""
    from blinrwe.analysis.baseline import baseline_table

    adsl = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(12)],
        "disease_setting": ["newly_diagnosed"] * 6 + ["relapsed_refractory"] * 6,
        "cns_involvement": pd.array([True, False, False, None, False, False, True, True, False, True, False, None],
                                    dtype="boolean"),
        "prior_car_t": pd.array([False] * 12, dtype="boolean"),
        "sex": ["F", "M"] * 6,
    })
    ard = baseline_table(adsl, ["cns_involvement", "prior_car_t", "sex"], "disease_setting")
    t = descriptive_table(ard, "table1", "T", replace(context, group_labels={}))
    labels = [r.label for r in t.rows]
    assert labels == ["CNS involvement, n (%)", "Missing, n", "Prior CAR-T, n (%)", "Sex, n (%)", "Female", "Male"]
    yes = ard[(ard.variable == "cns_involvement") & (ard.level == "yes") & (ard.statistic.isin(["n", "pct"]))]
    expected = []
    for group in ("Overall", "newly_diagnosed", "relapsed_refractory"):
        n = yes[(yes.group == group) & (yes.statistic == "n")].iloc[0]
        pct = yes[(yes.group == group) & (yes.statistic == "pct")].iloc[0]
        expected.append(format_n_percent(n["value"], n["denominator"], fraction=pct["value"] / 100))
    p = ard[(ard.variable == "cns_involvement") & (ard.statistic == "test_p")].iloc[0]["value"]
    row = t.row(("cns_involvement", "yes", "n"))
    assert not row.is_heading and row.cells == (*expected, format_p_value(p))
    assert t.row(("cns_involvement", "", "missing")).cells == ("2", "1", "1", "")
    assert t.row(("prior_car_t", "yes", "n")).cells[:3] == ("0", "0", "0")  # nobody: a zero count, as elsewhere


def test_response_table_names_the_population_of_each_row(context):
    from blinrwe.analysis.response import response_table as response_ard

    adsl = pd.DataFrame({"patient_id": list("abcdef"), "best_response_overall": ["CR", "CR", "NR", "CR", "CR", None],
                         "mrd_negative_overall": pd.array([True, False, False, True, True, None], dtype="boolean")})
    overt = np.array([True, True, True, False, False, True])
    ard = response_ard(adsl, populations=[("overt_disease", "patients with \u22655% marrow blasts at the first "
                                           "infusion", overt),
                                          ("in_cr_at_t0", "patients in CR/CRi at the first infusion", ~overt)])
    table = response_table(ard, context)
    cells = {r.label: r.cells[0] for r in table.rows}
    assert cells["CR/CRi (of patients with \u22655% marrow blasts at the first infusion)"] == "2/4 (50.0%)"
    assert cells["CR/CRi (of patients in CR/CRi at the first infusion)"] == "2/2 (100.0%)"
    assert cells["CR/CRi"] == "4/6 (66.7%)"
    labels = [r.label for r in table.rows]
    assert labels.index("CR/CRi (of patients with \u22655% marrow blasts at the first infusion)") < labels.index("CR/CRi")


# --- NE with its reason, never a crash; truncation for estimates only; S = 1 (issue 7) ---


def test_truncation_spares_p_values_and_confidence_bounds(ard, context):
    truncating = replace(context, rounding="truncate")
    t = cox_tables(ard, truncating)[0]
    # HR 1.021 (1.004-1.038), p 0.0149: the estimate truncates, bound and p round half up
    assert t.row(("OS", "age_at_t0")).cells[:2] == ("1.02 (1.00-1.04)", "0.015")
    response = response_table(ard, truncating)
    r = one(ard, table="response", variable="cr_cri", group="relapsed_refractory", level="2_cycles", statistic="proportion")
    ci = response.row(("cr_cri", "2_cycles", "proportion")).cells[5]  # relapsed/refractory: 0.3065-0.6935
    assert ci == format_interval(r["lower"], r["upper"], 1, "half_up", 100.0) == "30.7-69.4"  # truncated: 69.3


