"""Blinatumomab exposure from infusion segments (domain-spec 1.3-1.6).

A "cycle" is not a calendar block (interruptions, bag changes), so exposure is
derived from the recorded segments at a constant rate:

* each segment covers every calendar day from ``start_date`` to ``end_date``
  **inclusive** (a 7-day bag started on day 1 ends on day 7);
* segments are expanded to one row per patient-day; a day covered by several
  segments (overlapping records, e.g. a bag change recorded on both bags) is
  counted once, at the rate of the segment that started latest on or before it
  (the rate change takes effect that day; ties: the higher daily dose);
* the daily dose actually infused is the recorded ``daily_dose_ug`` when
  present (it wins), else ``dose_value`` for ug/day rates, else
  ``dose_value * BSA`` for ug/m2/day rates, capped at 9 ug/day in the step-up
  phase and 28 ug/day otherwise (label rule for < 45 kg; applied to every
  per-m2 rate, because a capped BSA dose is what the pump delivers whatever the
  weight; a >= 45 kg patient dosed per m2 is flagged by ``dose_per_label``).

All operations are vectorised table operations (repeat, group-by, merge), so
the same logic runs on registry-sized data and translates to SQL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.errors import InputDataError

from .keys import first_in_group, sort_key, sort_order
from .settings import CutPoints, DeriveSettings

#: ceil(dose / strength) tolerance: 70.0 / 35 gives 2 vials despite floating-point noise.
VIAL_TOLERANCE = 1e-9
#: Doses are summed as whole numbers of 1e-9 ug (each daily dose rounded to it): an integer sum is exact
#: in any order, so pandas, DuckDB and Spark give the same totals to the last digit (float sums, in each
#: engine's order, differed in the 16th). 1e-9 ug is far below any dose that is recorded or computed.
DOSE_UNITS_PER_UG = 10**9

DAY = pd.Timedelta(days=1)


def reversed_segment(row: pd.Series) -> InputDataError:
    """The error for an infusion segment that ends before it starts (validation refuses such rows first)."""
    source = row.get("source_row")
    where = f"row {int(source)}" if source is not None and pd.notna(source) else "a row"
    return InputDataError(
        f"table 'infusions', {where}: end_date is before start_date; the end date is the last day of the segment (inclusive)."
    )


def dose_units(dose_ug: np.ndarray) -> np.ndarray:
    """``dose_ug`` (float, missing = NaN) as whole units of 1e-9 ug, ``floor(x * 1e9 + 0.5)`` (missing counts 0),
    the same in SQL (``engine/exposure.py``); held as floats, which are exact whole numbers below 2**53."""
    units = np.multiply(np.asarray(dose_ug, dtype=float), DOSE_UNITS_PER_UG)
    units += 0.5
    np.floor(units, out=units)
    units[np.isnan(units)] = 0.0
    return units


def dose_sum_per_group(dose_ug: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """The total dose (ug) of each group ``0 .. n_groups - 1``, summed exactly in whole units (``dose_units``)."""
    units = dose_units(dose_ug)
    totals = np.bincount(group, weights=units, minlength=n_groups)
    # a float sum of non-negative whole numbers is exact while it stays below 2**53; past that, in integers
    if units.min(initial=0.0) < 0 or totals.max(initial=0.0) >= 2.0**53:
        totals = pd.Series(units.astype(np.int64)).groupby(group).sum().reindex(range(n_groups), fill_value=0)
    return np.asarray(totals, dtype=np.int64) / DOSE_UNITS_PER_UG


def classify(values: pd.Series, cut: CutPoints) -> pd.Series:
    """Label each value with its class of ``cut`` (missing stays missing)."""
    bins = [-np.inf, *cut.breaks, np.inf]
    out = pd.cut(pd.to_numeric(values, errors="coerce").astype(float), bins=bins, labels=list(cut.labels),
                 right=(cut.closed == "right"))
    return out.astype("object").where(out.notna(), None)


def derive_segment_doses(infusions: pd.DataFrame, patients: pd.DataFrame, bsa: pd.DataFrame,
                         settings: DeriveSettings) -> pd.DataFrame:
    """Infusion segments with ``rate_class``, ``daily_dose_computed_ug``, ``daily_dose_used_ug``,
    ``dose_source`` and ``dose_per_label`` (domain-spec 1.3, 1.6).

    ``rate_class``: ``step_up`` (<= 9 ug/day or <= 5 ug/m2/day), ``full``
    (>= 28 ug/day or >= 15 ug/m2/day) or ``intermediate``. ``dose_per_label``:
    the segment's unit and rate are the label's for the patient's weight
    (>= 45 kg: 9 or 28 ug/day; < 45 kg: 5 or 15 ug/m2/day); missing when the
    weight is missing.
    """
    s = settings
    seg = infusions.merge(patients[["patient_id", "weight_kg"]], on="patient_id", how="left")
    seg = seg.merge(bsa[["patient_id", "bsa_m2_used"]], on="patient_id", how="left")
    bad = seg["end_date"] < seg["start_date"]
    if bad.any():
        raise reversed_segment(seg.loc[bad].iloc[0])
    per_m2 = (seg["dose_unit"] == "ug/m2/day").to_numpy()
    rate = seg["dose_value"].astype(float).to_numpy()
    step_up = np.where(per_m2, rate <= s.step_up_dose_ug_m2, rate <= s.step_up_dose_ug)
    full = np.where(per_m2, rate >= s.full_dose_ug_m2, rate >= s.full_dose_ug)
    seg["rate_class"] = np.select([step_up, full], ["step_up", "full"], "intermediate")
    cap = np.where(step_up, s.step_up_dose_ug, s.full_dose_ug)
    bsa_dose = np.minimum(rate * seg["bsa_m2_used"].astype(float).to_numpy(), cap)
    seg["daily_dose_computed_ug"] = np.where(per_m2, bsa_dose, rate)
    recorded = seg["daily_dose_ug"].astype(float)
    seg["daily_dose_used_ug"] = recorded.where(recorded.notna(), seg["daily_dose_computed_ug"])
    seg["dose_source"] = np.where(recorded.notna(), "recorded", "computed")
    weight = seg["weight_kg"].astype(float).to_numpy()
    heavy = weight >= s.weight_threshold_kg
    label_fixed = ~per_m2 & (np.isclose(rate, s.step_up_dose_ug) | np.isclose(rate, s.full_dose_ug))
    label_m2 = per_m2 & (np.isclose(rate, s.step_up_dose_ug_m2) | np.isclose(rate, s.full_dose_ug_m2))
    seg["dose_per_label"] = pd.array(np.where(heavy, label_fixed, label_m2), dtype="boolean")
    seg.loc[np.isnan(weight), "dose_per_label"] = pd.NA
    return seg


def infusion_day_rows(segments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The patient-days of running infusion as ``(segment_row, day)`` arrays, sorted by patient and day.

    ``segment_row`` is the position in ``segments`` of the segment giving that
    day's rate (the latest-starting one; ties: the higher daily dose, then the
    first recorded); ``day`` is the date as int64 nanoseconds. Each segment is
    expanded to its days (repeat + offset), the rows sorted by patient, day,
    start descending and dose descending, and the first row of each
    patient-day kept (SQL: ``ROW_NUMBER() OVER (PARTITION BY patient, day
    ORDER BY start DESC, dose DESC) = 1``).
    """
    start = segments["start_date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    n_days = ((segments["end_date"] - segments["start_date"]) // DAY + 1).astype(int).to_numpy()
    dose = segments["daily_dose_used_ug"].to_numpy(dtype=float)
    dose_desc = sort_key(pd.Series(np.where(np.isnan(dose), np.inf, -dose)))  # descending, missing last
    patient = sort_key(segments["patient_id"])
    # expanding the segments in patient and start order gives day rows that are nearly sorted already
    # (the stable pre-sort keeps the recorded order of segments with the same patient and start)
    segment = sort_order(patient, start)
    row = np.repeat(segment, n_days[segment])
    first_of_segment = np.repeat(np.cumsum(n_days[segment]) - n_days[segment], n_days[segment])
    day = start[row] + (np.arange(len(row)) - first_of_segment) * DAY.value
    same_patient = patient[row][1:] == patient[row][:-1]
    if not (same_patient & (day[1:] <= day[:-1])).any():
        return row, day  # no segment overlaps another: already one row per patient-day, in order
    order = sort_order(patient[row], day, -start[row], dose_desc[row])
    row, day = row[order], day[order]
    keep = first_in_group(patient[row], day)
    return row[keep], day[keep]


def derive_infusion_days(segments: pd.DataFrame) -> pd.DataFrame:
    """One row per patient x calendar day of running infusion, with the rate of that day.

    Columns: ``patient_id, infusion_date, cycle_number, rate_class,
    daily_dose_used_ug, dose_source``. Overlapping segments count once (the
    latest-starting segment gives the rate; ties: the higher dose).
    """
    cols = ["patient_id", "cycle_number", "rate_class", "daily_dose_used_ug", "dose_source"]
    if segments.empty:
        return pd.DataFrame(columns=["patient_id", "infusion_date", "cycle_number", "rate_class",
                                     "daily_dose_used_ug", "dose_source"])
    row, day = infusion_day_rows(segments)
    days = segments[cols].take(row).reset_index(drop=True)
    days["infusion_date"] = day.view("datetime64[ns]")
    return days


CYCLE_COLUMNS = ["patient_id", "cycle_number", "cycle_start", "cycle_end", "infusion_days", "full_dose_days",
                 "step_up_days", "cumulative_dose_ug", "label_cycle"]


def derive_exposure_cycles(days: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """One row per patient x cycle: ``cycle_start, cycle_end, infusion_days, full_dose_days,
    step_up_days, cumulative_dose_ug, label_cycle``.

    ``cumulative_dose_ug`` is missing when a day's dose cannot be computed
    (per-m2 rate without BSA). ``label_cycle``: 28 infusion days with no
    step-up, or (first cycle) 7 step-up days then full dose.
    """
    if days.empty:
        return pd.DataFrame(columns=CYCLE_COLUMNS)
    group, keys = _cycle_groups(days)
    return _cycle_table(keys, group, days["infusion_date"].to_numpy(dtype="datetime64[ns]").view(np.int64),
                        days["rate_class"].eq("full").to_numpy(), days["rate_class"].eq("step_up").to_numpy(),
                        days["daily_dose_used_ug"].to_numpy(dtype=float), settings)


def _cycle_groups(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of each row by (patient, cycle) in sorted order (-1: cycle missing) and the group keys."""
    group = frame.groupby(["patient_id", "cycle_number"], sort=True).ngroup().to_numpy(dtype=float)
    group = np.where(np.isnan(group), -1, group).astype(np.int64)
    numbered, first = np.unique(group, return_index=True)
    first = first[numbered >= 0]
    return group, frame[["patient_id", "cycle_number"]].take(first).reset_index(drop=True)


def _cycle_table(keys: pd.DataFrame, group: np.ndarray, day: np.ndarray, full: np.ndarray, step: np.ndarray,
                 dose: np.ndarray, settings: DeriveSettings) -> pd.DataFrame:
    """Aggregate infusion days (arrays, one entry per patient-day) to the cycle table.

    ``keys``: ``patient_id, cycle_number`` of each group; ``group``: the group of
    each day (-1: none). GROUP BY patient, cycle: MIN/MAX(day), COUNT, SUM.
    """
    s = settings
    n_groups = len(keys)
    inside = group >= 0
    g, day, full, step, dose = group[inside], day[inside], full[inside], step[inside], dose[inside]
    n_days = np.bincount(g, minlength=n_groups)
    first_day = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(first_day, g, day)
    last_day = np.full(n_groups, np.iinfo(np.int64).min)
    np.maximum.at(last_day, g, day)
    dose_sum = dose_sum_per_group(dose, g, n_groups)
    dose_missing = np.bincount(g[np.isnan(dose)], minlength=n_groups) > 0
    has_days = n_days > 0  # a cycle whose segments are all overlapped by another cycle's has no day of its own
    cyc = keys.loc[has_days].reset_index(drop=True)
    cyc["cycle_start"] = first_day[has_days].view("datetime64[ns]")
    cyc["cycle_end"] = last_day[has_days].view("datetime64[ns]")
    cyc["infusion_days"] = n_days[has_days]
    cyc["full_dose_days"] = np.bincount(g[full], minlength=n_groups)[has_days]
    cyc["step_up_days"] = np.bincount(g[step], minlength=n_groups)[has_days]
    cyc["cumulative_dose_ug"] = np.where(dose_missing, np.nan, dose_sum)[has_days]
    first = cyc.groupby("patient_id")["cycle_number"].transform("min") == cyc["cycle_number"]
    full_length = cyc["infusion_days"] == s.label_cycle_days
    no_step = cyc["step_up_days"] == 0
    step_then_full = first & (cyc["step_up_days"] == s.label_step_up_days) & (
        cyc["full_dose_days"] == s.label_cycle_days - s.label_step_up_days)
    cyc["label_cycle"] = full_length & ((no_step & (cyc["full_dose_days"] == s.label_cycle_days)) | step_then_full)
    return cyc[CYCLE_COLUMNS]


def derive_exposure(patients: pd.DataFrame, infusions: pd.DataFrame, bsa: pd.DataFrame,
                    settings: DeriveSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-patient exposure (ADSL columns) and the per-cycle table (domain-spec 1.5).

    Returns ``(exposure, exposure_cycles)``. ``exposure`` has one row per
    patient of ``patients`` with: ``t0_date`` (first infusion day),
    ``last_infusion_date``, ``cycles_started``, ``infusion_days_total``,
    ``infusion_days_cycle1`` (infusion days of the lowest-numbered cycle),
    ``full_dose_days``, ``step_up_days``, ``cumulative_dose_ug``,
    ``vials_min`` (ceil(cumulative / vial strength): a lower bound, bag
    preparation needs overfill), ``dose_per_label`` (every segment at a label
    rate for the weight), ``dose_source`` (recorded / computed / mixed),
    ``regimen_class``, ``duration_class_cycle1``, ``duration_class_total``,
    ``cycles_class`` (``1`` / ``>=2``), ``stop_reason``.

    ``regimen_class`` rule, first match wins:

    1. ``label``: every segment at a label rate (``dose_per_label``) and every
       cycle a label cycle (28 infusion days: all full dose, or in the first
       cycle 7 step-up days + 21 full-dose days);
    2. ``fixed_14_day``: every cycle has exactly ``fixed_course_days`` (14)
       infusion days (seed 004);
    3. ``short_course_<10d_full_dose``: every cycle has between 1 and
       ``short_course_max_full_dose_days`` full-dose days, step-up days not
       counted (seed 003);
    4. ``other``.
    """
    s = settings
    segments = derive_segment_doses(infusions, patients, bsa, s)
    if segments.empty:
        cycles = pd.DataFrame(columns=CYCLE_COLUMNS)
    else:
        # the patient-days as positions into ``segments`` (the days table is never materialised)
        row, day = infusion_day_rows(segments)
        segment_group, keys = _cycle_groups(segments)
        rate = segments["rate_class"].to_numpy(dtype=object)
        cycles = _cycle_table(keys, segment_group[row], day, (rate == "full")[row], (rate == "step_up")[row],
                              segments["daily_dose_used_ug"].to_numpy(dtype=float)[row], s)

    out = patients[["patient_id", "stop_reason"]].copy()
    if not segments.empty:
        seg_agg = segments.assign(
            off_label=segments["dose_per_label"].eq(False).astype("boolean").fillna(False).astype(bool),
            label_unknown=segments["dose_per_label"].isna(),
            recorded=segments["dose_source"].eq("recorded"),
        ).groupby("patient_id").agg(
            t0_date=("start_date", "min"), last_infusion_date=("end_date", "max"),
            cycles_started=("cycle_number", "nunique"), n_off_label=("off_label", "sum"),
            n_label_unknown=("label_unknown", "sum"), n_recorded=("recorded", "sum"),
            n_segments=("recorded", "size"),
        ).reset_index()
        # every segment per label -> True; any off-label segment -> False; else unknown
        seg_agg["dose_per_label"] = pd.array(
            np.where(seg_agg["n_off_label"] > 0, False, np.where(seg_agg["n_label_unknown"] > 0, None, True)),
            dtype="boolean")
        cyc_first = cycles.sort_values(["patient_id", "cycle_number"]).drop_duplicates("patient_id")
        cyc_agg = cycles.assign(
            fixed=cycles["infusion_days"] == s.fixed_course_days,
            short=cycles["full_dose_days"].between(1, s.short_course_max_full_dose_days),
            dose_missing=cycles["cumulative_dose_ug"].isna(),
            dose_units=dose_units(cycles["cumulative_dose_ug"].to_numpy(dtype=float)),
        ).groupby("patient_id").agg(
            full_dose_days=("full_dose_days", "sum"), step_up_days=("step_up_days", "sum"),
            dose_units=("dose_units", "sum"), dose_missing=("dose_missing", "any"),
            all_label=("label_cycle", "all"), all_fixed=("fixed", "all"), all_short=("short", "all"),
        ).reset_index()
        cyc_agg["cumulative_dose_ug"] = cyc_agg.pop("dose_units") / DOSE_UNITS_PER_UG
        total = segments["patient_id"].take(row).value_counts().rename("infusion_days_total").reset_index()
        out = (out.merge(seg_agg, on="patient_id", how="left").merge(total, on="patient_id", how="left")
               .merge(cyc_first[["patient_id", "infusion_days"]].rename(columns={"infusion_days": "infusion_days_cycle1"}),
                      on="patient_id", how="left")
               .merge(cyc_agg, on="patient_id", how="left"))
    else:
        for col in ("t0_date", "last_infusion_date"):
            out[col] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        for col in ("cycles_started", "infusion_days_total", "infusion_days_cycle1", "full_dose_days", "step_up_days",
                    "n_recorded", "n_segments"):
            out[col] = np.nan
        out["cumulative_dose_ug"] = np.nan
        out["dose_missing"] = False
        out["dose_per_label"] = pd.NA
        for col in ("all_label", "all_fixed", "all_short"):
            out[col] = False

    treated = out["t0_date"].notna()
    for col in ("cycles_started", "infusion_days_total", "infusion_days_cycle1", "full_dose_days", "step_up_days"):
        out[col] = out[col].fillna(0).astype("Int64")
    out["cumulative_dose_ug"] = out["cumulative_dose_ug"].astype(float).where(~out["dose_missing"].astype("boolean").fillna(False).astype(bool))
    out.loc[~treated, "cumulative_dose_ug"] = 0.0
    # ceil with a tolerance: 70.0 / 35 must give 2 vials even with floating-point noise.
    out["vials_min"] = np.ceil(out["cumulative_dose_ug"] / s.vial_strength_ug - VIAL_TOLERANCE).astype("Int64")
    out["dose_per_label"] = out["dose_per_label"].astype("boolean")
    n_rec, n_seg = out["n_recorded"].fillna(0), out["n_segments"].fillna(0)
    out["dose_source"] = np.select([~treated, n_rec == n_seg, n_rec == 0], [None, "recorded", "computed"], "mixed")
    is_label = out["dose_per_label"].astype("boolean").fillna(False).astype(bool) & out["all_label"].astype("boolean").fillna(False).astype(bool)
    out["regimen_class"] = np.select(
        [~treated, is_label, out["all_fixed"].astype("boolean").fillna(False).astype(bool), out["all_short"].astype("boolean").fillna(False).astype(bool)],
        [None, "label", "fixed_14_day", "short_course_<10d_full_dose"], "other")
    out["duration_class_cycle1"] = classify(out["infusion_days_cycle1"].where(treated), s.duration_classes)
    out["duration_class_total"] = classify(out["infusion_days_total"].where(treated), s.duration_classes)
    out["cycles_class"] = np.select([~treated, out["cycles_started"] == 1], [None, "1"], ">=2")
    cols = ["patient_id", "t0_date", "last_infusion_date", "cycles_started", "infusion_days_total",
            "infusion_days_cycle1", "full_dose_days", "step_up_days", "cumulative_dose_ug", "vials_min",
            "dose_per_label", "dose_source", "regimen_class", "duration_class_cycle1", "duration_class_total",
            "cycles_class", "stop_reason"]
    for col in ("dose_source", "regimen_class", "cycles_class"):
        out[col] = out[col].astype(object).where(out[col].astype(object) != "None", None)
    return out[cols].reset_index(drop=True), cycles.reset_index(drop=True)
