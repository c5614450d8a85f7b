"""blinrwe.derive.attrition: the attrition log (first failed condition is the reason), the patient flow
counted from it, and membership read from the ADSL and ``tte`` by the same declared rule."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.derive import DeriveSettings, derive_analysis_data
from blinrwe.derive.attrition import (ANALYSIS_SETS, ATTRITION_COLUMNS, FLOW_COLUMNS, analysis_set_members,
                                      analysis_set_names, count_attrition, derive_attrition, derive_patient_flow,
                                      patient_flow)
from blinrwe.derive.endpoints import derive_endpoints, derive_patient_dates
from blinrwe.derive.study_tables import study_tables
from blinrwe.examples import synthetic_cohort


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


# --- the patient flow (AnalysisData.attrition) and membership, from the same declarations -----------------

FLAGS = ("post_baseline_assessment", "mrd_denominator_available", "mrd_denominator_responders",
         "mrd_denominator_positive_at_t0")
MRD_POSITIVE = "MRD response: MRD-positive at T0"


def _flow_by_hand(log: pd.DataFrame, sets, undetermined) -> pd.DataFrame:
    """The patient flow counted from the log row by row (value_counts), as a reader of the log would."""
    rows = []
    for name in sets:
        a = log[log["analysis_set"] == name]
        if name in undetermined:
            rows.append((name, pd.NA, undetermined[name], len(a)))
            continue
        flag = a["included"].astype("boolean")
        rows.append((name, True, None, int(flag.fillna(False).sum())))
        for reason, n in sorted(a.loc[flag.eq(False).fillna(False), "reason"].value_counts().items()):
            rows.append((name, False, reason, int(n)))
    return pd.DataFrame({"analysis_set": pd.Series([r[0] for r in rows], dtype=object),
                         "included": pd.array([r[1] for r in rows], dtype="boolean"),
                         "reason": pd.Series([r[2] for r in rows], dtype=object),
                         "n": np.array([r[3] for r in rows], dtype=np.int64)})


def _yes_no(draw, n):
    return pd.array(draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n)), dtype="boolean")


@st.composite
def studies(draw):
    """A small ADSL (flags yes / no / missing, some untreated) and each endpoint's population: ``tte`` rows
    for the patients in it, ``excluded`` rows (with a reason) for the others, per variant, as
    ``derive_endpoints`` gives them (the variants of one endpoint share its population)."""
    n = draw(st.integers(0, 12))
    ids = [f"P{i:02d}" for i in range(n)]
    adsl = pd.DataFrame({"patient_id": pd.Series(ids, dtype=object),
                         "treated": draw(st.lists(st.booleans(), min_size=n, max_size=n)) or pd.Series([], dtype=bool),
                         **{flag: _yes_no(draw, n) for flag in FLAGS}})
    endpoints = tuple(draw(st.lists(st.sampled_from(["OS", "RFS", "CIR"]), unique=True, max_size=3)))
    variants = draw(st.sampled_from([("none",), ("allo_hsct", "none"), ("car_t",)]))
    tte, excluded = [], []
    for endpoint in endpoints:
        out = draw(st.lists(st.sampled_from([None, "no origin date", "origin after the data cut-off"]),
                            min_size=n, max_size=n))
        for variant in variants:
            tte += [(pid, endpoint, variant) for pid, why in zip(ids, out) if why is None]
            excluded += [(endpoint, variant, pid, why) for pid, why in zip(ids, out) if why is not None]
    tte = pd.DataFrame(tte, columns=["patient_id", "endpoint", "variant"], dtype=object)
    excluded = pd.DataFrame(excluded, columns=["endpoint", "variant", "patient_id", "reason"], dtype=object)
    names = analysis_set_names(endpoints)
    undetermined = {name: f"cannot tell {name}" for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=3))}
    return adsl, tte, excluded, endpoints, undetermined


@settings(max_examples=100)
@given(studies())
def test_the_flow_counts_the_log_and_membership_follows_the_same_rule(study):
    adsl, tte, excluded, endpoints, undetermined = study
    log = derive_attrition(adsl, excluded, endpoints, undetermined=undetermined)
    sets = analysis_set_names(endpoints)
    flow = derive_patient_flow(adsl, excluded, endpoints, undetermined=undetermined)
    pd.testing.assert_frame_equal(flow, _flow_by_hand(log, sets, undetermined))
    assert list(flow.columns) == FLOW_COLUMNS and list(pd.unique(flow["analysis_set"])) == list(sets)
    assert flow.groupby("analysis_set", sort=False)["n"].sum().eq(len(adsl)).all()  # every set starts from all
    for name in sets:
        if name in undetermined:
            continue
        want = log.loc[log["analysis_set"] == name, "included"].to_numpy(dtype=bool)
        np.testing.assert_array_equal(analysis_set_members(adsl, tte, name), want, err_msg=name)


def test_counts_in_any_row_order_and_the_layout():
    log = pd.DataFrame({"analysis_set": ["b", "a", "a", "b", "a", "c"], "patient_id": list("xyzxyz"),
                        "included": pd.array([False, True, False, False, False, pd.NA], dtype="boolean"),
                        "reason": ["why 2", None, "why 2", "why 1", "why 2", "unknown"]})
    counts = count_attrition(log)
    assert counts["n"].sum() == 6 and len(counts) == 5
    flow = patient_flow(counts.iloc[::-1], ("a", "b", "c", "d"))
    got = [(s, None if pd.isna(i) else bool(i), r, n) for s, i, r, n in flow.itertuples(index=False)]
    # a set nobody is in keeps its included row (0); one whose patients cannot be told lists them apart
    assert got == [("a", True, None, 1), ("a", False, "why 2", 2), ("b", True, None, 0), ("b", False, "why 1", 1),
                   ("b", False, "why 2", 1), ("c", True, None, 0), ("c", None, "unknown", 1), ("d", True, None, 0)]
    assert str(flow["included"].dtype) == "boolean" and flow["n"].dtype == np.int64


def test_a_study_without_patients_has_every_set_and_no_patient():
    adsl = pd.DataFrame({"patient_id": pd.Series([], dtype=object), "treated": pd.Series([], dtype=bool),
                         **{flag: pd.array([], dtype="boolean") for flag in FLAGS}})
    excluded = pd.DataFrame(columns=["endpoint", "variant", "patient_id", "reason"])
    why = "no MRD at the start"
    flow = derive_patient_flow(adsl, excluded, ("OS",), undetermined={MRD_POSITIVE: why})
    assert list(flow["analysis_set"]) == list(analysis_set_names(("OS",))) and flow["n"].eq(0).all()
    assert flow.loc[flow["analysis_set"] == MRD_POSITIVE, "reason"].tolist() == [why]  # still says why
    tte = pd.DataFrame(columns=["patient_id", "endpoint", "variant"])
    assert all(len(analysis_set_members(adsl, tte, name)) == 0 for name in analysis_set_names(("OS",)))


def test_nobody_in_a_set_and_a_flag_missing_for_everyone():
    adsl = pd.DataFrame({"patient_id": ["a", "b"], "treated": [True, False],
                         **{flag: pd.array([pd.NA, pd.NA], dtype="boolean") for flag in FLAGS}})
    flow = derive_patient_flow(adsl, None, (), form="summary")
    efficacy = flow[flow["analysis_set"] == "efficacy"]
    assert efficacy["n"].tolist() == [0, 1, 1]  # included 0; "no blinatumomab..." 1, "no post-baseline..." 1
    assert efficacy["reason"].tolist()[1:] == ["no blinatumomab infusion recorded", "no post-baseline assessment"]
    assert not analysis_set_members(adsl, pd.DataFrame(columns=["patient_id", "endpoint"]), "efficacy").any()
    assert set(flow["analysis_set"]) == {name for name, _ in ANALYSIS_SETS}  # no endpoint sets on the summary form


@pytest.mark.parametrize("variants", [("none",), ("allo_hsct", "none", "car_t")])
def test_membership_of_a_derived_study_is_its_attrition_log(variants):
    """On a derived study (a cut-off inside accrual, so some origins fall after it), membership read from the
    ADSL and ``tte`` equals the attrition log's ``included`` for every set, and the flow counts the log."""
    study = synthetic_cohort(200, 11)
    data = derive_analysis_data(study, DeriveSettings(censoring_variants=variants, data_cutoff=dt.date(2021, 6, 30)))
    t, s = study_tables(study), data.settings
    dates = derive_patient_dates(data.adsl, t["events"], t["assessments"], t["therapies"], s)
    _, excluded = derive_endpoints(dates, s, t["patients"]["patient_id"])
    log = derive_attrition(data.adsl, excluded, s.endpoints)
    assert log["reason"].eq("origin after the data cut-off").any()
    for name in analysis_set_names(s.endpoints):
        want = log.loc[log["analysis_set"] == name, "included"].to_numpy(dtype=bool)
        np.testing.assert_array_equal(analysis_set_members(data.adsl, data.tte, name), want, err_msg=name)
    pd.testing.assert_frame_equal(data.attrition, patient_flow(count_attrition(log), analysis_set_names(s.endpoints)))
