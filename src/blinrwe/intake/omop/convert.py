"""OMOP records of the cohort -> the study tables of the workbook (values as typed cells).

What OMOP carries (:data:`CARRIED`) and the rules, each a table operation:

* patients (``person``): ``patient_id`` = ``person_source_value`` (else ``person_id``), ``sex``
  from ``gender_concept_id``, ``birth_date`` from year/month/day of birth; ``diagnosis_date`` =
  first B-ALL condition; the setting at T0 from the conditions before T0 (relapse episodes ->
  relapsed/refractory, ``rr_type`` relapsed, ``relapse_number`` = their number; refractory without
  relapse -> primary refractory, 0; neither -> newly diagnosed; domain-spec 2.1); ``prior_allo_hsct`` /
  ``prior_car_t`` = such a procedure or drug on or before T0 (no record = no); height, weight,
  marrow blasts and MRD at T0 = the latest measurement on or before T0.
* infusions (``drug_exposure`` of blinatumomab and its descendants): one segment per exposure,
  rate = ``quantity`` in the unit of ``dose_unit_source_value``; cycles numbered by the label's
  interruption rule (domain-spec 1.4: more than ``new_cycle_gap_days`` = 7 days without infusion
  starts a new cycle).
* assessments (``measurement``): one row per patient and day on or after T0 with marrow blasts or
  MRD; ANC and platelets of the same day.
* events: relapse and progression episodes after T0 (``condition_occurrence``), death
  (``death``, its cause from ``cause_concept_id``), last contact = end of the last observation
  period of a patient not known dead.
* therapies (``procedure_occurrence``, ``drug_exposure``) starting after T0: episodes of one type
  (records less than ``merge_gap_days`` apart), numbered by start.

Not from OMOP (left empty; enter them in the workbook): site, age as recorded, BSA as recorded,
Ph status and genetics, counts at diagnosis, CNS/extramedullary disease, prior lines, intent, line,
disease status at T0, peripheral blasts, CD19, stop reason; infusion daily dose as recorded,
interruptions, premedication; assessment timepoint, circulating blasts, extramedullary disease,
the investigator's response, MRD sensitivity; relapse site, MRD relapse, last disease
assessment; a therapy's end, detail and intent, and a later blinatumomab course (every blinatumomab
exposure is an infusion segment); adverse events (OMOP holds no CTCAE/ASTCT grade).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.model import STUDY_TABLES

from .mapping import OmopMapping
from .notes import duplicate_exposure_note, no_observation_period_note
from .source import CdmExtract

#: Columns of each study table that OMOP carries (the others stay empty).
CARRIED: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id", "sex", "birth_date", "height_cm", "weight_kg", "diagnosis_date", "disease_setting",
                 "rr_type", "relapse_number", "prior_allo_hsct", "prior_car_t", "bm_blast_pct_at_t0", "mrd_at_t0",
                 "mrd_method_at_t0"),
    "infusions": ("patient_id", "cycle_number", "start_date", "end_date", "dose_value", "dose_unit"),
    "assessments": ("patient_id", "assessment_date", "bm_blast_pct", "anc", "platelets", "mrd_value", "mrd_method"),
    "events": ("patient_id", "event_type", "event_date", "cause_of_death"),
    "therapies": ("patient_id", "sequence_number", "therapy_type", "start_date"),
}
def not_carried() -> dict[str, tuple[str, ...]]:
    """Columns of each dated-study table that OMOP does not carry (left empty; enter them in a workbook)."""
    return {t.name: tuple(c.name for c in t.columns if c.name not in CARRIED.get(t.name, ()))
            for t in STUDY_TABLES}


#: Event types and therapy types OMOP gives.
CARRIED_EVENTS = ("relapse", "progression", "death", "last_contact")
CARRIED_THERAPIES = ("allo_hsct", "car_t", "chemotherapy", "inotuzumab", "tki")


def _day(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values), errors="coerce").dt.normalize()


def _episodes(frame: pd.DataFrame, keys: list[str], date: str, gap_days: int) -> pd.Series:
    """Does each row start a new episode: the first of its keys, or more than ``gap_days`` after the previous one.

    ``frame`` is sorted by ``keys`` then ``date``.
    """
    same = (frame[keys] == frame[keys].shift()).all(axis=1)
    apart = (frame[date] - frame[date].shift()).dt.days > gap_days
    return ~same | apart


def exposures(cdm: CdmExtract, mapping: OmopMapping, notes: list) -> pd.DataFrame:
    """Blinatumomab infusion segments (duplicates dropped with a note), cycles numbered."""
    de = cdm.tables["drug_exposure"]
    de = de[de.drug_concept_id.isin(sorted(cdm.blinatumomab_concepts))].copy()
    de["start"] = _day(de.drug_exposure_start_date).to_numpy()
    de["end"] = _day(de.drug_exposure_end_date).to_numpy()
    de = de.sort_values(["person_id", "start", "drug_exposure_id"], kind="stable")
    dup = de.duplicated(["person_id", "drug_concept_id", "start"])
    if dup.any():
        kept = de[~dup].set_index(["person_id", "drug_concept_id", "start"])["drug_exposure_id"]
        for r in de[dup].itertuples():
            notes.append(duplicate_exposure_note(int(r.drug_exposure_id), int(kept[(r.person_id, r.drug_concept_id,
                                                                                      r.start)]),
                                                 int(r.person_id), int(r.drug_concept_id), r.start,
                                                 cdm.files["drug_exposure"]))
    de = de[~dup].reset_index(drop=True)
    previous_end = de.groupby("person_id")["end"].shift()
    new_cycle = previous_end.isna() | ((de.start - previous_end).dt.days - 1 > mapping.new_cycle_gap_days)
    de["cycle_number"] = new_cycle.astype(int).groupby(de.person_id).cumsum()
    typed = de.dose_unit_source_value.astype("string").str.strip()
    unit = typed.str.casefold().map(mapping.rate_units).fillna(typed)  # an unknown unit stays as typed (a finding)
    de["dose_unit"] = unit.astype(object).where(unit.notna() & (unit != ""), None)
    de["dose_value"] = pd.to_numeric(de.quantity, errors="coerce")
    return de


def measurements(cdm: CdmExtract, mapping: OmopMapping, t0: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(baseline values per person at T0, assessment rows on or after T0)."""
    m = cdm.tables["measurement"].copy()
    variable = mapping.measurement_concepts()
    factor = {c: mapping.measures[v].factor if v != "mrd" else mapping.mrd_factor for c, v in variable.items()}
    m["variable"] = m.measurement_concept_id.map(variable)
    m["value"] = pd.to_numeric(m.value_as_number, errors="coerce") * m.measurement_concept_id.map(factor)
    m["method"] = m.measurement_concept_id.map(mapping.mrd_method())
    m["day"] = _day(m.measurement_date).to_numpy()
    m["t0"] = m.person_id.map(t0)
    m = m[m.value.notna() & m.t0.notna()].sort_values(["person_id", "day", "measurement_id"], kind="stable")
    before = m[m.day <= m.t0].drop_duplicates(["person_id", "variable"], keep="last")
    baseline = before.pivot(index="person_id", columns="variable", values="value")
    baseline["mrd_method_at_t0"] = before[before.variable == "mrd"].set_index("person_id")["method"]
    after = m[m.day >= m.t0].drop_duplicates(["person_id", "day", "variable"], keep="first")
    wide = after.pivot(index=["person_id", "day"], columns="variable", values="value")
    for v in ("bm_blast_pct", "anc", "platelets", "mrd"):
        if v not in wide:
            wide[v] = np.nan
    wide["mrd_method"] = after[after.variable == "mrd"].set_index(["person_id", "day"])["method"]
    wide["row"] = after.groupby(["person_id", "day"])["measurement_id"].min()
    wide = wide[wide.bm_blast_pct.notna() | wide.mrd.notna()].reset_index()
    return baseline, wide.rename(columns={"day": "assessment_date", "mrd": "mrd_value"})


