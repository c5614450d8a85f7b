"""AE worst grade per patient and term within the AE window (domain-spec 6)."""

import datetime as dt

import pandas as pd

from blinrwe.derive.safety import derive_adverse_events, derive_ae_flags
from blinrwe.derive.settings import DeriveSettings
from blinrwe.derive.study_tables import conform

D = pd.Timestamp
EXPOSURE = pd.DataFrame({"patient_id": ["a", "b"], "t0_date": [D("2023-01-01")] * 2,
                         "last_infusion_date": [D("2023-01-28")] * 2})


def aes(rows):
    return conform("adverse_events", pd.DataFrame(rows, columns=["patient_id", "term", "grade", "onset_date", "action"]))


AES = aes([
    ("a", "CRS", 1, D("2023-01-02"), None), ("a", "CRS", 3, D("2023-01-10"), "interrupted"),  # worst CRS 3
    ("a", "ICANS", 2, D("2023-01-28"), None),  # on the last infusion day: inside
    ("a", "infection", 4, D("2023-02-20"), None),  # day 23 after the last infusion
    ("b", "CRS", 2, D("2022-12-31"), None),  # before T0: outside
    ("b", "neurologic_event", 3, D("2023-01-05"), "discontinued"),
])


def test_worst_grade_per_term_and_any_during_blinatumomab():
    # seed 001: "During blinatumomab treatment"; a patient counts once per term at the worst grade
    out = derive_adverse_events(AES, EXPOSURE, DeriveSettings()).set_index(["patient_id", "term"])
    assert out["worst_grade"].to_dict() == {("a", "CRS"): 3, ("a", "ICANS"): 2, ("a", "any"): 3,
                                            ("b", "any"): 3, ("b", "neurologic_event"): 3}
    assert out.loc[("a", "ICANS"), "grade_1_2"] and not out.loc[("a", "ICANS"), "grade_ge3"]
    assert out.loc[("a", "CRS"), "grade_ge3"] and out.loc[("a", "CRS"), "n_episodes"] == 2
    assert out.loc[("b", "neurologic_event"), "led_to_discontinuation"]


def test_trial_window_first_infusion_to_last_plus_30_days_and_cutoff():
    out = derive_adverse_events(AES, EXPOSURE, DeriveSettings(ae_days_after_last_infusion=30))
    assert out.set_index(["patient_id", "term"]).loc[("a", "any"), "worst_grade"] == 4
    cut = derive_adverse_events(AES, EXPOSURE, DeriveSettings(ae_days_after_last_infusion=30,
                                                               data_cutoff=dt.date(2023, 2, 1)))
    assert ("a", "infection") not in set(zip(cut["patient_id"], cut["term"]))


def test_adsl_flags_crs_icans():
    ae = derive_adverse_events(AES, EXPOSURE, DeriveSettings())
    flags = derive_ae_flags(ae, pd.Series(["a", "b", "z"])).set_index("patient_id")
    assert flags["crs_worst_grade"].tolist() == [3, 0, 0]
    assert flags["icans_worst_grade"].tolist() == [2, 0, 0]
    assert flags["any_ae"].tolist() == [True, True, False] and flags["crs_ge3"].tolist() == [True, False, False]


def test_fatal_and_treatment_related_from_the_related_column():
    """Seed 004 "no deaths caused by treatment": a fatal episode (fatal or grade 5) recorded related to
    blinatumomab is a treatment-related death; one without the attribution is counted as unattributed."""
    rows = conform("adverse_events", pd.DataFrame({
        "patient_id": ["a", "a", "b"], "term": ["infection", "CRS", "infection"], "grade": [5, 2, 5],
        "onset_date": [D("2023-01-05")] * 3, "related": [True, True, None]}))
    out = derive_adverse_events(rows, EXPOSURE, DeriveSettings()).set_index(["patient_id", "term"])
    assert out.loc[("a", "infection"), "fatal"] and out.loc[("a", "infection"), "fatal_related"]
    assert not out.loc[("a", "CRS"), "fatal_related"]  # related but not fatal
    assert out.loc[("b", "infection"), "fatal_unattributed"] and not out.loc[("b", "infection"), "fatal_related"]
    assert out.loc[("a", "any"), "fatal_related"] and not out.loc[("a", "any"), "fatal_unattributed"]
    old = derive_adverse_events(AES, EXPOSURE, DeriveSettings())  # a workbook without the column
    assert not old["fatal_related"].any() and not old["fatal_unattributed"].any()
