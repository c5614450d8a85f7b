"""Cross-field and cross-table checks on the typed tables.

Each rule is a function ``(RuleContext) -> list[Finding]`` that looks at whole
tables at once (pandas), so that a registry-sized study validates in seconds.
Rules skip rows whose inputs are missing: a missing value was already reported
(or is allowed) by the cell checks. Clinical definitions cite domain-spec.md.
The rules on dates are in :mod:`~blinrwe.validate.rules_dates`, those of the infusion segments in
:mod:`~blinrwe.validate.rules_infusions`; the context and the
pieces every rule shares in :mod:`~blinrwe.validate.rule_context`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from blinrwe.model import ALL_TABLES
from blinrwe.model.i18n import _

from .findings import Finding
from .rule_context import (
    MAX_BSA_DOSE_UG_M2_DAY,
    MAX_FIXED_DOSE_UG_DAY,
    MRD_NEGATIVE_BELOW,
    PATIENT,
    REMISSION,
    REMISSION_BLAST_PCT,
    WEIGHT_THRESHOLD_KG,
    RuleContext,
    _d,
    _death_date,
    _first_infusion,
    _lookup,
    _per_patient,
    _previous_max,
    emit,
    fill,
    is_code,
    shown_codes,
    with_patient_codes,
)
from .rules_dates import check_against_t0, check_cutoff_and_today, check_death, check_follow_up
from .rules_infusions import bsa_mosteller, check_infusions

# --- keys ------------------------------------------------------------------------------

def check_keys(ctx: RuleContext) -> list[Finding]:
    out = []
    for name, frame in ctx.tables.items():
        if not ctx.has(name) or frame.empty:
            continue
        table = ALL_TABLES[name]
        if table.one_row_per_patient:
            ids = frame[PATIENT]
            dup = (ids >= 0) & ids.duplicated(keep="first")  # missing ids never repeat a present one
            out += emit(ctx, "PATIENT_DUPLICATE", name, frame, dup, "patient_id",
                        lambda r: fill(_("patient id already used on row {row}"), r,
                                       row=r["patient_id"].map(_first_rows(frame)).astype(str)),
                        _("give each patient one row and a unique id"), "patient_id")
        elif table.key:
            others = [k for k in table.key if k != "patient_id"]
            key = [PATIENT, *others]
            # a complete key can only repeat a complete key, so incomplete rows need not be dropped first
            dup = (frame[PATIENT] >= 0) & frame[others].notna().all(axis=1) & frame[key].duplicated(keep="first")
            out += emit(ctx, "ROW_DUPLICATE", name, frame, dup, None,
                        _("same {key} as an earlier row").format(key=" + ".join(table.key)),
                        _("delete the repeated row, or correct the date / number that makes it a copy"), "patient_id")
    return out


def _first_rows(frame: pd.DataFrame) -> pd.Series:
    """Spreadsheet row of each patient id's first row."""
    ids = frame.dropna(subset=["patient_id"])
    return ids.drop_duplicates("patient_id").set_index("patient_id")["source_row"]


def _id_form(ids: pd.Series) -> pd.Series:
    """A patient id as a person would read it: case, spaces and the width of full-width characters
    (typed with a Chinese input method: ＢＪ－００３) ignored."""
    return ids.astype(str).str.normalize("NFKC").str.casefold().str.replace(r"\s+", "", regex=True)


def _id_suggestions(unknown: pd.Series, patients: pd.Series) -> pd.Series:
    """For each unknown id, the one patients-sheet id it differs from only in case, spaces or character
    width (e.g. 'bj-003' for 'BJ-003'), else missing."""
    listed = patients.dropna().drop_duplicates()
    forms = pd.Series(listed.to_numpy(), index=_id_form(listed))
    forms = forms[~forms.index.duplicated(keep=False)]  # a form two ids share suggests neither
    return pd.Series(forms.reindex(_id_form(unknown)).to_numpy(), index=unknown.index, dtype=object)