def _conditions(cdm: CdmExtract, mapping: OmopMapping, t0: pd.Series) -> pd.DataFrame:
    c = cdm.tables["condition_occurrence"].copy()
    kind = {cid: k for k, ids in mapping.conditions.items() for cid in ids}
    c["kind"] = c.condition_concept_id.map(kind)
    c["day"] = _day(c.condition_start_date).to_numpy()
    c["t0"] = c.person_id.map(t0)
    c = c[c.kind.notna() & c.day.notna() & c.t0.notna()].sort_values(["person_id", "kind", "day"], kind="stable")
    c["after"] = c.day > c.t0
    return c[_episodes(c, ["person_id", "kind", "after"], "day", mapping.merge_gap_days).to_numpy()]


def _therapies(cdm: CdmExtract, mapping: OmopMapping, t0: pd.Series) -> pd.DataFrame:
    proc = cdm.tables["procedure_occurrence"]
    kind = {cid: k for k, ids in mapping.procedures.items() for cid in ids}
    from_proc = pd.DataFrame({"person_id": proc.person_id, "therapy_type": proc.procedure_concept_id.map(kind),
                              "day": _day(proc.procedure_date).to_numpy()})
    de = cdm.tables["drug_exposure"]
    from_drug = pd.DataFrame({"person_id": de.person_id, "therapy_type": de.drug_concept_id.map(cdm.drug_concepts),
                              "day": _day(de.drug_exposure_start_date).to_numpy()})
    th = pd.concat([from_proc, from_drug], ignore_index=True)
    th["t0"] = th.person_id.map(t0)
    th = th[th.therapy_type.notna() & th.day.notna() & th.t0.notna()]
    th = th.sort_values(["person_id", "therapy_type", "day"], kind="stable")
    th["after"] = th.day > th.t0
    return th[_episodes(th, ["person_id", "therapy_type", "after"], "day", mapping.merge_gap_days).to_numpy()]


