"""Validation rules on dates: records against the first infusion, after death, after the cut-off or
today, and follow-up (see :mod:`blinrwe.validate.rules`)."""

from __future__ import annotations

import pandas as pd

from blinrwe.model import ALL_TABLES, DType
from blinrwe.model.display import N_
from blinrwe.model.i18n import _

from .findings import Finding
from .rule_context import (
    PATIENT,
    RuleContext,
    _d,
    _death_date,
    _first_infusion,
    _lookup,
    _per_patient,
    emit,
    fill,
    is_code,
    is_not_code,
    shown_codes,
)

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
        death = is_code(ev["event_type"], "death")
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
            frame = frame[is_not_code(frame["event_type"], "death")]
        for col in ALL_TABLES[name].columns:
            if col.dtype is DType.DATE:
                out.append((name, col.name, frame))
    return out


def check_death(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("events"):
        return []
    ev = ctx.tables["events"]
    deaths = is_code(ev["event_type"], "death") & (ev[PATIENT] >= 0)
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
    lc = ev[is_code(ev["event_type"], "last_contact")].dropna(subset=["event_date", "patient_id"])
    if lc.empty:
        return out
    latest = []
    for name, column, frame in _dated_records(ctx):
        if name == "events":
            frame = frame[is_not_code(frame["event_type"], "last_contact")]
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
