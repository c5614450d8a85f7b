"""Flow, attrition and data-quality tables against the ARD and the findings they show."""

import pandas as pd

from blinrwe.report.formatting import format_n_percent
from blinrwe.report.tables import descriptive_table
from blinrwe.report.tables_flow import attrition_table, attrition_table_from_ard, data_quality_table, flow_table

from .ard_rows import one


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
    raw = attrition_table(pd.DataFrame({"analysis_set": ["MRD response: MRD-positive at T0"],
                                        "included": pd.array([pd.NA], dtype="boolean"), "reason": [why], "n": [2]}))
    assert raw.row(("MRD response: MRD-positive at T0", "included")).cells == ("NA",)
    assert raw.row(("MRD response: MRD-positive at T0", why)).label == f"Not available: {why}"



def test_attrition_and_data_quality(results):
    a = attrition_table(results.analysis_data.attrition)  # the patient flow, as derive gives it
    att = results.analysis_data.attrition
    included = att[(att.analysis_set == "response_evaluable") & att.included.astype("boolean").fillna(False)]
    assert a.row(("response_evaluable", "included")).cells == (str(int(included.n.sum())),)
    assert a.row(("response_evaluable", "in CR at first infusion")).cells == ("54",)
    assert a.row(("all_treated", "included")).cells == ("96",)
    dq = data_quality_table(results.findings.to_dict("records"))
    assert dq.rows[0].cells == ("infusions, row 14, end_date", "Segment ends after the data cut-off; kept")

