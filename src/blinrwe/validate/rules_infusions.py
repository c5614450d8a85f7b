"""Checks of the blinatumomab infusion segments: dates in order and not overlapping, plausible lengths,
cycles numbered in date order, doses within the label (domain-spec 1.3, 1.6)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.model.i18n import _

from .findings import Finding
from .rule_context import (
    MAX_BSA_DOSE_UG_M2_DAY,
    MAX_FIXED_DOSE_UG_DAY,
    PATIENT,
    WEIGHT_THRESHOLD_KG,
    RuleContext,
    _d,
    _previous_max,
    emit,
    fill,
    is_code,
)

__all__ = ["MAX_SEGMENT_DAYS", "bsa_mosteller", "check_infusions"]

#: Longest plausible continuous infusion segment: one whole cycle, 28 days of infusion and 14 off
#: (domain-spec 1.2). A longer segment is a typed date (often the year) more often than a treatment.
MAX_SEGMENT_DAYS = 42


def check_infusions(ctx: RuleContext) -> list[Finding]:
    if not ctx.has("infusions"):
        return []
    inf = ctx.tables["infusions"]
    out = []
    out += emit(ctx, "INFUSION_END_BEFORE_START", "infusions", inf, inf["end_date"] < inf["start_date"], "end_date",
                lambda r: fill(_("end_date is before start_date ({date})"), r, date=_d(r["start_date"])),
                _("swap or correct the dates; end_date is the last day of the segment"), "end_date")
    days = (inf["end_date"] - inf["start_date"]).dt.days + 1  # both days infused
    out += emit(ctx, "INFUSION_LONG", "infusions", inf, days > MAX_SEGMENT_DAYS, "end_date",
                lambda r: fill(_("segment of {days} days (from {date}), longer than a whole cycle of {cycle} days"), r,
                               days=days[r.index].astype("Int64").astype(str), date=_d(r["start_date"]),
                               cycle=str(MAX_SEGMENT_DAYS)),
                _("check start_date and end_date (often the year); a cycle is 28 days of infusion and 14 days off: "
                  "enter each continuous stretch of infusion as one segment"), "end_date")
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
    per_day = is_code(inf["dose_unit"], "ug/day")
    per_m2 = is_code(inf["dose_unit"], "ug/m2/day")
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
