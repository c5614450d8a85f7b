"""Display tables against the ARD values they show (expected cells are the ARD numbers
passed through the formatting functions, never strings typed by hand)."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from blinrwe.report.formatting import (
    EstimateStyle,
    format_estimate_ci,
    format_fraction_percent,
    format_hazard_ratio,
    format_interval,
    format_mean_sd,
    format_median_range,
    format_n_percent,
    format_p_value,
)
from blinrwe.report.tables import (
    attrition_table,
    attrition_table_from_ard,
    censoring_variants_table,
    competing_risks_table,
    cox_tables,
    data_quality_table,
    descriptive_table,
    flow_table,
    response_table,
    safety_table,
    survival_table,
)


def one(ard, **kw):
    rows = ard
    for k, v in kw.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, kw
    return rows.iloc[0]


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


def test_survival_table_tokens_and_values(ard, context):
    t = survival_table(ard, context, "disease_setting")
    assert t.columns[-1] == "Log-rank p"
    rate_style = EstimateStyle(scale=100.0)
    for i, g in enumerate(["newly_diagnosed", "relapsed_refractory"]):
        col = t.columns[i]
        med = one(ard, section="survival", variable="OS", variant="", group=g, statistic="km_median")
        expected = format_estimate_ci(med["value"], med["lower"], med["upper"], point_token="NR" if med["note"] == "not_reached" else None)
        assert t.cell(("OS", "", "km_median"), col) == expected
        rate = one(ard, section="survival", variable="OS", variant="", group=g, statistic="km_rate", time=12.0)
        assert t.cell(("OS", "", "km_rate", 12.0), col) == format_estimate_ci(rate["value"], rate["lower"], rate["upper"], rate_style)
        ev = one(ard, section="survival", variable="OS", variant="", group=g, statistic="events")
        assert t.cell(("OS", "", "events"), col) == f"{int(ev['n'])}/{int(ev['denominator'])}"
    # median not reached in newly diagnosed: NR with the upper bound NE
    assert t.cell(("OS", "", "km_median"), t.columns[0]).startswith("NR (95% CI ")
    assert t.cell(("OS", "", "km_median"), t.columns[0]).endswith("-NE)")
    # a landmark beyond follow-up is NE, never NR
    assert t.cell(("OS", "", "km_rate", 24.0), t.columns[0]) == "NE"
    assert t.row(("OS", "")).cells[-1] == "<0.001"


def test_show_se_prints_rate_plus_minus_se_in_one_cell(ard, context):
    # seed 000 prints "64.2% ± 12.1%": the SE sits beside the rate, not on a row of its own
    t = survival_table(ard, replace(context, show_se=True))
    rate = one(ard, section="survival", variable="OS", variant="", group="Overall", statistic="km_rate", time=12.0)
    se = one(ard, section="survival", variable="OS", variant="", group="Overall", statistic="km_se", time=12.0)
    style = EstimateStyle(1, "half_up", 95, 100.0, "-")
    assert t.cell(("OS", "", "km_rate", 12.0), t.columns[0]) == format_estimate_ci(
        rate["value"], rate["lower"], rate["upper"], style, se=se["value"])
    assert " \u00b1 " in t.cell(("OS", "", "km_rate", 12.0), t.columns[0])
    assert t.row(("OS", "", "km_rate", 12.0)).label == "1-year rate, % \u00b1 SE (95% CI)"
    assert not any(r.key[2:3] == ("km_se",) for r in t.rows)
    assert "\u00b1" not in survival_table(ard, context).cell(("OS", "", "km_rate", 12.0), t.columns[0])


def test_follow_up_row(ard, context):
    t = survival_table(ard, context)
    fu = one(ard, section="followup", statistic="followup_median")
    assert t.cell(("OS", "", "followup_median"), t.columns[0]) == format_estimate_ci(fu["value"], fu["lower"], fu["upper"])
    assert any("reverse Kaplan-Meier" in n for n in t.footnotes)


def test_censoring_variants_side_by_side(ard, context):
    t = censoring_variants_table(ard, context)
    assert t.columns == ("Primary analysis", "Censored at HSCT/CAR-T")
    assert [r.key[0] for r in t.rows if r.is_heading] == ["EFS"]  # OS has one variant only
    for j, variant in enumerate(["", "censor_hsct_cart"]):
        ev = one(ard, section="survival", variable="EFS", variant=variant, group="Overall", statistic="events")
        assert t.cell(("EFS", "events"), t.columns[j]) == f"{int(ev['n'])}/{int(ev['denominator'])}"


def test_cox_table_side_by_side(ard, context):
    (t,) = cox_tables(ard, context)
    assert t.title.endswith("Overall survival (OS)")
    assert [h.text for h in t.spanning] == ["Univariable", "Multivariable"]
    assert t.row(("OS", "ph_status")).is_heading
    for j, table in enumerate(["cox_univariable", "cox_multivariable"]):
        hr = one(ard, table=table, level="ph_status[positive]", statistic="hr")
        p = one(ard, table=table, level="ph_status[positive]", statistic="cox_p")
        row = t.row(("OS", "ph_status[positive]"))
        assert row.label == "Positive" and row.level == 1
        assert row.cells[2 * j] == format_hazard_ratio(hr["value"], hr["lower"], hr["upper"])
        assert row.cells[2 * j + 1] == format_p_value(p["value"])
    assert t.row(("OS", "age_at_t0")).level == 0
    assert "45 events among 96 patients." in t.footnotes
    with pytest.raises(KeyError):
        t.row(("OS", "GLOBAL"))


def test_competing_risks(ard, context):
    t = competing_risks_table(ard, context, "disease_setting")
    r = one(ard, table="competing_risks", group="newly_diagnosed", statistic="cif")
    assert t.cell(("relapse", "", "cif", 12.0), t.columns[0]) == format_estimate_ci(r["value"], r["lower"], r["upper"], EstimateStyle(scale=100.0))
    assert t.row(("relapse", "")).cells[-1] == format_p_value(0.041)
    assert t.columns[-1] == "Gray's test p"


def test_safety_table_seed001(ard, context):
    t = safety_table(ard, context)
    assert t.columns == ("Any grade", "Grade 1-2", "Grade \u2265 3")
    assert [r.key[0] for r in t.rows][:3] == ["any", "CRS", "ICANS"]
    for term in ("any", "CRS", "ICANS", "infection"):
        for j, stat in enumerate(["grade_any", "grade_1_2", "grade_3plus"]):
            r = one(ard, table="safety", variable=term, statistic=stat)
            assert t.cell((term,), t.columns[j]) == format_n_percent(r["value"], r["denominator"])
    assert t.cell(("ICANS",), "Grade 1-2") == "0"


def test_patterns_and_flows(ard, results, context):
    t = descriptive_table(ard, "patterns", "Patterns", context)
    r = one(ard, table="patterns", level="allo_hsct", statistic="n")
    assert t.cell(("first_next_therapy", "allo_hsct", "n"), t.columns[0]) == format_n_percent(r["value"], r["denominator"])
    f = flow_table(results.flows, context)
    assert f.row(("<= 14 days",)).cells == tuple(str(int(n)) for n in [25, 10, 5, 0])


def test_attrition_from_ard(context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    ard = ard_frame([ard_row("flow", "attrition", "treated", "n", 200, level="included"),
                     ard_row("flow", "attrition", "responders", "n", 162, level="included"),
                     ard_row("flow", "attrition", "responders", "n", 38, level="excluded: not a responder")])
    t = attrition_table_from_ard(ard)
    assert t.row(("responders", "included")).cells == ("162",)
    assert t.row(("responders", "not a responder")).label == "Excluded: not a responder"


def test_attrition_from_ard_undeterminable_set_is_not_available_not_zero(context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    why = "MRD status at the start of blinatumomab is not on the patient summary form"
    ard = ard_frame([ard_row("flow", "attrition", "treated", "n", 30, level="included"),
                     ard_row("flow", "attrition", "MRD response: MRD-positive at T0", "n", 30,
                             level=f"unavailable: {why}")])
    t = attrition_table_from_ard(ard)
    assert t.row(("MRD response: MRD-positive at T0", "included")).cells == ("NA",)
    row = t.row(("MRD response: MRD-positive at T0", why))
    assert row.label == f"Not available: {why}" and row.cells == ("",)
    raw = attrition_table(pd.DataFrame({"analysis_set": ["MRD response: MRD-positive at T0"] * 2,
                                        "patient_id": ["a", "b"], "included": pd.array([pd.NA, pd.NA], dtype="boolean"),
                                        "reason": [why, why]}))
    assert raw.row(("MRD response: MRD-positive at T0", "included")).cells == ("NA",)
    assert raw.row(("MRD response: MRD-positive at T0", why)).label == f"Not available: {why}"


def test_attrition_and_data_quality(results):
    a = attrition_table(results.analysis_data.attrition)
    att = results.analysis_data.attrition
    assert a.row(("response_evaluable", "included")).cells == (str(int(att[att.analysis_set == "response_evaluable"].included.sum())),)
    assert a.row(("response_evaluable", "in CR at first infusion")).cells == ("54",)
    dq = data_quality_table(results.findings.to_dict("records"))
    assert dq.rows[0].cells == ("infusions, row 14, end_date", "Segment ends after the data cut-off; kept")


def test_empty_inputs_give_empty_tables(context):
    from blinrwe.analysis.ard import empty_ard

    assert safety_table(empty_ard(), context).is_empty
    assert descriptive_table(empty_ard(), "table1", "T", context).is_empty


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


def test_cox_reference_rows_print_reference_first(context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    cox = dict(variant="", n=40, denominator=90, method="Cox proportional hazards (Efron ties)")
    ard = ard_frame([
        ard_row("cox", "cox_univariable", "OS", "hr", 2.05, lower=1.23, upper=3.41, level="disease_setting[relapsed_refractory]", **cox),
        ard_row("cox", "cox_univariable", "OS", "cox_p", 0.0058, level="disease_setting[relapsed_refractory]", **cox),
        ard_row("cox", "cox_univariable", "OS", "hr", 1.0, level="disease_setting[newly_diagnosed]", note="reference", **cox),
    ])
    (t,) = cox_tables(ard, context)
    labels = [r.label for r in t.rows]
    assert labels == ["Disease setting", "Newly diagnosed", "Relapsed/refractory"]
    assert t.row(("OS", "disease_setting[newly_diagnosed]")).cells == ("1 (reference)", "")
    assert t.row(("OS", "disease_setting[relapsed_refractory]")).cells == ("2.05 (1.23-3.41)", "0.006")
    assert "Hazard ratios of categorical covariates are relative to the level marked reference." in t.footnotes


def test_subgroup_table_matches_ard(ard, context):
    from blinrwe.report.tables import subgroup_table

    t = subgroup_table(ard, context, "OS")
    assert t.columns == ("Events/N", "HR (95% CI)", "p")
    assert [r.label for r in t.rows] == ["Disease setting", "Newly diagnosed", "Relapsed/refractory",
                                         "Philadelphia chromosome", "Negative", "Positive"]
    # the same events/patients on every level are the model's totals: printed once, on the heading
    assert t.row(("OS", "disease_setting")).is_heading
    assert t.row(("OS", "disease_setting")).cells == ("45/96", "", "")
    assert t.row(("OS", "disease_setting", "newly_diagnosed")).cells == ("", "1 (reference)", "")
    hr = one(ard, table="cox_subgroups", group="relapsed_refractory", statistic="hr")
    p = one(ard, table="cox_subgroups", group="relapsed_refractory", statistic="cox_p")
    assert t.row(("OS", "disease_setting", "relapsed_refractory")).cells == ("",
        format_hazard_ratio(hr["value"], hr["lower"], hr["upper"]), format_p_value(p["value"]))
    assert any("Wald test" in n for n in t.footnotes)


def test_test_not_estimable_prints_ne(context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    ard = ard_frame([
        ard_row("baseline", "table1", "rr_type", "n", 26, level="relapsed", denominator=84, group_var="disease_setting", group="relapsed_refractory"),
        ard_row("baseline", "table1", "rr_type", "test_p", None, group_var="disease_setting", group="",
                note="not_estimable: fewer than two groups or levels with patients"),
    ])
    assert descriptive_table(ard, "table1", "T", context).row(("rr_type",)).cells[-1] == "NE"


def test_cox_p_value_footnote_names_the_wald_test(analysis_ard_cox, context):
    """The footnote of the p column says which test gave it (from the ARD cox_p method)."""
    from blinrwe.analysis.regression import WALD_P_METHOD

    (t,) = cox_tables(analysis_ard_cox, context)
    p_notes = [n for n in t.footnotes if n.startswith("p values")]
    hr_notes = [n for n in t.footnotes if n.startswith("Hazard ratios:")]
    assert p_notes == [f"p values: {WALD_P_METHOD}."]
    assert hr_notes and "Wald" not in hr_notes[0] and "Cox proportional hazards" in hr_notes[0]


@pytest.fixture(scope="module")
def analysis_ard_cox(cohort):
    """Cox rows written by the analysis layer itself (univariable and multivariable)."""
    from blinrwe.analysis.regression import cox_models

    adsl = pd.DataFrame({"patient_id": cohort["patient_id"], "disease_setting": cohort["disease_setting"],
                         "age_at_t0": np.linspace(20, 70, len(cohort))})
    tte = pd.DataFrame({"patient_id": cohort["patient_id"], "endpoint": "OS", "variant": "none",
                        "time_months": cohort["os_time"], "event": cohort["os_event"]})
    return cox_models(tte, adsl, endpoints=["OS"], covariates=["age_at_t0", "disease_setting"])


def test_yes_no_variable_on_one_row_with_missing_and_p(context):
    """A yes/no variable prints one row "n (%)" of the patients with "yes" (the ARD's own n and pct),
    the test p on that row, and its missing count below; other categorical variables keep a row per level."""
    from blinrwe.analysis.baseline import baseline_table
    from blinrwe.report.tables import descriptive_table

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


def test_survival_table_states_time_origins_and_immortal_time(ard, context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    extra = ard_frame([ard_row("survival", "survival", "OS", "time_origin", None, level="first blinatumomab infusion")])
    base = pd.concat([ard, extra], ignore_index=True)
    table = survival_table(base, context)
    assert any(n.startswith("Time 0: first blinatumomab infusion (OS") for n in table.footnotes)
    assert not any("immortal" in n for n in table.footnotes)
    flagged = base.copy()
    rows = flagged.group_var == "disease_setting"
    flagged.loc[rows, "note"] = "immortal_time: allo-HSCT"
    grouped = survival_table(flagged, context, "disease_setting")
    assert any("immortal-time bias" in n and "allo-HSCT" in n for n in grouped.footnotes)
    within = flagged.assign(group_var=flagged.group_var.replace({"disease_setting": "disease_setting|responder"}))
    table = survival_table(within, context, "disease_setting|responder")
    assert table.title.endswith("among responders") and "|" not in table.table_id


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


def _with_rows(ard, *rows):
    from blinrwe.analysis.ard import ard_frame

    return pd.concat([ard, ard_frame(rows)], ignore_index=True)


def test_hazard_ratio_not_estimable_prints_ne_with_its_reason(ard, context):
    from blinrwe.analysis.ard import ard_row, not_estimable
    from blinrwe.report.tables import subgroup_table

    reason = not_estimable("no events in level yes of cns_involvement (hazard ratio not estimable)")
    cox = dict(variant="", n=45, denominator=96, level="cns_involvement[yes]", note=reason)
    extra = [ard_row("cox", t, "OS", s, None, **cox) for t in ("cox_univariable", "cox_multivariable") for s in ("hr", "cox_p")]
    sub = dict(variant="", n=0, denominator=4, group_var="cns_involvement", level="no")
    extra += [ard_row("cox", "cox_subgroups", "OS", "hr", 1.0, **{**sub, "n": 45, "denominator": 92}, group="no", note="reference"),
              ard_row("cox", "cox_subgroups", "OS", "hr", None, **sub, group="yes", note=reason),
              ard_row("cox", "cox_subgroups", "OS", "cox_p", None, **sub, group="yes", note=reason)]
    table = cox_tables(_with_rows(ard, *extra), context)[0]
    assert table.row(("OS", "cns_involvement[yes]")).cells == ("NE", "NE", "NE", "NE")
    assert "NE: no events in level yes of cns_involvement (hazard ratio not estimable)." in table.footnotes
    forest = subgroup_table(_with_rows(ard, *extra), context, "OS")
    assert forest.row(("OS", "cns_involvement", "yes")).cells[-2:] == ("NE", "NE")
    assert "NE: no events in level yes of cns_involvement (hazard ratio not estimable)." in forest.footnotes


def test_log_rank_p_that_cannot_be_computed_prints_ne_with_its_reason(ard, context):
    from blinrwe.analysis.ard import ard_row, not_estimable

    reason = "the variance of observed minus expected events is zero (log-rank test not estimable)"
    without = ard[~((ard.statistic == "logrank_p") & (ard.variable == "OS"))]
    rows = _with_rows(without, ard_row("survival", "survival", "OS", "logrank_p", None, group_var="disease_setting",
                                       group="", variant="", note=not_estimable(reason)))
    t = survival_table(rows, context, group_var="disease_setting")
    assert t.row(("OS", "")).cells[-1] == "NE"
    assert f"NE: {reason}." in t.footnotes


def test_truncation_spares_p_values_and_confidence_bounds(ard, context):
    truncating = replace(context, rounding="truncate")
    t = cox_tables(ard, truncating)[0]
    # HR 1.021 (1.004-1.038), p 0.0149: the estimate truncates, bound and p round half up
    assert t.row(("OS", "age_at_t0")).cells[:2] == ("1.02 (1.00-1.04)", "0.015")
    response = response_table(ard, truncating)
    r = one(ard, table="response", variable="cr_cri", group="relapsed_refractory", level="2_cycles", statistic="proportion")
    ci = response.row(("cr_cri", "2_cycles", "proportion")).cells[5]  # relapsed/refractory: 0.3065-0.6935
    assert ci == format_interval(r["lower"], r["upper"], 1, "half_up", 100.0) == "30.7-69.4"  # truncated: 69.3


def test_landmark_rates_at_survival_one_print_one_way_across_a_row(context):
    # 6 months after censorings only, 1 year before any observation in one group: both (1, 1) from
    # the analysis (R survival >= 3.6), printed identically
    from blinrwe.analysis.ard import ard_frame, ard_row

    keys = dict(variable="OS", variant="", time_unit="months", method="Kaplan-Meier; log-log CI")
    rows = [ard_row("survival", "survival", statistic="km_rate", value=1.0, lower=1.0, upper=1.0, time=t, group=g,
                    group_var="", **keys) for t, g in ((6.0, "Overall"), (12.0, "Overall"))]
    t = survival_table(ard_frame(rows), replace(context, landmarks=(6.0, 12.0)))
    cells = {t.cell(("OS", "", "km_rate", time), t.columns[0]) for time in (6.0, 12.0)}
    assert cells == {"100.0 (95% CI 100.0-100.0)"}


def test_trend_test_gets_its_own_column_beside_the_log_rank_p():
    """[survival] trend: the trend p is printed in its own column; the footnote names both tests."""
    from .competing_ard import competing_ard

    from blinrwe.report import ReportContext
    from blinrwe.report.tables import survival_table

    ard = competing_ard()
    table = survival_table(ard, ReportContext(), "site")
    assert table.columns[-2:] == ("Log-rank p", "Trend p")
    heading = table.rows[0]
    trend = ard[(ard.statistic == "trend_p") & (ard.group_var == "site")].iloc[0]
    assert heading.cells[-1] == f"{trend.value:.3f}" or heading.cells[-1].startswith(("<", "NE"))
    assert any("for trend" in f for f in table.footnotes)  # (site is also the stratum: its log-rank p is NE)
    assert survival_table(ard, ReportContext(), "ph").columns[-1] == "Log-rank p"
