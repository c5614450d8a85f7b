"""The SYNTHETIC cohort: labelled, deterministic, seed-001-like mix, and valid through both intake paths."""

import datetime as dt

import openpyxl
import pandas.testing as pdt

from blinrwe.examples import synthetic_cohort, write_synthetic_study
from blinrwe.intake import read_study
from blinrwe.validate import validate_study


def test_labelled_synthetic_everywhere(tmp_path):
    s = synthetic_cohort(20, seed=3)
    p = s.tables["patients"]
    assert p["patient_id"].str.match(r"^SYN-\d{4}$").all()
    assert (p["site"] == "SYNTHETIC").all()
    assert s.source.startswith("synthetic(")
    path = write_synthetic_study(tmp_path / "syn.xlsx", 20, seed=3)
    readme = openpyxl.load_workbook(path, read_only=True)["README"]
    assert next(readme.iter_rows(values_only=True))[0] == "SYNTHETIC DATA - NOT REAL PATIENTS"
    assert synthetic_cohort(10_001, seed=0).tables["patients"]["patient_id"].iloc[-1] == "SYN-10001"


def test_deterministic_per_seed():
    a, b, c = synthetic_cohort(50, 7), synthetic_cohort(50, 7), synthetic_cohort(50, 8)
    for name in a.tables:
        pdt.assert_frame_equal(a.tables[name], b.tables[name])
    assert not a.tables["patients"]["age_at_t0"].equals(c.tables["patients"]["age_at_t0"])


def test_validates_without_findings_through_xlsx_and_csv(tmp_path):
    cutoff = dt.date(2023, 6, 30)
    study = synthetic_cohort(120, seed=11, data_cutoff=cutoff)
    for target in (tmp_path / "syn.xlsx", tmp_path / "syn_csv"):
        write_synthetic_study(target, 120, seed=11, data_cutoff=cutoff)
        back, report = validate_study(read_study(target), data_cutoff=cutoff, today=dt.date(2024, 1, 1))
        assert report.findings == (), report.to_text()
        for name in study.tables:
            pdt.assert_frame_equal(back.tables[name], study.tables[name])


def test_case_mix_resembles_seed_001():
    s = synthetic_cohort(4000, seed=1)
    p, inf, a, ev, th, ae = (s.tables[k] for k in ("patients", "infusions", "assessments", "events", "therapies",
                                                    "adverse_events"))
    assert 0.45 < (p["disease_setting"] == "newly_diagnosed").mean() < 0.65
    assert 0.2 < (p["ph_status"] == "positive").mean() < 0.4
    assert (p["age_at_t0"] < 18).any() and (p["age_at_t0"] >= 18).any()
    assert (p["weight_kg"] < 45).any() and (p["weight_kg"] >= 45).any()
    assert set(inf["dose_unit"]) == {"ug/day", "ug/m2/day"}
    assert set(inf["dose_value"]) == {5.0, 9.0, 15.0, 28.0}
    cycles = inf.groupby("patient_id")["cycle_number"].max()
    assert cycles.min() == 1 and cycles.max() <= 5 and 0.55 < (cycles == 1).mean() < 0.8
    best = a[a["response_recorded"].isin(["CR", "CRi", "CRh"]) | (a["bm_blast_pct"] <= 5)]["patient_id"].nunique()
    assert 0.7 < best / len(p) < 0.9
    assert set(ev["event_type"]) >= {"relapse", "progression", "death", "last_contact"}
    assert ev.loc[ev["event_type"] == "death", "cause_of_death"].notna().all()
    allo = th.loc[th["therapy_type"] == "allo_hsct", "patient_id"].nunique() / len(p)
    assert 0.35 < allo < 0.65
    assert {"car_t", "chemotherapy"} <= set(th["therapy_type"])
    assert {"CRS", "ICANS"} <= set(ae["term"]) and ae["grade"].between(1, 4).all()
    assert (inf["end_date"] <= s.data_cutoff.isoformat()).all()
