"""A small hand-built AnalysisData (the derive contract) for analysis tests, independent of derive."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest


def make_analysis_data(n: int = 60, seed: int = 7) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(n)]
    setting = rng.choice(["newly_diagnosed", "relapsed_refractory"], n)
    best = rng.choice(["CR", "CRh", "CRi", "NR", None], n, p=[0.5, 0.1, 0.15, 0.2, 0.05])
    best2 = np.where(rng.random(n) < 0.8, best, "NR")
    cycles = rng.integers(1, 4, n)
    days = cycles * rng.integers(7, 29, n)
    adsl = pd.DataFrame({
        "patient_id": ids,
        "age_at_t0": np.round(rng.normal(40, 15, n), 1),
        "sex": rng.choice(["M", "F"], n),
        "disease_setting": setting,
        "ph_status": rng.choice(["positive", "negative", None], n, p=[0.3, 0.6, 0.1]),
        "intent": np.where(setting == "newly_diagnosed", "frontline_consolidation", "rr_reinduction"),
        "prior_tki": pd.array(rng.random(n) < 0.3, dtype="boolean"),
        "best_response_2_cycles": best2,
        "best_response_overall": best,
        "cr_cri_overall": pd.array(np.isin(best, ["CR", "CRh", "CRi"]), dtype="boolean"),
        "cr_cri_2_cycles": pd.array(np.isin(best2, ["CR", "CRh", "CRi"]), dtype="boolean"),
        "mrd_negative_overall": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "mrd_negative_2_cycles": pd.array(rng.random(n) < 0.4, dtype="boolean"),
        "mrd_denominator_responders": pd.array(np.isin(best, ["CR", "CRh", "CRi"]), dtype="boolean"),
        "cycles_started": pd.array(cycles, dtype="Int64"),
        "infusion_days_total": pd.array(days, dtype="Int64"),
        "cumulative_dose_ug": days * 28.0,
        "cycles_class": np.where(cycles == 1, "1", ">=2"),
        "duration_class_total": np.where(days <= 14, "<=14 d", np.where(days <= 28, "15-28 d", ">28 d")),
        "first_next_therapy": rng.choice(["allo_hsct", "car_t", "chemotherapy", None], n),
        "therapy_path": rng.choice(["allo_hsct", "car_t -> allo_hsct", "chemotherapy", "none"], n),
        "allo_hsct_after": pd.array(rng.random(n) < 0.4, dtype="boolean"),
    })
    rows = []
    for endpoint in ("OS", "EFS"):
        for variant in ("none", "allo_hsct"):
            t = rng.integers(1, 900, n)
            e = (rng.random(n) < 0.5).astype(int)
            rows.append(pd.DataFrame({"patient_id": ids, "endpoint": endpoint, "variant": variant, "time_days": t,
                                      "time_months": t / 30.4375, "event": e, "source": "x"}))
    t = rng.integers(1, 900, n)
    et = rng.choice([0, 1, 2], n)
    rows.append(pd.DataFrame({"patient_id": ids, "endpoint": "CIR", "variant": "none", "time_days": t,
                              "time_months": t / 30.4375, "event": (et > 0).astype(int), "source": "x",
                              "event_type": et}))
    tte = pd.concat(rows, ignore_index=True)
    k = 2 * n
    ae = pd.DataFrame({"patient_id": rng.choice(ids, k), "term": rng.choice(["CRS", "ICANS", "infection"], k),
                       "worst_grade": rng.integers(1, 5, k)}).drop_duplicates(["patient_id", "term"])
    # the patient flow (AnalysisData.attrition): every patient in the one analysis set
    attrition = pd.DataFrame({"analysis_set": ["treated"], "included": pd.array([True], dtype="boolean"),
                              "reason": [None], "n": [n]})
    return SimpleNamespace(adsl=adsl, tte=tte, adverse_events=ae, attrition=attrition,
                           responses=pd.DataFrame(), therapy_paths=pd.DataFrame())


@pytest.fixture(scope="session")
def analysis_data():
    return make_analysis_data()
