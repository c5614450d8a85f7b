"""The conversion rules on hand-made CDM records (no engine): cycles, setting, baseline, assessments, therapies."""

import pandas as pd

from blinrwe.intake.omop import load_mapping
from blinrwe.intake.omop.convert import study_tables
from blinrwe.intake.omop.source import CDM_COLUMNS, CdmExtract

M = load_mapping()
BLINA = 2100000001
D = pd.Timestamp


def _cdm(**records) -> CdmExtract:
    tables = {name: pd.DataFrame(records.get(name, []), columns=list(cols)) for name, cols in CDM_COLUMNS.items()}
    return CdmExtract(source="test", files={t: f"{t}.parquet" for t in CDM_COLUMNS}, tables=tables,
                      blinatumomab_concepts=frozenset({M.blinatumomab, BLINA}),
                      drug_concepts={1311078: "chemotherapy", 1358436: "tki"}, unmapped={})


PERSON = [(1, 8532, 1980, 5, 17, "P-1"), (2, 8507, 1990, None, None, None)]
OBS = [(1, 1, D("2020-01-01"), D("2023-01-01")), (2, 1, D("2020-01-01"), D("2023-06-30")),
       (3, 2, D("2020-01-01"), D("2023-02-01"))]


def _exposure(i, person, start, end, rate=28.0, unit="ug/day", concept=BLINA):
    return (i, person, concept, D(start), D(end), rate, unit, "blinatumomab")


EXPOSURES = [_exposure(1, 1, "2022-01-01", "2022-01-07", 9.0, "mcg/day"), _exposure(2, 1, "2022-01-08", "2022-01-28"),
             _exposure(3, 1, "2022-02-05", "2022-03-04"),  # 7 free days: same cycle
             _exposure(4, 1, "2022-03-13", "2022-04-09"),  # 8 free days: a new cycle
             _exposure(5, 2, "2022-06-01", "2022-06-28", 15.0, "ug/m2/day")]


def test_cycles_follow_the_gap_rule_and_units_are_mapped():
    tables, notes = study_tables(_cdm(person=PERSON, observation_period=OBS, drug_exposure=EXPOSURES), M)
    inf = tables["infusions"]
    assert list(inf.cycle_number) == [1, 1, 1, 2, 1]
    assert list(inf.dose_unit) == ["ug/day"] * 4 + ["ug/m2/day"]
    assert list(inf.row) == [1, 2, 3, 4, 5] and not notes
    patients = tables["patients"]
    assert list(patients.patient_id) == ["P-1", "2"]  # person_source_value, else person_id
    assert list(patients.sex) == ["F", "M"]
    assert list(patients.birth_date) == [D("1980-05-17"), D("1990-01-01")]  # month/day missing: 1 January


def test_the_setting_at_t0_comes_from_the_conditions_before_it():
    relapse, refractory, b_all = M.conditions["relapse"][0], M.conditions["refractory"][0], M.conditions["b_all"][0]
    persons = [(p, 8507, 1980, 1, 1, f"P-{p}") for p in (1, 2, 3)]
    exposures = [_exposure(p, p, "2022-01-01", "2022-01-28") for p in (1, 2, 3)]
    conditions = [(1, 1, b_all, D("2020-01-01")), (2, 1, relapse, D("2021-01-01")),
                  (3, 1, relapse, D("2021-01-05")),  # the same relapse coded again: one episode
                  (4, 1, relapse, D("2021-09-01")), (5, 2, refractory, D("2021-06-01")),
                  (6, 3, b_all, D("2021-11-01")), (7, 3, relapse, D("2022-06-01"))]  # after T0: an event
    tables, _ = study_tables(_cdm(person=persons, observation_period=OBS, drug_exposure=exposures,
                                  condition_occurrence=conditions), M)
    p = tables["patients"].set_index("patient_id")
    assert list(p.disease_setting) == ["relapsed_refractory", "relapsed_refractory", "newly_diagnosed"]
    assert list(p.rr_type) == ["relapsed", "primary_refractory", None]
    assert p.relapse_number.tolist()[:2] == [2, 0] and pd.isna(p.relapse_number["P-3"])
    assert p.diagnosis_date["P-1"] == D("2020-01-01") and pd.isna(p.diagnosis_date["P-2"])
    ev = tables["events"]
    assert ev[ev.event_type == "relapse"].values.tolist() == [["P-3", "relapse", D("2022-06-01"), None]]


