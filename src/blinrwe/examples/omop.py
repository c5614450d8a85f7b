"""A SYNTHETIC cohort as OMOP CDM v5.4 Parquet tables (tests at small n, benchmarks at large n).

:func:`synthetic_cdm` writes :func:`blinrwe.examples.synthetic_cohort` in the CDM tables that
:func:`blinrwe.intake.read_omop` reads, with the concepts of the shipped ``concepts.toml``
(blinatumomab exposures under two synthetic descendant drug concepts of the RxNorm
ingredient, so the ``concept_ancestor`` lookup is exercised). :func:`omop_view` is the same
cohort restricted to what OMOP carries: entered through a workbook it gives the same study.
Nothing here is patient data (person_source_value ``SYN-...``). Every table is built with
vectorised pandas/numpy, no per-patient loop.

``flaws=True`` adds one of each thing the reader reports: a measurement concept the mapping
does not know (person 1), a duplicate blinatumomab exposure (person 2) and a patient without an
observation period (person 3).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from blinrwe.intake.omop import CARRIED, CARRIED_EVENTS, CARRIED_THERAPIES, load_mapping
from blinrwe.model import ALL_TABLES
from blinrwe.validate.study_data import StudyData

from .synthetic import DEFAULT_CUTOFF, synthetic_cohort

#: Synthetic descendants of the blinatumomab ingredient (local concept ids, OMOP's range above 2e9).
BLINATUMOMAB_PRODUCTS = (2100000001, 2100000002)
#: A measurement concept the shipped mapping does not list (LOINC 718-7 haemoglobin; used by ``flaws``).
UNMAPPED_MEASUREMENT = 3000963
#: The drug ingredient written for each drug therapy type.
DRUG_OF_THERAPY = {"chemotherapy": 1311078, "inotuzumab": 794068, "tki": 1358436}
EHR = 32817  # [standard] type concept "EHR"


def omop_view(study: StudyData) -> StudyData:
    """The study restricted to what OMOP carries (``blinrwe.intake.omop.CARRIED``): other columns empty,
    only the carried event and therapy types, therapies renumbered in start order, the adverse events absent
    (as read from OMOP: unavailable, not none)."""
    tables = {}
    for table in ALL_TABLES.values():
        if table.name not in study.tables or table.name == "patient_summary":
            continue
        frame = study.tables[table.name].copy()
        if table.name == "events":
            frame = frame[frame.event_type.isin(CARRIED_EVENTS)]
        if table.name == "therapies":
            frame = frame[frame.therapy_type.isin(CARRIED_THERAPIES)].sort_values(["patient_id", "start_date"])
            frame["sequence_number"] = frame.groupby("patient_id").cumcount() + 1
        if table.name == "adverse_events":
            frame = frame.iloc[0:0]
        keep = CARRIED.get(table.name, ())
        for col in table.columns:
            if col.name not in keep:
                empty = frame[col.name].where(pd.Series(False, index=frame.index))  # all missing, same dtype
                frame[col.name] = pd.Series([None] * len(frame), index=frame.index, dtype=object) \
                    if frame[col.name].dtype == object else empty
        tables[table.name] = frame.reset_index(drop=True)
    return StudyData(tables=tables, form="study", source=f"omop view of {study.source}",
                     data_cutoff=study.data_cutoff, partial_dates=study.partial_dates,
                     absent=frozenset({"adverse_events"}))  # OMOP holds no graded adverse events


def _date(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values)).dt.date


def synthetic_cdm(n_patients: int = 200, seed: int = 0, data_cutoff: dt.date = DEFAULT_CUTOFF,
                  flaws: bool = False) -> dict[str, pd.DataFrame]:
    """The CDM tables of ``synthetic_cohort(n_patients, seed, data_cutoff)`` (table -> frame)."""
    mapping = load_mapping()
    study = synthetic_cohort(n_patients, seed, data_cutoff).tables
    pat = study["patients"]
    person_of = pd.Series(np.arange(1, len(pat) + 1), index=pat.patient_id)
    t0 = study["infusions"].groupby("patient_id")["start_date"].min()
    birth = pat.birth_date
    person = pd.DataFrame({
        "person_id": person_of.to_numpy(), "gender_concept_id": pat.sex.map({"M": 8507, "F": 8532}).to_numpy(),
        "year_of_birth": birth.dt.year, "month_of_birth": birth.dt.month, "day_of_birth": birth.dt.day,
        "birth_datetime": birth, "race_concept_id": 0, "ethnicity_concept_id": 0,
        "person_source_value": pat.patient_id})
    ev = study["events"]
    death = ev[ev.event_type == "death"]
    last = ev[ev.event_type == "last_contact"].groupby("patient_id")["event_date"].max()
    end = pd.concat([death.set_index("patient_id")["event_date"], last])
    end = end[~end.index.duplicated()]
    observation = pd.DataFrame({"person_id": person_of[end.index].to_numpy(),
                                "observation_period_start_date": _date(pat.set_index("patient_id").diagnosis_date[
                                    end.index] - pd.Timedelta(days=30)).to_numpy(),
                                "observation_period_end_date": _date(end).to_numpy(),
                                "period_type_concept_id": EHR})
    observation = observation.sort_values("person_id").reset_index(drop=True)
    observation.insert(0, "observation_period_id", np.arange(1, len(observation) + 1))
    # drug exposures: blinatumomab segments, then drug therapies after T0
    inf = study["infusions"]
    th = study["therapies"]
    drug_th = th[th.therapy_type.isin(list(DRUG_OF_THERAPY))]
    drugs = pd.concat([
        pd.DataFrame({"person_id": person_of[inf.patient_id].to_numpy(),
                      "drug_concept_id": np.where(inf.dose_unit == "ug/day", *BLINATUMOMAB_PRODUCTS),
                      "drug_exposure_start_date": _date(inf.start_date).to_numpy(),
                      "drug_exposure_end_date": _date(inf.end_date).to_numpy(),
                      "quantity": inf.dose_value.to_numpy(), "dose_unit_source_value": inf.dose_unit.to_numpy(),
                      "drug_source_value": "blinatumomab"}),
        pd.DataFrame({"person_id": person_of[drug_th.patient_id].to_numpy(),
                      "drug_concept_id": drug_th.therapy_type.map(DRUG_OF_THERAPY).to_numpy(),
                      "drug_exposure_start_date": _date(drug_th.start_date).to_numpy(),
                      "drug_exposure_end_date": _date(drug_th.end_date.fillna(drug_th.start_date)).to_numpy(),
                      "quantity": np.nan, "dose_unit_source_value": "",
                      "drug_source_value": drug_th.therapy_type.to_numpy()})], ignore_index=True)
    drugs.insert(0, "drug_exposure_id", np.arange(1, len(drugs) + 1))
    drugs["drug_type_concept_id"] = EHR
    measurement = _measurements(study, person_of, t0, mapping)
    conditions = _conditions(study, person_of, t0, mapping)
    procedures = _procedures(study, person_of, t0, mapping)
    deaths = pd.DataFrame({"person_id": person_of[death.patient_id].to_numpy(),
                           "death_date": _date(death.event_date).to_numpy(), "death_type_concept_id": EHR,
                           "cause_concept_id": death.cause_of_death.map(
                               {k: ids[0] for k, ids in mapping.death_causes.items()}).fillna(0).astype("int64")})
    ingredients = [mapping.blinatumomab, *sorted({c for ids in mapping.drugs.values() for c in ids})]
    ancestor = pd.DataFrame({"ancestor_concept_id": [*ingredients, mapping.blinatumomab, mapping.blinatumomab],
                             "descendant_concept_id": [*ingredients, *BLINATUMOMAB_PRODUCTS],
                             "min_levels_of_separation": [0] * len(ingredients) + [2, 2],
                             "max_levels_of_separation": [0] * len(ingredients) + [2, 2]})
    cdm = {"person": person, "observation_period": observation, "drug_exposure": drugs,
           "condition_occurrence": conditions, "measurement": measurement, "procedure_occurrence": procedures,
           "death": deaths, "concept_ancestor": ancestor}
    return _with_flaws(cdm) if flaws else cdm


def _measurements(study, person_of: pd.Series, t0: pd.Series, mapping) -> pd.DataFrame:
    pat, ass = study["patients"], study["assessments"]
    concept = {v: m.concepts[0] for v, m in mapping.measures.items()}
    mrd_concept = {method: ids[0] for method, ids in mapping.mrd.items()}
    base_day = t0[pat.patient_id].to_numpy() - np.timedelta64(2, "D")
    parts = []
    for column, variable in (("height_cm", "height_cm"), ("weight_kg", "weight_kg"),
                             ("bm_blast_pct_at_t0", "bm_blast_pct")):
        parts.append(pd.DataFrame({"patient_id": pat.patient_id, "concept": concept[variable], "source": variable,
                                   "day": base_day, "value": pat[column] / mapping.measures[variable].factor}))
    parts.append(pd.DataFrame({"patient_id": pat.patient_id, "concept": pat.mrd_method_at_t0.map(mrd_concept),
                               "source": "mrd", "day": base_day, "value": pat.mrd_at_t0 / mapping.mrd_factor}))
    for column in ("bm_blast_pct", "anc", "platelets"):
        parts.append(pd.DataFrame({"patient_id": ass.patient_id, "concept": concept[column], "source": column,
                                   "day": ass.assessment_date, "value": ass[column] / mapping.measures[column].factor}))
    parts.append(pd.DataFrame({"patient_id": ass.patient_id, "concept": ass.mrd_method.map(mrd_concept),
                               "source": "mrd", "day": ass.assessment_date,
                               "value": ass.mrd_value / mapping.mrd_factor}))
    m = pd.concat(parts, ignore_index=True)
    m = m[m.value.notna() & m.concept.notna()]
    m["person_id"] = person_of[m.patient_id].to_numpy()
    m = m.sort_values(["person_id", "day"], kind="stable").reset_index(drop=True)
    return pd.DataFrame({"measurement_id": np.arange(1, len(m) + 1), "person_id": m.person_id,
                         "measurement_concept_id": m.concept.astype("int64"), "measurement_date": _date(m.day),
                         "measurement_type_concept_id": EHR, "value_as_number": m.value,
                         "measurement_source_value": m.source.astype(str)})


def _conditions(study, person_of: pd.Series, t0: pd.Series, mapping) -> pd.DataFrame:
    pat, ev = study["patients"], study["events"]
    c = {k: ids[0] for k, ids in mapping.conditions.items()}
    diag = pat.diagnosis_date.to_numpy()
    span = t0[pat.patient_id].to_numpy() - diag
    parts = [pd.DataFrame({"patient_id": pat.patient_id, "concept": c["b_all"], "day": diag})]
    n_rel = pat.relapse_number.fillna(0).astype(int).to_numpy()
    who = np.repeat(np.arange(len(pat)), n_rel)  # relapse k of n at diagnosis + k/(n+1) of the way to T0
    k = np.arange(len(who)) - np.repeat(np.cumsum(n_rel) - n_rel, n_rel) + 1
    offset = (span[who] * k / (n_rel[who] + 1)).astype("timedelta64[D]")
    parts.append(pd.DataFrame({"patient_id": pat.patient_id.to_numpy()[who], "concept": c["relapse"],
                               "day": diag[who] + offset}))
    primary = (pat.rr_type == "primary_refractory").to_numpy()
    parts.append(pd.DataFrame({"patient_id": pat.patient_id[primary], "concept": c["refractory"],
                               "day": diag[primary] + (span[primary] / 2).astype("timedelta64[D]")}))
    for kind in ("relapse", "progression"):
        e = ev[ev.event_type == kind]
        parts.append(pd.DataFrame({"patient_id": e.patient_id, "concept": c[kind], "day": e.event_date}))
    out = pd.concat(parts, ignore_index=True)
    out["person_id"] = person_of[out.patient_id].to_numpy()
    out = out.sort_values(["person_id", "day"], kind="stable").reset_index(drop=True)
    return pd.DataFrame({"condition_occurrence_id": np.arange(1, len(out) + 1), "person_id": out.person_id,
                         "condition_concept_id": out.concept.astype("int64"),
                         "condition_start_date": _date(pd.to_datetime(out.day).dt.normalize()),
                         "condition_type_concept_id": EHR})


def _procedures(study, person_of: pd.Series, t0: pd.Series, mapping) -> pd.DataFrame:
    pat, th = study["patients"], study["therapies"]
    p = {k: ids[0] for k, ids in mapping.procedures.items()}
    proc = th[th.therapy_type.isin(list(p))]
    parts = [pd.DataFrame({"patient_id": proc.patient_id, "concept": proc.therapy_type.map(p), "day": proc.start_date})]
    before = t0[pat.patient_id].to_numpy() - np.timedelta64(60, "D")
    for column, kind in (("prior_allo_hsct", "allo_hsct"), ("prior_car_t", "car_t")):
        had = pat[column].fillna(False).to_numpy(dtype=bool)
        parts.append(pd.DataFrame({"patient_id": pat.patient_id[had], "concept": p[kind], "day": before[had]}))
    out = pd.concat(parts, ignore_index=True)
    out["person_id"] = person_of[out.patient_id].to_numpy()
    out = out.sort_values(["person_id", "day"], kind="stable").reset_index(drop=True)
    return pd.DataFrame({"procedure_occurrence_id": np.arange(1, len(out) + 1), "person_id": out.person_id,
                         "procedure_concept_id": out.concept.astype("int64"), "procedure_date": _date(out.day),
                         "procedure_type_concept_id": EHR})


def _with_flaws(cdm: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """One unmapped measurement (person 1), one duplicate exposure (person 2), no observation period (person 3)."""
    m = cdm["measurement"]
    extra = m[m.person_id == 1].head(1).assign(measurement_id=int(m.measurement_id.max()) + 1,
                                               measurement_concept_id=UNMAPPED_MEASUREMENT, value_as_number=120.0,
                                               measurement_source_value="718-7")
    d = cdm["drug_exposure"]
    twin = d[d.person_id == 2].head(1).assign(drug_exposure_id=int(d.drug_exposure_id.max()) + 1)
    op = cdm["observation_period"]
    return {**cdm, "measurement": pd.concat([m, extra], ignore_index=True),
            "drug_exposure": pd.concat([d, twin], ignore_index=True),
            "observation_period": op[op.person_id != 3].reset_index(drop=True)}


def write_synthetic_omop(folder, n_patients: int = 200, seed: int = 0, data_cutoff: dt.date = DEFAULT_CUTOFF,
                         flaws: bool = False, duckdb_file: str | None = None) -> Path:
    """Write the SYNTHETIC CDM as ``<table>.parquet`` files in ``folder`` (and, with ``duckdb_file``, as
    the tables of that DuckDB database in the same folder). Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = synthetic_cdm(n_patients, seed, data_cutoff, flaws)
    for name, frame in tables.items():
        # timestamps in microseconds: Spark cannot read Parquet nanosecond timestamps
        frame.to_parquet(folder / f"{name}.parquet", index=False, coerce_timestamps="us")
    if duckdb_file:
        import duckdb

        with duckdb.connect(str(folder / duckdb_file)) as con:
            for name in tables:
                con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet(?)",
                            [str(folder / f"{name}.parquet")])
    return folder
