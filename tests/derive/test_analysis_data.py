"""derive_analysis_data end to end: dated form (small cohort), row-order invariance, summary form (seed 003)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blinrwe.derive import AnalysisData, DeriveSettings, derive_analysis_data, preset

D = pd.Timestamp
# The repository's own copy of the seed 003 listing (shared/domain/seed003_patients.csv).
SEED003 = Path(__file__).resolve().parents[2] / "src" / "blinrwe" / "examples" / "data" / "seed003_patients.csv"


def cohort():
    """Four R/R patients (>= 45 kg, label cycle 1 from 2023-01-01 unless noted).

    r: CR on day 28, allo-HSCT day 59, relapse day 151, alive at day 243.
    n: no response (blasts 30% on day 19), dies day 59.
    c: in CR at T0 (consolidation), MRD-negative day 28, last assessment day 90, alive.
    u: never infused (excluded from every analysis set).
    """
    patients = pd.DataFrame({
        "patient_id": ["r", "n", "c", "u"], "disease_setting": ["relapsed_refractory"] * 4,
        "disease_status_at_t0": ["non_CR", "non_CR", "CR", "non_CR"], "weight_kg": [70, 70, 70, 70],
        "height_cm": [170] * 4, "bm_blast_pct_at_t0": [60, 30, 0.5, 10], "mrd_status_at_t0": [None, None, "positive", None],
    })
    infusions = pd.DataFrame({
        "patient_id": ["r", "r", "n", "n", "c"], "cycle_number": [1, 1, 1, 1, 1],
        "start_date": [D("2023-01-01"), D("2023-01-08"), D("2023-01-01"), D("2023-01-08"), D("2023-01-01")],
        "end_date": [D("2023-01-07"), D("2023-01-28"), D("2023-01-07"), D("2023-01-14"), D("2023-01-28")],
        "dose_value": [9, 28, 9, 28, 28], "dose_unit": ["ug/day"] * 5,
    })
    assessments = pd.DataFrame({
        "patient_id": ["r", "n", "c", "c"],
        "assessment_date": [D("2023-01-29"), D("2023-01-20"), D("2023-01-29"), D("2023-04-01")],
        "bm_blast_pct": [1, 30, 0, 0], "anc": [1.2, 0.3, 2, 2], "platelets": [120, 20, 150, 150],
        "mrd_value": [2e-3, None, 0.0, 0.0],
    })
    events = pd.DataFrame({
        "patient_id": ["r", "r", "n", "c"], "event_type": ["relapse", "last_contact", "death", "last_contact"],
        "event_date": [D("2023-06-01"), D("2023-09-01"), D("2023-03-01"), D("2023-10-01")],
        "cause_of_death": [None, None, "leukemia", None],
    })
    therapies = pd.DataFrame({"patient_id": ["r"], "sequence_number": [1], "therapy_type": ["allo_hsct"],
                              "start_date": [D("2023-03-01")]})
    adverse_events = pd.DataFrame({"patient_id": ["r", "r", "n"], "term": ["CRS", "infection", "CRS"],
                                   "grade": [2, 3, 1], "onset_date": [D("2023-01-02"), D("2023-02-15"), D("2023-01-03")]})
    return {"patients": patients, "infusions": infusions, "assessments": assessments, "events": events,
            "therapies": therapies, "adverse_events": adverse_events}


SETTINGS = DeriveSettings(censoring_variants=("none", "allo_hsct_or_car_t"))


@pytest.fixture(scope="module")
def data():
    return derive_analysis_data(cohort(), SETTINGS)


def test_returns_every_table(data):
    assert isinstance(data, AnalysisData) and data.form == "study" and data.unavailable == {}
    assert data.adsl["patient_id"].tolist() == ["r", "n", "c", "u"]
    assert data.adsl["treated"].tolist() == [True, True, True, False]


def test_adsl_response_intent_exposure(data):
    a = data.adsl.set_index("patient_id")
    assert a["intent"].tolist() == ["rr_reinduction", "rr_reinduction", "rr_consolidation", "rr_reinduction"]
    assert a.loc["r", "best_response"] == "CR" and a.loc["n", "best_response"] == "NR"
    assert a.loc["r", "regimen_class"] == "label" and a.loc["n", "infusion_days_total"] == 14
    assert a.loc["c", "mrd_denominator_positive_at_t0"] and a.loc["c", "complete_mrd_response_overall"]
    assert a.loc["r", "therapy_path"] == "allo_hsct" and a.loc["r", "allo_hsct_date"] == D("2023-03-01")
    # the grade-3 infection (day 45) is after the last infusion: outside the seed 001 window
    assert a.loc["r", "crs_worst_grade"] == 2 and not a.loc["r", "any_ae_ge3"]
    assert a.loc["n", "death"] and a.loc["n", "cause_of_death"] == "leukemia" and a.loc["r", "relapse"]


def row(data, pid, endpoint, variant="none"):
    t = data.tte
    return t[(t["patient_id"] == pid) & (t["endpoint"] == endpoint) & (t["variant"] == variant)].iloc[0]


def test_efs_day_1_rule_and_cr_at_t0(data):
    # seed 001: n did not reach CR/CRi within 12 weeks -> event, time 1 day; c was in CR at T0 -> only
    # relapse/death count: censored at the last disease (marrow) assessment, day 90.
    assert row(data, "n", "EFS")[["time_days", "event", "source"]].tolist() == [1, 1, "induction_failure"]
    assert row(data, "c", "EFS")[["time_days", "event", "source"]].tolist() == [90, 0, "last_marrow_assessment"]
    assert row(data, "r", "EFS")[["time_days", "event", "source"]].tolist() == [151, 1, "relapse"]
    assert row(data, "r", "EFS", "allo_hsct_or_car_t")[["time_days", "event", "source"]].tolist() == [59, 0, "allo_hsct"]


def test_pfs_rfs_os(data):
    # seed 003: non-responder fails at the first post-treatment marrow assessment (day 19)
    assert row(data, "n", "PFS")[["time_days", "event", "source"]].tolist() == [19, 1, "no_response_first_assessment"]
    assert row(data, "n", "OS")[["time_days", "event", "source"]].tolist() == [59, 1, "death"]
    assert row(data, "r", "RFS")[["origin_date", "time_days", "event"]].tolist() == [D("2023-01-29"), 123, 1]
    assert row(data, "c", "RFS")["origin_date"] == D("2023-01-01")


def test_patient_flow_and_who_is_in_each_set(data):
    """The patient flow counts each analysis set's patients included and excluded by reason; who they are
    follows from the patient table and the endpoint rows by the same declared rule."""
    from blinrwe.derive.attrition import analysis_set_members

    flow = {(s, None if pd.isna(i) else bool(i), r): n for s, i, r, n in data.attrition.itertuples(index=False)}
    assert flow[("RFS", True, None)] == 2 and flow[("RFS", False, "not a responder")] == 1
    assert flow[("OS", True, None)] == 3 and flow[("OS", False, "no blinatumomab infusion recorded")] == 1
    assert flow[("MRD response: MRD available", False, "no MRD assessment")] == 1
    assert flow[("efficacy", False, "no blinatumomab infusion recorded")] == 1
    assert data.attrition.groupby("analysis_set")["n"].sum().eq(4).all()  # every set starts from all patients

    def members(name):
        return dict(zip(data.adsl["patient_id"], analysis_set_members(data.adsl, data.tte, name).tolist()))

    assert members("RFS") == {"r": True, "n": False, "c": True, "u": False}
    assert members("OS") == {"r": True, "n": True, "c": True, "u": False}
    assert members("MRD response: MRD available") == {"r": True, "n": False, "c": True, "u": False}


def _canonical(frame):
    frame = frame.reset_index(drop=True)
    keys = [c for c in ("analysis_set", "endpoint", "variant", "patient_id", "term", "assessment_date",
                        "cycle_number") if c in frame.columns]
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def test_invariant_to_input_row_order(data):
    shuffled = {name: df.sample(frac=1.0, random_state=7).reset_index(drop=True) for name, df in cohort().items()}
    other = derive_analysis_data(shuffled, SETTINGS)
    for name in ("adsl", "responses", "tte", "adverse_events", "therapy_paths", "attrition", "exposure_cycles"):
        pd.testing.assert_frame_equal(_canonical(getattr(other, name)), _canonical(getattr(data, name)),
                                      check_dtype=False, obj=name)


def seed003_summary():
    """seed003_patients.csv mapped to the patient_summary table (the intake's job; done inline here)."""
    raw = pd.read_csv(SEED003, dtype=str, keep_default_na=False)
    status = raw["disease_status_at_blina"].replace({"Primary refractory": "primary_refractory"})
    yes_no = {"Yes": True, "No": False, "": None}
    return pd.DataFrame({
        "patient_id": raw["patient_id"], "age_years": raw["age_years"].astype(float), "sex": raw["sex"],
        "disease_status": status, "genetic_risk_group": raw["prognostic_risk_genetic_aberration"].str.lower(),
        "prior_therapy": raw["preblina_therapy"], "bm_blast_pct_at_t0": raw["bm_blast_pct_at_onset"].astype(float),
        "best_response": raw["response_to_blina"].replace({"No-response": "NR"}),
        "mrd_negative": raw["mrd_negative"].map(yes_no).astype("boolean"),
        "next_therapy": raw["followup_therapy_after_blina"],
        "relapse": raw["relapse"].map(yes_no).astype("boolean"),
        "death_cause": raw["cause_of_death"].str.lower(),
    })


def test_seed003_summary_form_reproduces_the_published_counts():
    data = derive_analysis_data({"patient_summary": seed003_summary()}, preset("003"))
    a = data.adsl
    assert data.form == "summary" and data.tte.empty
    assert set(data.unavailable) >= {"OS", "PFS", "exposure"}
    # seed-targets.yaml seed003_patient_level_checks
    assert a["best_response"].value_counts().to_dict() == {"CR": 16, "CRi": 9, "NR": 5}
    assert a["cr_cri"].sum() == 25 and a["mrd_negative"].sum() == 12
    high = a["burden_t0_gt50"] == ">50"
    assert high.sum() == 13 and (high & a["cr_cri"]).sum() == 9 and (high & a["mrd_negative"]).sum() == 6
    responders = a[a["cr_cri"]]
    assert responders["further_treatment_group"].value_counts().to_dict() == {
        "chemotherapy": 8, "allo_hsct": 8, "blinatumomab": 3, "car_t": 3, "none": 3}
    assert a.loc[a["patient_id"] == "3", "therapy_path"].item() == "car_t -> allo_hsct"
    assert a["relapse"].sum() == 5 and a["death"].sum() == 6
    assert a["disease_status"].value_counts().to_dict() == {"1R": 12, "primary_refractory": 9, "2R": 6, "3R": 3}
    assert a["relapse_number"].astype(float).fillna(-1).tolist()[:3] == [0, 2, 0]
    att = data.attrition  # the patient flow
    responders = att[att["analysis_set"] == "MRD response: responders"]
    assert responders.loc[responders["included"].fillna(False), "n"].tolist() == [25]
    # no MRD at the start of treatment on the summary form: that set is undetermined (not 0 of 30) and unavailable
    pos = att[att["analysis_set"] == "MRD response: MRD-positive at T0"]
    assert pos["n"].tolist() == [30] and pos["included"].isna().all()
    assert not set(att["analysis_set"]) & {"OS", "PFS"}  # no endpoint sets without dates
    assert "summary form" in data.unavailable["MRD response: MRD-positive at T0"]
    assert a["mrd_denominator_positive_at_t0"].isna().all()
    # yes/no outcomes stay nullable booleans (not object columns of True/False/NA)
    assert {str(a[c].dtype) for c in ("relapse", "death", "mrd_negative")} == {"boolean"}
    assert a["relapse"].isna().sum() == 4 and a["relapse"].sum() == 5


def test_data_cutoff_of_the_study_is_used_unless_set():
    import datetime as dt
    from types import SimpleNamespace

    study = SimpleNamespace(tables=cohort(), form="study", data_cutoff=dt.date(2023, 2, 1))
    data = derive_analysis_data(study, DeriveSettings())
    assert data.settings.data_cutoff == dt.date(2023, 2, 1)
    assert row(data, "n", "OS")[["end_date", "event", "source"]].tolist() == [D("2023-02-01"), 0, "data_cutoff"]


def test_results_do_not_depend_on_how_patient_ids_sort():
    # The derivations run on integer codes in id order. Renaming the patients so that their ids sort in
    # the reverse order, and shuffling every table, must give the same rows per patient.
    from blinrwe.examples import synthetic_cohort

    study = synthetic_cohort(300, 15)
    rename = {pid: f"Z{10_000 - i:05d}" for i, pid in enumerate(sorted(study.tables["patients"]["patient_id"]))}
    renamed = {name: df.assign(patient_id=df["patient_id"].map(rename)).sample(frac=1.0, random_state=5)
               for name, df in study.tables.items()}
    settings = DeriveSettings(censoring_variants=("none", "allo_hsct"))
    data, other = derive_analysis_data(study, settings), derive_analysis_data(renamed, settings)
    back = {v: k for k, v in rename.items()}
    for name in ("adsl", "responses", "tte", "adverse_events", "therapy_paths", "attrition", "exposure_cycles"):
        theirs = getattr(other, name)
        if "patient_id" in theirs.columns:  # not the patient flow: counts only
            theirs = theirs.assign(patient_id=lambda d: d["patient_id"].map(back))
        pd.testing.assert_frame_equal(_canonical(theirs), _canonical(getattr(data, name)), check_exact=True, obj=name)



def test_adsl_rows_give_each_row_its_patient_in_adsl():
    from blinrwe.examples import synthetic_cohort

    data = derive_analysis_data(synthetic_cohort(40, 2))
    ids = data.adsl["patient_id"].to_numpy()
    assert set(data.adsl_rows) == {"tte", "adverse_events"}
    for name, rows in data.adsl_rows.items():
        frame = getattr(data, name)
        assert rows.dtype == np.int64 and len(rows) == len(frame)
        assert (ids[rows] == frame["patient_id"].to_numpy()).all()


def test_no_adsl_rows_when_the_adsl_is_not_in_id_order(data):
    assert data.adsl["patient_id"].tolist() == ["r", "n", "c", "u"]  # as entered, not sorted
    assert data.adsl_rows == {}
