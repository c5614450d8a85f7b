"""Cross-field and cross-table checks on the typed tables.

Each rule is a function ``(RuleContext) -> list[Finding]`` that looks at whole
tables at once (pandas), so that a registry-sized study validates in seconds.
Rules skip rows whose inputs are missing: a missing value was already reported
(or is allowed) by the cell checks. Clinical definitions cite domain-spec.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from blinrwe.model import ALL_TABLES, DType
from blinrwe.model.display import N_, level_label
from blinrwe.model.i18n import _, current_language

from .findings import Finding, finding

REMISSION = ("CR", "CRi", "CRh")
#: Marrow blasts at or below this mean morphological remission (domain-spec 3.1, seed 001 "<= 5 %").
REMISSION_BLAST_PCT = 5.0
#: Label dosing (domain-spec 1.3 and 1.6).
WEIGHT_THRESHOLD_KG = 45.0
MAX_FIXED_DOSE_UG_DAY = 28.0
MAX_BSA_DOSE_UG_M2_DAY = 15.0
MRD_NEGATIVE_BELOW = 1e-4  # domain-spec 3.2

#: Column the rules add to their copy of every table: the patient id as an integer code
#: (-1 when missing), codes in the sorted order of the ids. Joins, group-bys and sorts use it;
#: findings quote ``patient_id`` itself.
PATIENT = "_patient"


@dataclass(frozen=True)
class RuleContext:
    """Typed tables and where each came from (file, sheet).

    :func:`run_rules` adds the :data:`PATIENT` code column to the tables before
    the rules run (:func:`with_patient_codes`); a rule called on its own needs it too.
    """

    tables: dict[str, pd.DataFrame]
    where: dict[str, tuple[str | None, str | None]]  # table -> (file, sheet); absent tables are missing
    data_cutoff: pd.Timestamp | None
    today: pd.Timestamp

    def has(self, name: str) -> bool:
        return name in self.where


def _true(mask) -> np.ndarray:
    """A row mask as plain booleans (missing = False, as pandas' boolean indexing treats it)."""
    if isinstance(mask, pd.Series):
        return mask.to_numpy() if mask.dtype == bool else mask.to_numpy(dtype=bool, na_value=False)
    return np.asarray(mask, dtype=bool)


Text = str | pd.Series | Callable[[pd.DataFrame], str | pd.Series]


def emit(ctx: RuleContext, code: str, table: str, frame: pd.DataFrame, mask, column: str | None,
         message: Text, hint: str, value: str | None = None) -> list[Finding]:
    """One finding per row of ``frame`` (rows of ``ctx.tables[table]``) where ``mask`` holds.

    ``message`` is a text, or a function of the failing rows giving one text per row:
    it is only called when a row fails, so a clean study never formats anything.
    ``value`` names the column whose cell the finding quotes (a code as the template shows it: its
    label in Chinese, as the user typed it there).
    """
    at = np.flatnonzero(_true(mask))
    if len(at) == 0:
        return []
    rows = frame.iloc[at]
    file, sheet = ctx.where.get(table, (None, None))
    text = message(rows) if callable(message) else message
    msgs = text.loc[rows.index].tolist() if isinstance(text, pd.Series) else [text] * len(at)
    values = rows[value] if value is not None else pd.Series(None, index=rows.index, dtype=object)
    if value is not None and current_language() != "en" and _is_coded(table, value):
        values = values.map(lambda c: level_label(ALL_TABLES[table].column(value), c) if isinstance(c, str) else c)
    pids = rows["patient_id"].tolist() if "patient_id" in rows else [None] * len(at)
    out = []
    for k, (msg, row, pid) in enumerate(zip(msgs, rows["source_row"].tolist(), pids)):
        v = values.iloc[k]
        v = None if (not isinstance(v, tuple) and pd.isna(v)) else v
        out.append(finding(code, msg, hint, file=file, sheet=sheet, row=int(row), column=column, value=v,
                           table=table, patient_id=pid))
    return out


def _is_coded(table: str, column: str) -> bool:
    """Is ``table.column`` an enum column (its codes are quoted as the template shows them)?"""
    declared = ALL_TABLES.get(table)
    return (declared is not None and column in declared.column_names
            and declared.column(column).dtype is DType.ENUM)


def _d(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m-%d")


def fill(template: str, rows: pd.DataFrame, **fields) -> pd.Series:
    """One message per failing row: ``template`` (translated by the caller, ``_("...")``) with each row's fields.

    A field is a Series aligned with ``rows`` (one value per row, already text) or one value for all.
    """
    columns = {k: (v.loc[rows.index].tolist() if isinstance(v, pd.Series) else [v] * len(rows))
               for k, v in fields.items()}
    return pd.Series([template.format(**{k: c[i] for k, c in columns.items()}) for i in range(len(rows))],
                     index=rows.index, dtype=object)


def shown_codes(table: str, column: str, codes: pd.Series) -> pd.Series:
    """Codes of ``table.column`` as the template shows them (Chinese labels in Chinese; codes in English)."""
    if current_language() == "en":
        return codes.astype(str)
    col = ALL_TABLES[table].column(column)
    return codes.map(lambda c: level_label(col, c) if isinstance(c, str) else str(c))


def with_patient_codes(ctx: RuleContext) -> RuleContext:
    """The context with the :data:`PATIENT` code column added to (shallow copies of) its tables."""
    names = [name for name, frame in ctx.tables.items() if "patient_id" in frame]
    ids = [ctx.tables[name]["patient_id"].to_numpy(dtype=object) for name in names]
    codes, _ = pd.factorize(np.concatenate(ids) if ids else np.array([], dtype=object), sort=True)
    tables = dict(ctx.tables)
    for name, part in zip(names, np.split(codes, np.cumsum([len(i) for i in ids])[:-1])):
        frame = tables[name].copy(deep=False)
        frame[PATIENT] = part
        tables[name] = frame
    return replace(ctx, tables=tables)


def _per_patient(values: pd.Series, patients: pd.Series, how: str) -> pd.Series:
    """``values`` aggregated per patient code (missing ids and values left out)."""
    out = values.groupby(patients).agg(how)
    return out[out.index >= 0].dropna()


def first_infusion(ctx: RuleContext) -> pd.Series:
    """T0 per patient id: the start of the earliest infusion segment (domain-spec 4)."""
    inf = ctx.tables["infusions"]
    return inf["start_date"].groupby(inf["patient_id"]).min().dropna()


def death_date(ctx: RuleContext) -> pd.Series:
    """Death date per patient id (the earliest death row)."""
    ev = ctx.tables["events"]
    death = ev["event_type"] == "death"
    return ev["event_date"][death].groupby(ev["patient_id"][death]).min().dropna()


def _first_infusion(ctx: RuleContext) -> pd.Series:
    """:func:`first_infusion` per patient code."""
    inf = ctx.tables["infusions"]
    return _per_patient(inf["start_date"], inf[PATIENT], "min")


def _death_date(ctx: RuleContext) -> pd.Series:
    """:func:`death_date` per patient code."""
    ev = ctx.tables["events"]
    death = ev["event_type"] == "death"
    return _per_patient(ev["event_date"][death], ev[PATIENT][death], "min")


def _lookup(frame: pd.DataFrame, per_patient: pd.Series) -> pd.Series:
    """Each row's patient-level value (keeping its dtype), aligned with ``frame``."""
    values = frame[PATIENT].map(per_patient)
    if pd.api.types.is_datetime64_any_dtype(per_patient.dtype):
        values = pd.to_datetime(values)
    return values


def _previous_max(frame: pd.DataFrame, column: str) -> pd.Series:
    """Per patient, the largest ``column`` value on the rows before (frame sorted by patient)."""
    if frame.empty:
        return frame[column].copy()
    by_patient = frame[PATIENT]
    return frame.groupby(by_patient, sort=False)[column].cummax().groupby(by_patient, sort=False).shift()


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


def check_patient_references(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("patients"):
        return []
    known = ctx.tables["patients"][PATIENT].unique()
    out = []
    for name, frame in ctx.tables.items():
        if name == "patients" or not ctx.has(name) or frame.empty:
            continue
        bad = (frame[PATIENT] >= 0) & ~frame[PATIENT].isin(known)
        out += emit(ctx, "PATIENT_UNKNOWN", name, frame, bad, "patient_id", _("patient id is not in the patients sheet"),
                    _("add the patient to the patients sheet or correct the id (ids must match exactly)"), "patient_id")
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
    nd = p["disease_setting"] == "newly_diagnosed"
    rr = p["disease_setting"] == "relapsed_refractory"
    intent = p["intent"].fillna("")
    checks = [
        (nd & p["rr_type"].notna(), "rr_type", _("rr_type is given for a newly diagnosed patient")),
        (nd & (p["relapse_number"].fillna(0) > 0), "relapse_number",
         _("relapse_number > 0 for a newly diagnosed patient")),
        (nd & intent.str.startswith("rr_"), "intent", _("an R/R intent for a newly diagnosed patient")),
        (rr & intent.str.startswith("frontline_"), "intent", _("a frontline intent for an R/R patient")),
        ((p["rr_type"] == "primary_refractory") & (p["relapse_number"].fillna(0) > 0), "relapse_number",
         _("relapse_number > 0 for a primary refractory patient (never in remission)")),
        ((p["rr_type"] == "relapsed") & (p["relapse_number"] == 0), "relapse_number",
         _("relapse_number 0 for a relapsed patient")),
        (p["disease_status_at_t0"].isin(["CR", "CRi"]) & (p["bm_blast_pct_at_t0"] > REMISSION_BLAST_PCT),
         "bm_blast_pct_at_t0", _("in CR at T0 but more than 5 % marrow blasts")),
    ]
    hint = _("check disease_setting, rr_type, relapse_number, intent and disease status at T0 together")
    out = []
    for mask, column, message in checks:
        out += emit(ctx, "SETTING_INCONSISTENT", "patients", p, mask, column, message, hint, column)
    return out


# --- dates against T0, death, cut-off ------------------------------------------------

_BEFORE_T0 = {  # table: (date column, code, message, hint); translated where used
    "assessments": ("assessment_date", "ASSESSMENT_BEFORE_T0", N_("assessment dated before the first infusion ({date})"),
                    N_("response is assessed after the first infusion; put the pre-treatment marrow in the patients "
                       "sheet (bm_blast_pct_at_t0, mrd_at_t0)")),
    "therapies": ("start_date", "THERAPY_BEFORE_T0", N_("subsequent therapy dated before the first infusion ({date})"),
                  N_("therapies before blinatumomab belong in the patients sheet (bridging_type, prior_*)")),
    "adverse_events": ("onset_date", "AE_BEFORE_T0", N_("adverse event dated before the first infusion ({date})"),
                       N_("check onset_date; events before the first infusion are not treatment-emergent")),
}


def check_against_t0(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("infusions"):
        return []
    first = _first_infusion(ctx)
    out = []
    for name, (column, code, message, hint) in _BEFORE_T0.items():
        if not ctx.has(name):
            continue
        f = ctx.tables[name]
        t0 = _lookup(f, first)
        out += emit(ctx, code, name, f, f[column] < t0, column,
                    lambda r, t0=t0, message=message: fill(_(message), r, date=_d(t0[r.index])),
                    _(hint), column)
    if ctx.has("events"):
        ev = ctx.tables["events"]
        t0 = _lookup(ev, first)
        early = ev["event_date"] < t0
        death = ev["event_type"] == "death"
        out += emit(ctx, "DEATH_BEFORE_T0", "events", ev, early & death, "event_date",
                    lambda r: fill(_("death before the first infusion ({date})"), r, date=_d(t0[r.index])),
                    _("correct the death date or the infusion dates"), "event_date")
        out += emit(ctx, "EVENT_BEFORE_T0", "events", ev, early & ~death, "event_date",
                    lambda r: fill(_("{event} dated before the first infusion ({date})"), r,
                                   event=shown_codes("events", "event_type", r["event_type"]), date=_d(t0[r.index])),
                    _("events are counted from the first infusion; history before it belongs in the patients sheet"),
                    "event_date")
    return out


def _dated_records(ctx: RuleContext, skip_death: bool = True) -> list[tuple[str, str, pd.DataFrame]]:
    """(table, date column, rows) for every dated record of the dated study."""
    out = []
    for name in ("infusions", "assessments", "events", "therapies", "adverse_events"):
        if not ctx.has(name):
            continue
        frame = ctx.tables[name]
        if name == "events" and skip_death:
            frame = frame[frame["event_type"] != "death"]
        for col in ALL_TABLES[name].columns:
            if col.dtype is DType.DATE:
                out.append((name, col.name, frame))
    return out


def check_death(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("events"):
        return []
    ev = ctx.tables["events"]
    deaths = (ev["event_type"] == "death") & (ev[PATIENT] >= 0)
    second = deaths & ev[PATIENT].where(deaths).duplicated(keep="first")
    out = emit(ctx, "DEATH_DUPLICATE", "events", ev, second, "event_type",
               _("a second death row for this patient"), _("keep one death row per patient"), "event_date")
    died = _death_date(ctx)
    if died.empty:
        return out
    for name, column, frame in _dated_records(ctx):
        death = _lookup(frame, died)
        out += emit(ctx, "RECORD_AFTER_DEATH", name, frame, frame[column] > death, column,
                    lambda r, death=death, column=column: fill(_("{column} is after the death date ({date})"), r,
                                                               column=column, date=_d(death[r.index])),
                    _("correct this date or the death date in the events sheet"), column)
    return out


def check_cutoff_and_today(ctx: RuleContext) -> list[Finding]:
    out = []
    for name, frame in ctx.tables.items():
        if not ctx.has(name) or frame.empty:
            continue
        for col in ALL_TABLES[name].columns:
            if col.dtype is not DType.DATE:
                continue
            future = frame[col.name] > ctx.today
            if future.any():
                out += emit(ctx, "DATE_IN_FUTURE", name, frame, future, col.name,
                            _("{column} is after today").format(column=col.name), _("correct the date (YYYY-MM-DD)"),
                            col.name)
            if ctx.data_cutoff is not None:
                late = (frame[col.name] > ctx.data_cutoff) & ~future
                if late.any():
                    out += emit(ctx, "DATE_AFTER_CUTOFF", name, frame, late, col.name,
                                _("{column} is after the data cut-off ({date})").format(
                                    column=col.name, date=ctx.data_cutoff.date().isoformat()),
                                _("check the date; follow-up after the cut-off is not used (patients are censored at "
                                  "the cut-off)"), col.name)
    return out


def check_follow_up(ctx: RuleContext) -> list[Finding]:
    if not (ctx.has("events") and ctx.has("patients")):
        return []
    ev = ctx.tables["events"]
    p = ctx.tables["patients"]
    closed = ev.loc[ev["event_type"].isin(["death", "last_contact"]), PATIENT].unique()
    out = emit(ctx, "NO_FOLLOW_UP", "patients", p, (p[PATIENT] >= 0) & ~p[PATIENT].isin(closed), "patient_id",
               _("no death and no last_contact row in the events sheet"),
               _("add a last_contact event (date last known alive) or the death"), "patient_id")
    lc = ev[ev["event_type"] == "last_contact"].dropna(subset=["event_date", "patient_id"])
    if lc.empty:
        return out
    latest = []
    for name, column, frame in _dated_records(ctx):
        if name == "events":
            frame = frame[frame["event_type"] != "last_contact"]
        latest.append(frame[[PATIENT, column]].rename(columns={column: "date"}))
    latest = pd.concat(latest)
    other = _per_patient(latest["date"], latest[PATIENT], "max")
    last = lc.sort_values("event_date").drop_duplicates(PATIENT, keep="last")
    latest_other = _lookup(last, other)
    out += emit(ctx, "LAST_CONTACT_EARLY", "events", last, last["event_date"] < latest_other, "event_date",
                lambda r: fill(_("last contact is before another record of the patient ({date})"), r,
                               date=_d(latest_other[r.index])),
                _("set last_contact to the last date the patient was known alive"), "event_date")
    return out


# --- infusions -------------------------------------------------------------------------

def check_infusions(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("infusions"):
        return []
    inf = ctx.tables["infusions"]
    out = []
    out += emit(ctx, "INFUSION_END_BEFORE_START", "infusions", inf, inf["end_date"] < inf["start_date"], "end_date",
                lambda r: fill(_("end_date is before start_date ({date})"), r, date=_d(r["start_date"])),
                _("swap or correct the dates; end_date is the last day of the segment"), "end_date")
    ok = inf.dropna(subset=["start_date", "end_date"])
    ok = ok[ok[PATIENT] >= 0].sort_values([PATIENT, "start_date", "source_row"])  # codes sort as the ids do
    prev_end = _previous_max(ok, "end_date")
    out += emit(ctx, "INFUSION_OVERLAP", "infusions", ok, ok["start_date"] <= prev_end, "start_date",
                lambda r: fill(_("segment starts on or before the end of an earlier segment (row {row}, ends {date})"), r,
                               row=ok.groupby(PATIENT)["source_row"].shift()[r.index].astype("Int64").astype(str),
                               date=_d(prev_end[r.index])),
                _("end_date is inclusive: the next segment starts the day after; correct the dates or remove a copy"),
                "start_date")
    cyc = ok.dropna(subset=["cycle_number"])
    prev_cycle = _previous_max(cyc, "cycle_number")
    out += emit(ctx, "CYCLE_ORDER", "infusions", cyc, cyc["cycle_number"] < prev_cycle, "cycle_number",
                lambda r: fill(_("cycle_number is lower than that of an earlier segment ({cycle})"), r,
                               cycle=prev_cycle[r.index].astype("Int64").astype(str)),
                _("number the cycles in date order"), "cycle_number")
    if ctx.has("patients"):
        out += _doses(ctx, inf)
    return out


def bsa_mosteller(height_cm: pd.Series, weight_kg: pd.Series) -> pd.Series:
    """Body-surface area in m2, Mosteller: sqrt(height_cm * weight_kg / 3600) (domain-spec 1.6)."""
    return np.sqrt(height_cm * weight_kg / 3600.0)


def _doses(ctx: RuleContext, inf: pd.DataFrame) -> list[Finding]:
    """Label maximum (domain-spec 1.3/1.6): >= 45 kg 28 ug/day; < 45 kg 15 ug/m2/day, capped at 28 ug/day."""
    # rows without an id match the first such patient row, as a lookup by id matches missing with missing
    p = ctx.tables["patients"].drop_duplicates(PATIENT).set_index(PATIENT)
    bsa = p["bsa_m2"].fillna(bsa_mosteller(p["height_cm"], p["weight_kg"]))
    weight, bsa = inf[PATIENT].map(p["weight_kg"]), inf[PATIENT].map(bsa)
    per_day = inf["dose_unit"] == "ug/day"
    per_m2 = inf["dose_unit"] == "ug/m2/day"
    recorded = inf["daily_dose_ug"].notna()
    daily = inf["daily_dose_ug"].fillna(inf["dose_value"].where(per_day))
    heavy = weight >= WEIGHT_THRESHOLD_KG
    light = weight < WEIGHT_THRESHOLD_KG
    out = []
    over_day = daily > MAX_FIXED_DOSE_UG_DAY + 1e-9
    for column, mask in (("daily_dose_ug", over_day & recorded), ("dose_value", over_day & ~recorded)):
        out += emit(ctx, "DOSE_ABOVE_LABEL", "infusions", inf, mask, column,
                    lambda r: fill(_("daily dose {dose} ug/day is above the label maximum of 28 ug/day"), r,
                                   dose=daily[r.index].round(2).astype(str)),
                    _("check dose_value, dose_unit and daily_dose_ug (label: 9 then 28 ug/day; < 45 kg 5 then 15 "
                      "ug/m2/day, max 28 ug/day)"), column)
    out += emit(ctx, "DOSE_ABOVE_LABEL", "infusions", inf,
                per_m2 & light & (inf["dose_value"] > MAX_BSA_DOSE_UG_M2_DAY + 1e-9), "dose_value",
                _("dose_value above the label maximum of 15 ug/m2/day for a patient under 45 kg"),
                _("check dose_value and dose_unit (label for < 45 kg: 5 then 15 ug/m2/day)"), "dose_value")
    computed = inf["dose_value"] * bsa
    out += emit(ctx, "DOSE_ABOVE_LABEL", "infusions", inf,
                per_m2 & ~recorded & heavy & (computed > MAX_FIXED_DOSE_UG_DAY + 1e-9), "dose_value",
                lambda r: fill(_("dose_value x BSA gives {dose} ug/day, above 28 ug/day, for a patient of 45 kg or more "
                                 "(label: fixed dose)"), r, dose=computed[r.index].round(2).astype(str)),
                _("patients of 45 kg or more get a fixed dose in ug/day; check dose_unit"), "dose_value")
    return out


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
    relapse = (ev["event_type"] == "relapse") & ev["event_date"].notna()
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
    death = ev["event_type"] == "death"
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
    nr = s["best_response"] == "NR"
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
