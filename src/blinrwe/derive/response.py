"""Response and MRD, per assessment and per patient (domain-spec 3).

Per assessment (:func:`derive_responses`) the category is derived from the
marrow and blood values by the classification algorithm of domain-spec 3.1:

* blast rule: marrow blasts <= 5% (``cr_blast_inclusive``, seed 001) or < 5%
  (seed 003), no circulating blasts, no extramedullary disease (a missing
  circulating-blast or EMD value counts as absent);
* ``CR`` if the blast rule holds and ANC >= 1.0 and platelets >= 100;
  else ``CRh`` if ANC > 0.5 and platelets > 50; else ``CRi`` (a missing count
  counts as not recovered, so such an assessment is at most a CRi);
* ``NR`` when marrow blasts are above the threshold or disease persists
  (circulating blasts / EMD); missing when marrow blasts are missing.

The recorded investigator category wins (``response``); both are kept.

Windows (domain-spec 3.4): only assessments dated **after** T0 (the day of the
first infusion is baseline) and on or before the data cut-off count. When
``response_before_next_therapy`` is set, assessments after the start of the
first subsequent therapy are not attributed to blinatumomab. Then

* ``2_cycles``: before the first infusion of cycle 3; when no cycle 3 was
  given, up to day ``response_window_cycles * cycle_days`` (T0 + 84 days,
  the end of two nominal 42-day cycles), inclusive;
* ``12_weeks``: up to T0 + ``response_window_days`` (84) days inclusive;
* ``overall``: no upper bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .settings import RESPONSE_WINDOWS, DeriveSettings

DAY = pd.Timedelta(days=1)
#: Response hierarchy, best first (used for the best response).
RESPONSE_RANK = {"CR": 1, "CRh": 2, "CRi": 3, "hypoplastic": 4, "NR": 5, "PD": 6, "relapse": 7}
#: Columns of :func:`derive_responses`, in order.
RESPONSE_COLUMNS = ("patient_id", "assessment_date", "study_day", "timepoint", "bm_blast_pct", "response_derived",
                    "response_recorded", "response", "response_source", "cr_cri", "cr_crh", "cr_crh_cri",
                    "mrd_value", "mrd_method", "mrd_negative", "mrd_undetectable", "post_baseline",
                    "in_2_cycles", "in_12_weeks", "in_overall")
#: End of a window without an upper bound (no next therapy, no cut-off): the last representable day.
NO_END = pd.Timestamp.max.normalize()


def composite_members(settings: DeriveSettings) -> dict[str, tuple[str, ...]]:
    """Categories counted by each composite (domain-spec 3.1).

    ``cr_cri`` (seeds 001, 003: CR/CRi; includes CRh when
    ``crh_counts_as_cri``), ``cr_crh`` (seed 002), ``cr_crh_cri`` (TOWER).
    """
    cr_cri = ("CR", "CRi", "CRh") if settings.crh_counts_as_cri else ("CR", "CRi")
    return {"cr_cri": cr_cri, "cr_crh": ("CR", "CRh"), "cr_crh_cri": ("CR", "CRh", "CRi")}


def classify_response(assessments: pd.DataFrame, settings: DeriveSettings) -> pd.Series:
    """Derived response category per assessment row (algorithm in the module docstring)."""
    s = settings
    blasts = assessments["bm_blast_pct"].astype(float)
    below = blasts <= s.cr_blast_max_pct if s.cr_blast_inclusive else blasts < s.cr_blast_max_pct
    no_disease = ~assessments["circulating_blasts"].astype("boolean").fillna(False).astype(bool) & ~assessments[
        "extramedullary_disease"].astype("boolean").fillna(False).astype(bool)
    blast_ok = (below & no_disease).to_numpy()
    anc = assessments["anc"].astype(float).to_numpy()
    plt = assessments["platelets"].astype(float).to_numpy()
    full = (anc >= s.anc_full) & (plt >= s.platelets_full)
    partial = (anc > s.anc_partial) & (plt > s.platelets_partial)
    derived = np.select([blasts.isna().to_numpy(), blast_ok & full, blast_ok & partial, blast_ok],
                        [None, "CR", "CRh", "CRi"], "NR")
    return pd.Series(derived, index=assessments.index, dtype=object)


def derive_windows(t0: pd.DataFrame, cycles: pd.DataFrame, next_therapy: pd.DataFrame,
                   settings: DeriveSettings) -> pd.DataFrame:
    """Per-patient window bounds: ``t0_date``, ``overall_end``, ``end_2_cycles``, ``end_12_weeks``.

    ``t0``: ``patient_id, t0_date``; ``cycles``: exposure cycles
    (``patient_id, cycle_number, cycle_start``); ``next_therapy``:
    ``patient_id, first_next_therapy_date``. All ends are inclusive dates.
    """
    s = settings
    w = t0[["patient_id", "t0_date"]].copy()
    c3 = cycles.loc[cycles["cycle_number"] >= 3].groupby("patient_id")["cycle_start"].min().rename("cycle3_start")
    w = w.merge(c3.reset_index(), on="patient_id", how="left")
    w = w.merge(next_therapy[["patient_id", "first_next_therapy_date"]], on="patient_id", how="left")
    for col in ("t0_date", "cycle3_start", "first_next_therapy_date"):
        w[col] = pd.to_datetime(w[col]).astype("datetime64[ns]")
    far = NO_END
    overall = pd.Series(far, index=w.index)
    if s.response_before_next_therapy:
        overall = w["first_next_therapy_date"].where(w["first_next_therapy_date"].notna(), far)
    if s.data_cutoff is not None:
        overall = overall.clip(upper=pd.Timestamp(s.data_cutoff))
    w["overall_end"] = overall.astype("datetime64[ns]")
    nominal = w["t0_date"] + pd.Timedelta(days=s.response_window_cycles * s.cycle_days)
    end_2c = (w["cycle3_start"] - DAY).where(w["cycle3_start"].notna(), nominal)
    w["end_2_cycles"] = np.minimum(end_2c, w["overall_end"])
    w["end_12_weeks"] = np.minimum(w["t0_date"] + pd.Timedelta(days=s.response_window_days), w["overall_end"])
    return w[["patient_id", "t0_date", "overall_end", "end_2_cycles", "end_12_weeks"]]


def derive_responses(assessments: pd.DataFrame, windows: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """One row per assessment with the derived and final response and MRD flags.

    Columns: ``patient_id, assessment_date, study_day`` (days since T0),
    ``timepoint, bm_blast_pct, response_derived, response_recorded,
    response`` (recorded wins), ``response_source``, ``cr_cri, cr_crh,
    cr_crh_cri`` (composite membership), ``mrd_value, mrd_method,
    mrd_negative`` (MRD < threshold), ``mrd_undetectable`` (MRD = 0),
    ``post_baseline`` (after T0, on/before cut-off), ``in_2_cycles,
    in_12_weeks, in_overall`` (window membership).
    """
    a = assessments.merge(windows, on="patient_id", how="left")
    a["response_derived"] = classify_response(a, settings).to_numpy()
    rec = a["response_recorded"]
    a["response"] = rec.where(rec.notna(), a["response_derived"])
    a["response_source"] = np.select([rec.notna(), a["response_derived"].notna()], ["recorded", "derived"], "missing")
    for name, members in composite_members(settings).items():
        a[name] = a["response"].isin(members)
    mrd = a["mrd_value"].astype(float)
    a["mrd_negative"] = pd.array(np.where(mrd.notna(), mrd < settings.mrd_threshold, None), dtype="boolean")
    a["mrd_undetectable"] = pd.array(np.where(mrd.notna(), mrd == 0, None), dtype="boolean")
    a["study_day"] = ((a["assessment_date"] - a["t0_date"]) // DAY).astype("Int64")
    cutoff = pd.Timestamp(settings.data_cutoff) if settings.data_cutoff is not None else pd.Timestamp.max
    a["post_baseline"] = (a["assessment_date"] > a["t0_date"]) & (a["assessment_date"] <= cutoff)
    after_t0 = a["assessment_date"] > a["t0_date"]
    a["in_overall"] = after_t0 & (a["assessment_date"] <= a["overall_end"])
    a["in_2_cycles"] = after_t0 & (a["assessment_date"] <= a["end_2_cycles"])
    a["in_12_weeks"] = after_t0 & (a["assessment_date"] <= a["end_12_weeks"])
    return a.sort_values(["patient_id", "assessment_date"], kind="mergesort")[list(RESPONSE_COLUMNS)].reset_index(
        drop=True)


def window_flag(window: str) -> str:
    """The ``derive_responses`` column flagging assessments in ``window`` (one of ``RESPONSE_WINDOWS``)."""
    return {"2_cycles": "in_2_cycles", "12_weeks": "in_12_weeks", "overall": "in_overall"}[window]


def derive_best_response(responses: pd.DataFrame, patients: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """Per-patient response and MRD summary (domain-spec 3.1-3.4).

    ``patients`` needs ``patient_id, t0_date, in_cr_at_t0, mrd_status_at_t0``.
    For every window ``w`` in 2_cycles, 12_weeks, overall:
    ``best_response_<w>`` (best category by CR > CRh > CRi > hypoplastic >
    NR > PD > relapse; missing without an evaluable assessment),
    ``cr_cri_<w>, cr_crh_<w>, cr_crh_cri_<w>`` (reached in the window),
    ``mrd_assessed_<w>, mrd_negative_<w>`` (MRD < 1e-4 reached),
    ``complete_mrd_response_<w>`` (undetectable MRD reached).

    Also: ``best_response`` (primary window), ``responder`` (the
    ``responder_definition`` composite in the primary window),
    ``date_first_response`` (its first date), ``date_first_cr_cri``,
    ``date_first_mrd_negative``, ``date_first_marrow_assessment`` (first
    assessment after T0, whatever the next therapy), ``post_baseline_assessment``
    and the MRD denominators ``mrd_denominator_all_treated``,
    ``mrd_denominator_available`` (MRD assessed in the primary window),
    ``mrd_denominator_responders``, ``mrd_denominator_positive_at_t0``
    (seed 000/003 all treated; 001 ND available MRD; 001 R/R and 002
    responders; 001 R/R consolidation MRD-positive at start).
    """
    s = settings
    out = patients[["patient_id"]].copy()
    r = responses

    def flag(column) -> np.ndarray:
        return r[column].astype("boolean").fillna(False).astype(bool).to_numpy()

    # one GROUP BY patient over window-masked columns: MIN(rank) and ANY(flag) per window, MIN(date) per
    # first-date definition (a patient without a row in a window gets no rank, False flags, no date)
    rank = r["response"].map(RESPONSE_RANK).to_numpy(dtype=float)
    composites = {c: flag(c) for c in ("cr_cri", "cr_crh", "cr_crh_cri")}
    mrd = {"mrd_assessed": r["mrd_value"].notna().to_numpy(), "mrd_negative": flag("mrd_negative"),
           "complete_mrd_response": flag("mrd_undetectable")}
    date = r["assessment_date"].to_numpy(dtype="datetime64[ns]")
    never = np.datetime64("NaT", "ns")
    pw = s.primary_response_window
    primary, overall = flag(window_flag(pw)), flag("in_overall")
    columns = {"patient_id": r["patient_id"].to_numpy()}
    how = {}
    for w in RESPONSE_WINDOWS:
        inw = flag(window_flag(w))
        columns[f"rank_{w}"], how[f"rank_{w}"] = np.where(inw, rank, np.nan), "min"
        for c, values in (*composites.items(), *mrd.items()):
            columns[f"{c}_{w}"], how[f"{c}_{w}"] = inw & values, "any"
    for name, mask in (("date_first_response", primary & composites[s.responder_definition]),
                       ("date_first_cr_cri", overall & composites["cr_cri"]),
                       ("date_first_mrd_negative", overall & mrd["mrd_negative"]),
                       ("date_first_marrow_assessment", flag("post_baseline"))):
        columns[name], how[name] = np.where(mask, date, never), "min"
    per_patient = pd.DataFrame(columns).groupby("patient_id", sort=False).agg(how).reindex(out["patient_id"])

    category = np.full(max(RESPONSE_RANK.values()) + 1, None, dtype=object)  # rank -> category; 0: missing
    category[list(RESPONSE_RANK.values())] = list(RESPONSE_RANK)
    for w in RESPONSE_WINDOWS:
        for c in (*composites, *mrd):
            out[f"{c}_{w}"] = per_patient[f"{c}_{w}"].astype("boolean").fillna(False).astype(bool).to_numpy()
        best = per_patient[f"rank_{w}"].to_numpy(dtype=float)
        out[f"best_response_{w}"] = category[np.where(np.isnan(best), 0, best).astype(np.int64)]
    out["best_response"] = out[f"best_response_{pw}"]
    out["responder"] = out[f"{s.responder_definition}_{pw}"]
    for name in ("date_first_response", "date_first_cr_cri", "date_first_mrd_negative", "date_first_marrow_assessment"):
        out[name] = per_patient[name].to_numpy(dtype="datetime64[ns]")
    out["post_baseline_assessment"] = out["date_first_marrow_assessment"].notna()

    p = patients.set_index("patient_id").reindex(out["patient_id"])
    out["mrd_denominator_all_treated"] = p["t0_date"].notna().to_numpy()
    out["mrd_denominator_available"] = out[f"mrd_assessed_{pw}"]
    out["mrd_denominator_responders"] = out["responder"]
    out["mrd_denominator_positive_at_t0"] = p["mrd_status_at_t0"].eq("positive").to_numpy()
    return out


#: Populations the response rates are given among (ADSL ``response_population_<code>``), besides all
#: patients analysed. ``overt_disease``: marrow blasts before the first infusion >= the setting
#: ``overt_disease_blast_pct`` (seed 000 "overt marrow disease" vs "< 5% blast"); ``in_cr_at_t0``:
#: CR/CRi at the first infusion, whose CR is sustained rather than reached (seed 000 "all sustained CR").
RESPONSE_POPULATION_CODES = ("overt_disease", "in_cr_at_t0")


def response_population_descriptions(settings: DeriveSettings) -> dict[str, str]:
    """Each response denominator in words, with the setting that defines it (tables and methods print these)."""
    return {"overt_disease": f"patients with \u2265{settings.overt_disease_blast_pct:g}% marrow blasts at the "
                             "first infusion",
            "in_cr_at_t0": "patients in CR/CRi at the first infusion"}


def derive_response_populations(adsl: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """``patient_id, response_population_overt_disease, response_population_in_cr_at_t0`` (nullable booleans).

    Overt disease needs ``bm_blast_pct_at_t0`` (missing blasts: unknown); CR at
    the first infusion is ``in_cr_at_t0`` (missing on the summary form, which
    does not record it).
    """
    blasts = adsl["bm_blast_pct_at_t0"].astype(float) if "bm_blast_pct_at_t0" in adsl else pd.Series(
        np.nan, index=adsl.index)
    overt = np.where(blasts.isna(), None, blasts >= settings.overt_disease_blast_pct)
    in_cr = adsl["in_cr_at_t0"].astype("boolean") if "in_cr_at_t0" in adsl else pd.Series(
        pd.NA, index=adsl.index, dtype="boolean")
    return pd.DataFrame({"patient_id": adsl["patient_id"].to_numpy(),
                         "response_population_overt_disease": pd.array(overt, dtype="boolean"),
                         "response_population_in_cr_at_t0": in_cr.array})