def check_patient_references(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("patients"):
        return []
    patients = ctx.tables["patients"]
    known = patients[PATIENT].unique()
    fix = _("add the patient to the patients sheet or correct the id (ids must match exactly)")
    out = []
    for name, frame in ctx.tables.items():
        if name == "patients" or not ctx.has(name) or frame.empty:
            continue
        bad = frame[(frame[PATIENT] >= 0) & ~frame[PATIENT].isin(known)]
        if bad.empty:
            continue
        suggested = _id_suggestions(bad["patient_id"], patients["patient_id"])
        for guess, rows in bad.groupby(suggested.fillna(""), sort=False):
            hint = fix if not guess else _("correct the id to '{id}' as the patients sheet has it (ids must match "
                                           "exactly)").format(id=guess)
            out += emit(ctx, "PATIENT_UNKNOWN", name, rows, np.ones(len(rows), dtype=bool), "patient_id",
                        _("patient id is not in the patients sheet"), hint, "patient_id")
    return out


# --- patients --------------------------------------------------------------------------

def check_patients(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("patients"):
        return []
    p = ctx.tables["patients"]
    out = []
    if ctx.has("infusions"):
        treated = ctx.tables["infusions"][PATIENT].unique()
        out += emit(ctx, "PATIENT_WITHOUT_INFUSION", "patients", p, (p[PATIENT] >= 0) & ~p[PATIENT].isin(treated),
                    "patient_id", _("patient has no row in the infusions sheet (T0, the first infusion, is unknown)"),
                    _("add the blinatumomab infusion segments of this patient, or remove the patient"), "patient_id")
    t0 = _lookup(p, _first_infusion(ctx) if ctx.has("infusions") else pd.Series(dtype="datetime64[ns]"))
    out += emit(ctx, "AGE_MISSING", "patients", p, p["birth_date"].isna() & p["age_at_t0"].isna(), "age_at_t0",
                _("neither birth_date nor age_at_t0 is given"), _("enter age_at_t0 (years) or birth_date"), "patient_id")
    age = (t0 - p["birth_date"]).dt.days / 365.25
    out += emit(ctx, "AGE_BIRTH_MISMATCH", "patients", p, (age - p["age_at_t0"]).abs() > 1, "age_at_t0",
                lambda r: fill(_("age_at_t0 differs by more than a year from the age computed from birth_date and the "
                                 "first infusion ({age} years)"), r, age=age[r.index].round(1).astype(str)),
                _("correct birth_date or age_at_t0 (age at the first blinatumomab infusion)"), "age_at_t0")
    bmi = p["weight_kg"] / (p["height_cm"] / 100) ** 2
    out += emit(ctx, "BMI_IMPLAUSIBLE", "patients", p, (bmi < 10) | (bmi > 60), "weight_kg",
                lambda r: fill(_("height and weight give a body-mass index of {bmi} kg/m2"), r,
                               bmi=bmi[r.index].round(1).astype(str)),
                _("check height_cm (centimetres) and weight_kg (kilograms); they may be swapped or in other units"),
                "weight_kg")
    out += emit(ctx, "BIRTH_AFTER_DIAGNOSIS", "patients", p, p["birth_date"] > p["diagnosis_date"], "birth_date",
                lambda r: fill(_("birth_date is after diagnosis_date ({date})"), r, date=_d(r["diagnosis_date"])),
                _("correct birth_date or diagnosis_date"), "birth_date")
    out += emit(ctx, "DIAGNOSIS_AFTER_T0", "patients", p, p["diagnosis_date"] > t0, "diagnosis_date",
                lambda r: fill(_("diagnosis_date is after the first infusion ({date})"), r, date=_d(t0[r.index])),
                _("correct diagnosis_date (first diagnosis of B-ALL) or the infusion dates"), "diagnosis_date")
    out += _setting(ctx, p)
    status = p["mrd_status_at_t0"]
    lvl = p["mrd_at_t0"]
    bad = ((status == "positive") & (lvl < MRD_NEGATIVE_BELOW)) | ((status == "negative") & (lvl >= MRD_NEGATIVE_BELOW))
    out += emit(ctx, "MRD_STATUS_INCONSISTENT", "patients", p, bad, "mrd_status_at_t0",
                lambda r: fill(_("mrd_status_at_t0 contradicts mrd_at_t0 ({level}; negative means < 0.0001)"), r,
                               level=r["mrd_at_t0"].astype(str)),
                _("check both; the recorded status wins in the analysis"), "mrd_status_at_t0")
    return out


def _setting(ctx: RuleContext, p: pd.DataFrame) -> list[Finding]:
    nd = is_code(p["disease_setting"], "newly_diagnosed")
    rr = is_code(p["disease_setting"], "relapsed_refractory")
    intent = p["intent"]
    checks = [
        (nd & p["rr_type"].notna(), "rr_type", _("rr_type is given for a newly diagnosed patient")),
        (nd & (p["relapse_number"].fillna(0) > 0), "relapse_number",
         _("relapse_number > 0 for a newly diagnosed patient")),
        (nd & _starts_with(intent, "rr_"), "intent", _("an R/R intent for a newly diagnosed patient")),
        (rr & _starts_with(intent, "frontline_"), "intent", _("a frontline intent for an R/R patient")),
        (is_code(p["rr_type"], "primary_refractory") & (p["relapse_number"].fillna(0) > 0), "relapse_number",
         _("relapse_number > 0 for a primary refractory patient (never in remission)")),
        (is_code(p["rr_type"], "relapsed") & (p["relapse_number"] == 0), "relapse_number",
         _("relapse_number 0 for a relapsed patient")),
        (p["disease_status_at_t0"].isin(["CR", "CRi"]) & (p["bm_blast_pct_at_t0"] > REMISSION_BLAST_PCT),
         "bm_blast_pct_at_t0", _("in CR at T0 but more than 5 % marrow blasts")),
    ]
    hint = _("check disease_setting, rr_type, relapse_number, intent and disease status at T0 together")
    out = []
    for mask, column, message in checks:
        out += emit(ctx, "SETTING_INCONSISTENT", "patients", p, mask, column, message, hint, column)
    return out


def _starts_with(texts: pd.Series, prefix: str) -> pd.Series:
    """Which texts begin with ``prefix`` (missing: no), looked at once per distinct text."""
    codes, distinct = pd.factorize(texts.to_numpy(dtype=object), use_na_sentinel=True)
    begins = np.array([str(t).startswith(prefix) for t in distinct] + [False], dtype=bool)  # [-1]: missing
    return pd.Series(begins[codes], index=texts.index)


# --- assessments and events ---------------------------------------------------------------

def check_assessments(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("assessments"):
        return []
    a = ctx.tables["assessments"]
    results = ["bm_blast_pct", "circulating_blasts", "extramedullary_disease", "anc", "platelets", "response_recorded", "mrd_value"]
    out = emit(ctx, "ASSESSMENT_EMPTY", "assessments", a, a[results].isna().all(axis=1), None,
               _("assessment row without any result"),
               _("enter the marrow blasts, counts, response and/or MRD, or delete the row"), "assessment_date")
    bad = a["response_recorded"].isin([*REMISSION, "hypoplastic"]) & (a["bm_blast_pct"] > REMISSION_BLAST_PCT)
    out += emit(ctx, "RESPONSE_VS_BLASTS", "assessments", a, bad, "response_recorded",
                lambda r: fill(_("remission recorded with {blasts} % marrow blasts (remission needs <= 5 %)"), r,
                               blasts=r["bm_blast_pct"].astype(str)),
                _("check response_recorded and bm_blast_pct; the recorded response wins in the analysis"),
                "response_recorded")
    return out


def check_relapse_after_remission(ctx: RuleContext) -> list[Finding]:
    """A relapse needs an earlier remission (domain-spec 3.3): CR/CRi at T0 or a CR/CRh/CRi assessment before it."""
    if not ctx.has("events"):
        return []
    ev = ctx.tables["events"]
    relapse = is_code(ev["event_type"], "relapse") & ev["event_date"].notna()
    if not relapse.any():
        return []
    in_cr_at_t0 = np.array([], dtype=object)
    if ctx.has("patients"):
        p = ctx.tables["patients"]
        in_cr_at_t0 = p.loc[p["disease_status_at_t0"].isin(["CR", "CRi"]), PATIENT].unique()
    first_remission = pd.Series(dtype="datetime64[ns]")
    if ctx.has("assessments"):
        a = ctx.tables["assessments"]
        recorded = a["response_recorded"]
        remission = recorded.isin(REMISSION) | (recorded.isna() & (a["bm_blast_pct"] <= REMISSION_BLAST_PCT))
        first_remission = _per_patient(a["assessment_date"][remission], a[PATIENT][remission], "min")
    remitted = _lookup(ev, first_remission) < ev["event_date"]
    bad = relapse & ~ev[PATIENT].isin(in_cr_at_t0) & ~remitted
    return emit(ctx, "RELAPSE_WITHOUT_REMISSION", "events", ev, bad, "event_type",
                _("relapse without an earlier remission (no CR/CRi at T0 and no CR/CRh/CRi assessment before it)"),
                _("record it as progression, or add the assessment that showed remission"), "event_date")


def check_event_details(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("events"):
        return []
    ev = ctx.tables["events"]
    out = []
    # A row whose event_type is unreadable already has its own finding; judging its
    # details against an unknown type would only add noise.
    known = ev["event_type"].notna()
    site = known & ev["relapse_site"].notna() & ~ev["event_type"].isin(["relapse", "progression", "mrd_relapse"])
    out += emit(ctx, "EVENT_DETAIL_MISPLACED", "events", ev, site, "relapse_site",
                lambda r: fill(_("relapse_site on a {event} row"), r,
                               event=shown_codes("events", "event_type", r["event_type"])),
                _("give relapse_site on relapse rows only"), "relapse_site")
    death = is_code(ev["event_type"], "death")
    out += emit(ctx, "EVENT_DETAIL_MISPLACED", "events", ev, known & ev["cause_of_death"].notna() & ~death, "cause_of_death",
                lambda r: fill(_("cause_of_death on a {event} row"), r,
                               event=shown_codes("events", "event_type", r["event_type"])),
                _("give cause_of_death on the death row only"), "cause_of_death")
    out += emit(ctx, "DEATH_CAUSE_MISSING", "events", ev, death & ev["cause_of_death"].isna(), "cause_of_death",
                _("death without cause_of_death"), _("enter the cause of death ('unknown' if it is not known)"),
                "cause_of_death")
    return out


# --- therapies and adverse events ----------------------------------------------------------

def check_therapies(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("therapies"):
        return []
    t = ctx.tables["therapies"]
    out = emit(ctx, "END_BEFORE_START", "therapies", t, t["end_date"] < t["start_date"], "end_date",
               lambda r: fill(_("end_date is before start_date ({date})"), r, date=_d(r["start_date"])),
               _("correct the dates"), "end_date")
    ok = t.dropna(subset=["sequence_number", "start_date"])
    ok = ok[ok[PATIENT] >= 0].sort_values([PATIENT, "sequence_number"])
    prev = _previous_max(ok, "start_date")
    out += emit(ctx, "THERAPY_SEQUENCE_ORDER", "therapies", ok, ok["start_date"] < prev, "sequence_number",
                lambda r: fill(_("starts before a therapy with a lower sequence_number ({date})"), r,
                               date=_d(prev[r.index])),
                _("number the therapies in the order they were given"), "sequence_number")
    return out


def check_adverse_events(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("adverse_events"):
        return []
    ae = ctx.tables["adverse_events"]
    out = emit(ctx, "END_BEFORE_START", "adverse_events", ae, ae["resolution_date"] < ae["onset_date"], "resolution_date",
               lambda r: fill(_("resolution_date is before onset_date ({date})"), r, date=_d(r["onset_date"])),
               _("correct the dates"), "resolution_date")
    fatal = ae["fatal"].fillna(False).astype(bool)
    g5 = (ae["grade"] == 5).fillna(False).astype(bool)
    checks = [
        (fatal & (ae["grade"] < 5), "fatal", _("fatal adverse event with grade below 5")),
        (g5 & (ae["fatal"] == False), "fatal", _("grade 5 (death) but fatal = no")),  # noqa: E712
    ]
    if ctx.has("events"):
        checks.append(((fatal | g5) & ~ae[PATIENT].isin(_death_date(ctx).index), "fatal",
                       _("fatal adverse event but no death row in the events sheet")))
    hint = _("check grade, fatal and the death row in the events sheet")
    for mask, column, message in checks:
        out += emit(ctx, "FATAL_AE_INCONSISTENT", "adverse_events", ae, mask, column, message, hint, "grade")
    return out


# --- summary form -----------------------------------------------------------------------------

def check_summary(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("patient_summary"):
        return []
    s = ctx.tables["patient_summary"]
    nr = is_code(s["best_response"], "NR")
    checks = [
        (nr & (s["relapse"] == True), "relapse",  # noqa: E712
         _("relapse = yes for a non-responder (relapse needs a remission)")),
        (nr & (s["mrd_negative"] == True), "mrd_negative", _("MRD-negative but best response NR")),  # noqa: E712
        (s["next_therapy"].map(lambda codes: "none" in codes and len(codes) > 1), "next_therapy",
         _("'none' together with therapies in next_therapy")),
    ]
    hint = _("check best_response, relapse, mrd_negative and next_therapy together")
    out = []
    for mask, column, message in checks:
        out += emit(ctx, "SUMMARY_INCONSISTENT", "patient_summary", s, mask, column, message, hint, column)
    return out


STUDY_RULES: tuple[Callable[[RuleContext], list[Finding]], ...] = (
    check_keys,
    check_patient_references,
    check_patients,
    check_against_t0,
    check_death,
    check_cutoff_and_today,
    check_follow_up,
    check_infusions,
    check_assessments,
    check_relapse_after_remission,
    check_event_details,
    check_therapies,
    check_adverse_events,
)

SUMMARY_RULES: tuple[Callable[[RuleContext], list[Finding]], ...] = (check_keys, check_summary)


def run_rules(ctx: RuleContext, form: str) -> list[Finding]:
    rules = STUDY_RULES if form == "study" else SUMMARY_RULES
    ctx = with_patient_codes(ctx)
    out: list[Finding] = []
    for rule in rules:
        out += rule(ctx)
    return out