def study_tables(cdm: CdmExtract, mapping: OmopMapping) -> tuple[dict[str, pd.DataFrame], list]:
    """The study tables (carried columns, plus ``row``: the record it came from) and the reader's notes."""
    notes: list = []
    person = cdm.tables["person"].sort_values("person_id", kind="stable").reset_index(drop=True)
    source_id = person.person_source_value.astype("string").str.strip()
    pid = source_id.where(source_id.notna() & (source_id != ""), person.person_id.astype("int64").astype(str))
    pid = pd.Series(pid.astype(object).to_numpy(), index=person.person_id.to_numpy())
    seg = exposures(cdm, mapping, notes)
    t0 = seg.groupby("person_id")["start"].min()
    infusions = pd.DataFrame({"patient_id": seg.person_id.map(pid), "cycle_number": seg.cycle_number,
                              "start_date": seg.start, "end_date": seg.end, "dose_value": seg.dose_value,
                              "dose_unit": seg.dose_unit, "row": seg.drug_exposure_id})
    baseline, assessed = measurements(cdm, mapping, t0)
    assessments = assessed.assign(patient_id=assessed.person_id.map(pid))
    cond = _conditions(cdm, mapping, t0)
    history = cond[~cond.after]
    n_relapses = history[history.kind == "relapse"].groupby("person_id").size()
    refractory = set(history.loc[history.kind == "refractory", "person_id"])
    diagnosis = cond[cond.kind == "b_all"].groupby("person_id")["day"].min()
    th = _therapies(cdm, mapping, t0)
    prior = th[~th.after]
    ids = person.person_id
    relapses = ids.map(n_relapses).fillna(0).astype(int)
    primary = ids.isin(refractory) & (relapses == 0)
    rr = (relapses > 0) | primary
    sex = pd.to_numeric(person.gender_concept_id, errors="coerce").map(mapping.gender)
    sex = sex.astype(object).where(sex.notna(), None)
    birth = pd.to_datetime(pd.DataFrame({"year": person.year_of_birth, "month": person.month_of_birth.fillna(1),
                                         "day": person.day_of_birth.fillna(1)}), errors="coerce")
    at = lambda col: ids.map(baseline[col]) if col in baseline else pd.Series(np.nan, index=ids.index)  # noqa: E731
    patients = pd.DataFrame({
        "patient_id": pid.to_numpy(), "sex": sex, "birth_date": birth, "height_cm": at("height_cm"),
        "weight_kg": at("weight_kg"), "diagnosis_date": ids.map(diagnosis),
        "disease_setting": np.where(rr, "relapsed_refractory", "newly_diagnosed"),
        "rr_type": np.where(primary, "primary_refractory", np.where(rr, "relapsed", None)),
        "relapse_number": relapses.where(rr),
        "prior_allo_hsct": ids.isin(prior.person_id[prior.therapy_type == "allo_hsct"]),
        "prior_car_t": ids.isin(prior.person_id[prior.therapy_type == "car_t"]),
        "bm_blast_pct_at_t0": at("bm_blast_pct"), "mrd_at_t0": at("mrd"), "mrd_method_at_t0": at("mrd_method_at_t0"),
        "row": ids.to_numpy()})
    events = _events(cdm, mapping, cond[cond.after], ids, pid, notes)
    later = th[th.after].sort_values(["person_id", "day", "therapy_type"], kind="stable")
    therapies = pd.DataFrame({"patient_id": later.person_id.map(pid),
                              "sequence_number": later.groupby("person_id").cumcount() + 1,
                              "therapy_type": later.therapy_type, "start_date": later.day})
    tables = {"patients": patients, "infusions": infusions, "assessments": assessments, "events": events,
              "therapies": therapies}
    return tables, notes