def test_baseline_is_the_latest_before_t0_and_assessments_are_marrow_or_mrd_days():
    blasts, anc, mrd = M.measures["bm_blast_pct"].concepts[0], M.measures["anc"].concepts[0], M.mrd["flow"][0]
    measurements = [(1, 1, blasts, D("2021-12-01"), 60.0, None), (2, 1, blasts, D("2021-12-30"), 40.0, None),
                    (3, 1, mrd, D("2021-12-30"), 2.0, None),  # 2 % -> 0.02
                    (4, 1, anc, D("2022-01-10"), 0.4, None),  # a blood count alone: not an assessment
                    (5, 1, blasts, D("2022-02-01"), 3.0, None), (6, 1, anc, D("2022-02-01"), 1.2, None),
                    (7, 1, mrd, D("2022-02-01"), 0.001, None)]
    tables, _ = study_tables(_cdm(person=PERSON[:1], observation_period=OBS, drug_exposure=EXPOSURES[:1],
                                  measurement=measurements), M)
    p = tables["patients"].iloc[0]
    assert (p.bm_blast_pct_at_t0, p.mrd_at_t0, p.mrd_method_at_t0) == (40.0, 0.02, "flow")
    a = tables["assessments"]
    assert len(a) == 1
    row = a.iloc[0]
    assert (row.assessment_date, row.bm_blast_pct, row.anc, row.mrd_method, row.row) == (
        D("2022-02-01"), 3.0, 1.2, "flow", 5)
    assert abs(row.mrd_value - 1e-5) < 1e-18 and pd.isna(row.platelets)


def test_therapies_are_episodes_after_t0_and_prior_ones_set_the_flags():
    hsct, car_t = M.procedures["allo_hsct"][0], M.procedures["car_t"][0]
    procedures = [(1, 1, car_t, D("2021-06-01")), (2, 1, hsct, D("2022-05-01"))]
    drugs = [*EXPOSURES[:1], (10, 1, 1311078, D("2022-03-01"), D("2022-03-01"), None, None, "cytarabine"),
             (11, 1, 1311078, D("2022-03-10"), D("2022-03-10"), None, None, "cytarabine"),  # same course
             (12, 1, 1311078, D("2022-08-01"), D("2022-08-01"), None, None, "cytarabine")]  # a new one
    tables, _ = study_tables(_cdm(person=PERSON[:1], observation_period=OBS, drug_exposure=drugs,
                                  procedure_occurrence=procedures), M)
    th = tables["therapies"]
    assert th[["sequence_number", "therapy_type", "start_date"]].values.tolist() == [
        [1, "chemotherapy", D("2022-03-01")], [2, "allo_hsct", D("2022-05-01")], [3, "chemotherapy", D("2022-08-01")]]
    p = tables["patients"].iloc[0]
    assert (bool(p.prior_car_t), bool(p.prior_allo_hsct)) == (True, False)


def test_death_and_last_contact():
    cause = M.death_causes["infection"][0]
    tables, _ = study_tables(_cdm(person=PERSON, observation_period=OBS, drug_exposure=EXPOSURES,
                                  death=[(2, D("2023-02-01"), cause)]), M)
    ev = tables["events"]
    assert ev.values.tolist() == [["P-1", "last_contact", D("2023-06-30"), None],  # the later of two periods
                                  ["2", "death", D("2023-02-01"), "infection"]]


def test_what_omop_does_not_carry_is_declared_per_table():
    from blinrwe.intake.omop import CARRIED, not_carried

    missing = not_carried()
    assert "adverse_events" in missing and "grade" in missing["adverse_events"]
    assert "ph_status" in missing["patients"] and "sex" not in missing["patients"]
    for table, columns in CARRIED.items():
        assert not set(columns) & set(missing[table])
