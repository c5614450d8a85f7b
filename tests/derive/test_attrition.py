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
