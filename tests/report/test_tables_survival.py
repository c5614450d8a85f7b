"""Survival, Cox, subgroup and competing-risk tables against the ARD values they show."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from blinrwe.report.formatting import EstimateStyle, format_estimate_ci, format_hazard_ratio, format_p_value
from blinrwe.report.tables_survival import censoring_variants_table, competing_risks_table, cox_tables, survival_table

from .ard_rows import one

def _with_rows(ard, *rows):
    from blinrwe.analysis.ard import ard_frame

    return pd.concat([ard, ard_frame(rows)], ignore_index=True)



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
    from blinrwe.report.tables_survival import subgroup_table

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



def test_hazard_ratio_not_estimable_prints_ne_with_its_reason(ard, context):
    from blinrwe.analysis.ard import ard_row, not_estimable
    from blinrwe.report.tables_survival import subgroup_table

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

    ard = competing_ard()
    table = survival_table(ard, ReportContext(), "site")
    assert table.columns[-2:] == ("Log-rank p", "Trend p")
    heading = table.rows[0]
    trend = ard[(ard.statistic == "trend_p") & (ard.group_var == "site")].iloc[0]
    assert heading.cells[-1] == f"{trend.value:.3f}" or heading.cells[-1].startswith(("<", "NE"))
    assert any("for trend" in f for f in table.footnotes)  # (site is also the stratum: its log-rank p is NE)
    assert survival_table(ard, ReportContext(), "ph").columns[-1] == "Log-rank p"

