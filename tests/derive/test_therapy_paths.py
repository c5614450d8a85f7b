"""Subsequent-therapy paths (domain-spec 7) and the seed 003 grouping."""

import pandas as pd

from blinrwe.derive.study_tables import conform
from blinrwe.derive.therapy_paths import derive_therapy_paths, parse_next_therapy

D = pd.Timestamp


def test_paths_first_next_therapy_and_seed003_rule():
    patients = conform("patients", pd.DataFrame({"patient_id": ["a", "b", "c"], "disease_setting": "relapsed_refractory"}))
    therapies = conform("therapies", pd.DataFrame({
        "patient_id": ["a", "a", "b", "b", "b"], "sequence_number": [2, 1, 1, 2, 3],
        "therapy_type": ["allo_hsct", "car_t", "chemotherapy", "inotuzumab", "chemotherapy"],
        "start_date": [D("2023-05-01"), D("2023-03-01"), D("2023-02-01"), D("2023-04-01"), D("2023-06-01")],
    }))
    out = derive_therapy_paths(patients, therapies).set_index("patient_id")
    assert out["therapy_path"].tolist() == ["car_t -> allo_hsct", "chemotherapy -> inotuzumab -> chemotherapy", "none"]
    assert out.loc["a", "first_next_therapy"] == "car_t" and out.loc["a", "first_next_therapy_date"] == D("2023-03-01")
    # seed 003: "a CAR-T -> allo-HSCT patient is counted as allo-HSCT"
    assert out["further_treatment_group"].tolist() == ["allo_hsct", "chemotherapy", "none"]
    assert out["allo_hsct_after"].tolist() == [True, False, False]
    assert out.loc["a", "car_t_date"] == D("2023-03-01") and out["n_subsequent_therapies"].tolist() == [2, 3, 0]


def test_parse_summary_next_therapy_text():
    text = pd.Series(["CART+allo-HSCT", "Blina", "No", None, "Chemotherapy->allo-HSCT", "DLI", "radiotherapy"])
    assert parse_next_therapy(text).tolist() == ["car_t -> allo_hsct", "blinatumomab", "none", "none",
                                                 "chemotherapy -> allo_hsct", "dli", "other"]


def test_paths_equal_a_plain_group_by_join_on_a_synthetic_cohort():
    # naive reference: sort, then GROUP BY patient with a Python string join
    import numpy as np

    from blinrwe.derive.study_tables import study_tables
    from blinrwe.examples import synthetic_cohort

    t = study_tables(synthetic_cohort(300, 13))
    therapies = t["therapies"].sample(frac=1.0, random_state=4).reset_index(drop=True)
    therapies.loc[therapies.index[::7], "sequence_number"] = pd.NA
    out = derive_therapy_paths(t["patients"], therapies).set_index("patient_id")
    ordered = therapies.sort_values(["patient_id", "sequence_number", "start_date"], kind="mergesort")
    naive = ordered.groupby("patient_id")["therapy_type"].agg(" -> ".join)
    expected = naive.reindex(out.index).fillna("none")
    assert out["therapy_path"].tolist() == expected.tolist()
    second = ordered.groupby("patient_id")["therapy_type"].nth(1)
    expected_second = pd.Series(second.to_numpy(), index=ordered.loc[second.index, "patient_id"]).reindex(out.index)
    assert out["second_next_therapy"].tolist() == [None if pd.isna(v) else v for v in expected_second]
    assert (out["n_subsequent_therapies"].to_numpy() == np.array([0 if p == "none" else p.count(" -> ") + 1
                                                                  for p in expected])).all()


def test_recorded_intent_of_the_first_next_therapy():
    """Seed 001 records why each therapy after blinatumomab was given (bridging, consolidation)."""
    patients = conform("patients", pd.DataFrame({"patient_id": ["a", "b", "c"], "disease_setting": "relapsed_refractory"}))
    therapies = conform("therapies", pd.DataFrame({
        "patient_id": ["a", "a", "b"], "sequence_number": [2, 1, 1], "therapy_type": ["allo_hsct", "car_t", "chemotherapy"],
        "start_date": pd.to_datetime(["2023-05-01", "2023-03-01", "2023-04-01"]),
        "intent": ["consolidation", "bridging", None]}))
    out = derive_therapy_paths(patients, therapies).set_index("patient_id")["first_next_therapy_intent"]
    assert out.to_dict() == {"a": "bridging", "b": None, "c": None}
