"""Attrition log: first failed condition is the reason."""

import pandas as pd

from blinrwe.derive.attrition import ATTRITION_COLUMNS, derive_attrition


def test_reasons_per_analysis_set():
    adsl = pd.DataFrame({
        "patient_id": ["a", "b", "c"], "treated": [True, True, False], "post_baseline_assessment": [True, False, False],
        "mrd_denominator_available": [True, False, False], "mrd_denominator_responders": [True, False, False],
        "mrd_denominator_positive_at_t0": [False, True, False],
    })
    excluded = pd.DataFrame({"endpoint": ["RFS", "RFS"], "variant": ["none", "none"], "patient_id": ["b", "c"],
                             "reason": ["not a responder", "not a responder"]})
    out = derive_attrition(adsl, excluded, ("OS", "RFS"))
    assert list(out.columns) == ATTRITION_COLUMNS
    got = out.set_index(["analysis_set", "patient_id"])["reason"].to_dict()
    assert got[("efficacy", "b")] == "no post-baseline assessment"
    assert got[("efficacy", "c")] == "no blinatumomab infusion recorded"
    assert got[("RFS", "b")] == "not a responder" and got[("RFS", "c")] == "no blinatumomab infusion recorded"
    assert got[("RFS", "a")] is None and got[("OS", "b")] is None
    assert got[("MRD response: MRD-positive at T0", "a")] == "not MRD-positive at the start of blinatumomab"


def test_undetermined_set_has_missing_membership_and_its_reason():
    # a set the input cannot decide (summary form: no MRD at the start of treatment) is unknown, not empty
    adsl = pd.DataFrame({
        "patient_id": ["a", "b"], "treated": [True, True], "post_baseline_assessment": [True, True],
        "mrd_denominator_available": [True, False], "mrd_denominator_responders": [True, False],
        "mrd_denominator_positive_at_t0": pd.array([pd.NA, pd.NA], dtype="boolean"),
    })
    why = "MRD status at the start of blinatumomab is not recorded"
    out = derive_attrition(adsl, None, (), form="summary", undetermined={"MRD response: MRD-positive at T0": why})
    assert str(out["included"].dtype) == "boolean"
    pos = out[out["analysis_set"] == "MRD response: MRD-positive at T0"]
    assert pos["included"].isna().all() and (pos["reason"] == why).all()
    other = out[out["analysis_set"] == "MRD response: MRD available"].set_index("patient_id")
    assert other["included"].tolist() == [True, False] and other.loc["b", "reason"] == "no MRD assessment"