def _events(cdm: CdmExtract, mapping: OmopMapping, after: pd.DataFrame, ids: pd.Series, pid: pd.Series,
            notes: list) -> pd.DataFrame:
    """Relapse and progression episodes after T0, deaths, and last contact (end of observation) of the living."""
    death = cdm.tables["death"].copy()
    death["day"] = _day(death.death_date).to_numpy()
    cause = {c: k for k, concepts in mapping.death_causes.items() for c in concepts}
    death = death[death.day.notna()].sort_values(["person_id", "day"]).drop_duplicates("person_id")
    op = cdm.tables["observation_period"]
    end = pd.DataFrame({"person_id": op.person_id, "day": _day(op.observation_period_end_date).to_numpy()})
    last = end.groupby("person_id")["day"].max()
    for person in ids[~ids.isin(op.person_id)]:
        notes.append(no_observation_period_note(int(person), pid[person], cdm.files["person"]))
    living = last[~last.index.isin(death.person_id)]
    parts = [pd.DataFrame({"person_id": after.person_id, "event_type": after.kind, "event_date": after.day}),
             pd.DataFrame({"person_id": death.person_id, "event_type": "death", "event_date": death.day,
                           "cause_of_death": death.cause_concept_id.map(cause)}),
             pd.DataFrame({"person_id": living.index, "event_type": "last_contact", "event_date": living.to_numpy()})]
    ev = pd.concat(parts, ignore_index=True)
    ev = ev[ev.event_type.isin(CARRIED_EVENTS)].sort_values(["person_id", "event_date", "event_type"], kind="stable")
    return pd.DataFrame({"patient_id": ev.person_id.map(pid), "event_type": ev.event_type, "event_date": ev.event_date,
                         "cause_of_death": ev.cause_of_death.astype(object).where(ev.cause_of_death.notna(), None)})
