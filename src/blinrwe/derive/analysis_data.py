"""StudyData + DeriveSettings -> AnalysisData (docs/architecture.md, "AnalysisData").

:func:`derive_analysis_data` runs every derivation of this layer in order and
returns one immutable :class:`AnalysisData`. The dated study form gives every
table; the summary form (``patient_summary``, no dates) gives the date-free
ADSL variables and records the analyses that cannot be derived in
``unavailable``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .absent_tables import undetermined_sets, unavailable_without
from .attrition import FLOW_COLUMNS, derive_patient_flow
from .body_surface import derive_bsa
from .endpoints import TTE_COLUMNS, derive_endpoints, derive_patient_dates
from .drug_use import derive_drug_use
from .exposure import derive_exposure
from .keys import decode_patient_ids, encode_patient_ids, join_on_patient
from .response import derive_best_response, derive_response_populations, derive_responses, derive_windows
from .safety import AE_COLUMNS, derive_adverse_events, derive_ae_flags
from .setting import derive_burden_classes, derive_setting
from .settings import DeriveSettings
from .study_tables import study_form, study_tables, summary_table
from .therapy_paths import derive_therapy_paths, further_treatment_group, parse_next_therapy

#: Baseline columns carried from ``patients`` into ``adsl`` unchanged.
BASELINE_COLUMNS = (
    "site", "sex", "height_cm", "weight_kg", "diagnosis_date", "ph_status", "ph_like", "genetic_abnormalities",
    "genetic_risk_group", "wbc_at_diagnosis", "hemoglobin_at_diagnosis", "platelets_at_diagnosis",
    "bm_blast_pct_at_diagnosis", "cns_involvement", "extramedullary_disease", "disease_setting", "rr_type",
    "prior_lines", "refractory_to_last_treatment", "chemo_intolerant", "prior_allo_hsct", "prior_car_t",
    "prior_inotuzumab", "prior_tki", "bridging_type", "blina_line", "disease_status_at_t0", "bm_blast_pct_at_t0",
    "pb_blasts_at_t0", "mrd_at_t0", "mrd_method_at_t0", "cd19_positive",
)


@dataclass(frozen=True)
class AnalysisData:
    """The analysis datasets (ADSL-like), documented column by column in docs/architecture.md.

    ``form`` is ``study`` or ``summary``; ``unavailable`` maps an analysis name
    to the reason it cannot be derived from this input (e.g. time-to-event
    endpoints from the summary form); ``settings`` are the definitions used.
    ``attrition`` is the patient flow (``derive/attrition.py``: patients per analysis
    set included, excluded by reason, not determined), not one row per patient.
    """

    adsl: pd.DataFrame
    responses: pd.DataFrame
    tte: pd.DataFrame
    adverse_events: pd.DataFrame
    therapy_paths: pd.DataFrame
    attrition: pd.DataFrame
    exposure_cycles: pd.DataFrame
    settings: DeriveSettings
    form: str = "study"
    unavailable: dict[str, str] = field(default_factory=dict)
    #: dataset name ("tte", "adverse_events") -> the ADSL row of each of its rows (int64), when the derivation
    #: has them without looking ids up (its patient codes follow the ADSL's order); the analysis then takes
    #: each row's patient by position. Checked before use: a wrong entry costs time, never a result
    adsl_rows: dict[str, np.ndarray] = field(default_factory=dict)


def derive_analysis_data(study, settings: DeriveSettings | None = None) -> AnalysisData:
    """Derive every analysis dataset from ``study`` (StudyData or mapping of table -> DataFrame)."""
    settings = settings or DeriveSettings()
    # StudyData may carry the study's data cut-off; an explicit setting wins
    study_cutoff = getattr(study, "data_cutoff", None)
    if settings.data_cutoff is None and study_cutoff is not None:
        settings = settings.with_changes(data_cutoff=study_cutoff)
    if study_form(study) == "summary":
        return derive_summary_analysis_data(study, settings)
    # the derivations run on integer patient codes (id order); the ids are put back at the end
    t, ids = encode_patient_ids(study_tables(study))
    s = settings
    patients = t["patients"]
    bsa = derive_bsa(patients, s.bsa_formula)
    exposure, cycles = derive_exposure(patients, t["infusions"], bsa, s)
    drug_use, cycles = derive_drug_use(patients, t["infusions"], bsa, cycles, s)
    setting = derive_setting(patients, s)
    paths = derive_therapy_paths(patients, t["therapies"])
    windows = derive_windows(exposure[["patient_id", "t0_date"]], cycles, paths, s)
    responses = derive_responses(t["assessments"], windows, s)
    base = exposure[["patient_id", "t0_date"]].merge(setting[["patient_id", "in_cr_at_t0", "mrd_status_at_t0"]],
                                                     on="patient_id")
    best = derive_best_response(responses, base, s)
    ae = derive_adverse_events(t["adverse_events"], exposure, s)
    ae_flags = derive_ae_flags(ae, patients["patient_id"])
    outcomes = derive_outcomes(patients, t["events"], exposure, s)

    adsl = patients[["patient_id", *BASELINE_COLUMNS]].copy()
    adsl["age_at_t0"] = _age_at_t0(patients, exposure)
    adsl = join_on_patient(adsl, (bsa, setting, exposure, drug_use, best, paths, ae_flags, outcomes))
    adsl.insert(1, "treated", adsl["t0_date"].notna())
    adsl = join_on_patient(adsl, (derive_response_populations(adsl, s),))

    dates = derive_patient_dates(adsl, t["events"], t["assessments"], t["therapies"], s)
    tte, excluded = derive_endpoints(dates, s, patients["patient_id"])
    unavailable = unavailable_without(getattr(study, "absent", ()), s.endpoints, s.censoring_variants)
    attrition = derive_patient_flow(adsl, excluded, s.endpoints, form="study",
                                    undetermined=undetermined_sets(unavailable, s.endpoints))
    out = {name: decode_patient_ids(frame, ids) for name, frame in (
        ("adsl", adsl), ("responses", responses), ("tte", tte), ("adverse_events", ae), ("therapy_paths", paths),
        ("attrition", attrition), ("exposure_cycles", cycles))}
    return AnalysisData(**out, settings=s, form="study", unavailable=unavailable,
                        adsl_rows=_adsl_rows(adsl, {"tte": tte, "adverse_events": ae}, ids))


def _adsl_rows(adsl: pd.DataFrame, frames: dict[str, pd.DataFrame], ids) -> dict[str, np.ndarray]:
    """``AnalysisData.adsl_rows`` of ``frames`` (still coded): their patient codes, when the ADSL lists every
    code in order (codes are positions in the sorted ids; the ADSL is sorted by id)."""
    codes = adsl["patient_id"].to_numpy()
    if ids is None or len(codes) != len(ids) or not np.array_equal(codes, np.arange(len(codes))):
        return {}
    return {name: frame["patient_id"].to_numpy(dtype=np.int64) for name, frame in frames.items()}


def _age_at_t0(patients: pd.DataFrame, exposure: pd.DataFrame) -> np.ndarray:
    """Recorded ``age_at_t0`` wins; else (T0 - birth date) / 365.25 years."""
    t0 = patients[["patient_id"]].merge(exposure[["patient_id", "t0_date"]], on="patient_id", how="left")["t0_date"]
    derived = (t0.to_numpy() - patients["birth_date"].to_numpy()) / np.timedelta64(1, "D") / 365.25
    recorded = patients["age_at_t0"].astype(float).to_numpy()
    return np.where(np.isnan(recorded), derived, recorded)


def derive_outcomes(patients: pd.DataFrame, events: pd.DataFrame, exposure: pd.DataFrame,
                    settings: DeriveSettings) -> pd.DataFrame:
    """Per-patient outcome flags: ``relapse`` / ``relapse_date``, ``progression`` /
    ``progression_date``, ``death`` / ``death_date`` / ``cause_of_death``,
    ``last_contact_date``. Only events after T0 and on/before the data cut-off count."""
    ev = events.merge(exposure[["patient_id", "t0_date"]], on="patient_id", how="inner")
    keep = ev["event_date"] >= ev["t0_date"]
    if settings.data_cutoff is not None:
        keep &= ev["event_date"] <= pd.Timestamp(settings.data_cutoff)
    ev = ev.loc[keep.fillna(False).astype(bool)].sort_values(["patient_id", "event_date"], kind="mergesort")
    out = patients[["patient_id"]].copy()
    for kind, col in (("relapse", "relapse"), ("progression", "progression"), ("death", "death"),
                      ("last_contact", "last_contact")):
        sub = ev.loc[ev["event_type"] == kind]
        how = "last" if kind == "last_contact" else "first"
        first = sub.drop_duplicates("patient_id", keep=how)[["patient_id", "event_date"]].rename(
            columns={"event_date": f"{col}_date"})
        if kind == "death":
            first = first.merge(sub.drop_duplicates("patient_id")[["patient_id", "cause_of_death"]], on="patient_id")
        out = out.merge(first, on="patient_id", how="left")
        out[f"{col}_date"] = out[f"{col}_date"].astype("datetime64[ns]")
        if kind != "last_contact":
            out[col] = out[f"{col}_date"].notna()
    out["cause_of_death"] = out["cause_of_death"].astype(object).where(out["cause_of_death"].notna(), None)
    return out


_SUMMARY_RELAPSE_NUMBER = {"primary_refractory": 0, "1R": 1, "2R": 2, "3R": 3, "4R": 4}


def derive_summary_analysis_data(study, settings: DeriveSettings) -> AnalysisData:
    """The summary form (one row per patient, no dates; seed 003 Tables 1-2).

    ``adsl`` gets the date-free variables: setting and relapse number from
    ``disease_status``; burden classes from ``bm_blast_pct_at_t0``;
    ``best_response`` as recorded, the composites (``cr_cri``: CR, CRi and
    CRh when ``crh_counts_as_cri``; ``cr_crh``; ``cr_crh_cri``) and
    ``responder``; ``mrd_negative``; the next-therapy path and the seed 003
    further-treatment group; ``relapse``; ``death`` and ``cause_of_death``.
    Exposure, windows, time-to-event endpoints and AE windows need dates:
    empty tables, reasons in ``unavailable``. MRD at the start of treatment is
    not on the form: ``mrd_denominator_positive_at_t0`` is missing and the
    analysis set "MRD response: MRD-positive at T0" is undetermined (patient flow
    ``included`` missing) and listed in ``unavailable``.
    """
    s = settings
    ps = summary_table(study)
    status = ps["disease_status"]
    adsl = pd.DataFrame({"patient_id": ps["patient_id"].to_numpy()})
    adsl["treated"] = True
    adsl["age_at_t0"] = ps["age_years"].astype(float).to_numpy()
    adsl["age_years"] = adsl["age_at_t0"]
    adsl["sex"] = ps["sex"].to_numpy()
    adsl["ph_status"] = ps["ph_status"].to_numpy()
    adsl["genetic_risk_group"] = ps["genetic_risk_group"].to_numpy()
    adsl["prior_therapy"] = ps["prior_therapy"].to_numpy()
    adsl["bm_blast_pct_at_t0"] = ps["bm_blast_pct_at_t0"].astype(float).to_numpy()
    nd = status.eq("newly_diagnosed").to_numpy()
    adsl["setting"] = np.where(nd, "frontline", "relapsed_refractory")
    adsl["disease_status"] = status.to_numpy()
    adsl["disease_status_class"] = status.to_numpy()
    adsl["relapse_number"] = status.map(_SUMMARY_RELAPSE_NUMBER).astype("Int64").to_numpy()
    burden = derive_burden_classes(ps.rename(columns={}).assign(bm_blast_pct_at_diagnosis=np.nan), s)
    adsl = adsl.merge(burden[[c for c in burden.columns if not c.startswith("burden_dx_")]], on="patient_id")
    adsl["best_response"] = ps["best_response"].to_numpy()
    crh = ("CRh",) if s.crh_counts_as_cri else ()
    adsl["cr_cri"] = adsl["best_response"].isin(("CR", "CRi", *crh))
    adsl["cr_crh"] = adsl["best_response"].isin(("CR", "CRh"))
    adsl["cr_crh_cri"] = adsl["best_response"].isin(("CR", "CRh", "CRi"))
    adsl["responder"] = adsl[s.responder_definition]
    adsl["post_baseline_assessment"] = adsl["best_response"].notna()
    adsl = adsl.merge(derive_response_populations(adsl, s), on="patient_id")
    # nullable boolean kept as such (to_numpy would give an object column of True/False/NA)
    adsl["mrd_negative"] = ps["mrd_negative"].astype("boolean").array
    adsl["mrd_denominator_all_treated"] = True
    adsl["mrd_denominator_available"] = ps["mrd_negative"].notna().to_numpy()
    adsl["mrd_denominator_responders"] = adsl["responder"]
    # the summary form has no MRD at the start of treatment: unknown, not "nobody"
    adsl["mrd_denominator_positive_at_t0"] = pd.array([pd.NA] * len(adsl), dtype="boolean")
    path = parse_next_therapy(ps["next_therapy"])
    first = path.str.split(" -> ").str[0]
    paths = pd.DataFrame({"patient_id": ps["patient_id"].to_numpy(), "therapy_path": path.to_numpy(),
                          "first_next_therapy": first.where(first != "none", None).to_numpy()})
    paths["n_subsequent_therapies"] = np.where(paths["therapy_path"].eq("none"), 0,
                                               paths["therapy_path"].str.count(" -> ") + 1)
    paths["further_treatment"] = paths["n_subsequent_therapies"] > 0
    paths["further_treatment_group"] = further_treatment_group(paths).to_numpy()
    paths["allo_hsct_after"] = paths["therapy_path"].str.contains("allo_hsct")
    paths["car_t_after"] = paths["therapy_path"].str.contains("car_t")
    adsl = adsl.merge(paths, on="patient_id")
    adsl["relapse"] = ps["relapse"].astype("boolean").array
    death = ps["death_cause"]
    adsl["death"] = pd.array(np.where(death.isna(), None, death.ne("alive")), dtype="boolean")
    adsl["cause_of_death"] = death.where(death.ne("alive"), None).to_numpy()

    unavailable = {
        name: "time-to-event endpoints need dates; the patient summary form has none (use the dated study tables)"
        for name in s.endpoints
    }
    unavailable.update({
        "exposure": "infusion days, dose and regimen class need the infusions table (dated study form)",
        "response windows": "best response within 2 cycles / 12 weeks needs assessment dates; only the recorded best response is available",
        "adverse events": "the AE window needs onset and infusion dates (dated study form)",
    })
    undetermined = {"MRD response: MRD-positive at T0": "MRD status at the start of blinatumomab is not on the "
                                                          "patient summary form (use the dated study form)"}
    unavailable.update(undetermined)
    attrition = derive_patient_flow(adsl, None, s.endpoints, form="summary", undetermined=undetermined)
    empty = lambda cols: pd.DataFrame({c: pd.Series(dtype=object) for c in cols})  # noqa: E731
    return AnalysisData(
        adsl=adsl, responses=empty(["patient_id", "assessment_date", "response"]), tte=empty(TTE_COLUMNS),
        adverse_events=empty(AE_COLUMNS), therapy_paths=paths, attrition=attrition,
        exposure_cycles=empty(["patient_id", "cycle_number"]), settings=s, form="summary", unavailable=unavailable)


__all__ = ["AnalysisData", "derive_analysis_data", "FLOW_COLUMNS"]
