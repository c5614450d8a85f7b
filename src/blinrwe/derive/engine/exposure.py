"""Blinatumomab exposure from infusion segments as Ibis expressions (domain-spec 1.3-1.6; pandas
reference: ``blinrwe.derive.exposure``, whose dosing rules, cycle columns and regimen classes
these follow exactly).

Each segment covers every calendar day from ``start_date`` to ``end_date`` inclusive (counted as
runs of days, :func:`derive_day_runs`: only overlapping segments are expanded to patient-days, an
integer range per segment unnested), and a day covered by several segments counts once, at the rate
of the latest-starting segment
(ties: the higher daily dose, missing last; then the segment entered first, ``source_row``,
as the pandas derivation keeps the first recorded of a stable sort).

The pandas check that no segment ends before it starts needs a query: an expression cannot
raise. :func:`invalid_segments` gives those rows, to be run before the derivation (a reversed
segment covers no day here).
"""

from __future__ import annotations

import ibis

from ..exposure import CYCLE_COLUMNS, DOSE_UNITS_PER_UG, VIAL_TOLERANCE
from ..settings import CutPoints, DeriveSettings

#: ``np.isclose`` tolerances (its defaults), as the pandas ``dose_per_label`` compares rates
_RTOL, _ATOL = 1e-5, 1e-8

EXPOSURE_COLUMNS = ("patient_id", "t0_date", "last_infusion_date", "cycles_started", "infusion_days_total",
                    "infusion_days_cycle1", "full_dose_days", "step_up_days", "cumulative_dose_ug", "vials_min",
                    "dose_per_label", "dose_source", "regimen_class", "duration_class_cycle1",
                    "duration_class_total", "cycles_class", "stop_reason")


def classify(values: ibis.Value, cut: CutPoints) -> ibis.Value:
    """The class label of ``cut`` for each value, as ``pandas.cut`` over ``[-inf, *breaks, inf]`` gives it
    (the pandas ``derive.exposure.classify``): missing stays missing, and the open outer end
    (``inf`` when left-closed, ``-inf`` when right-closed) is outside every class."""
    v = values.cast("float64")
    inside = (v < ibis.literal(float("inf"))) if cut.closed == "left" else (v > ibis.literal(float("-inf")))
    below = (lambda b: v < b) if cut.closed == "left" else (lambda b: v <= b)
    branches = [(below(float(b)).fill_null(False), label) for b, label in zip(cut.breaks, cut.labels)]
    return ibis.ifelse(inside.fill_null(False), ibis.cases(*branches, else_=cut.labels[-1]), ibis.null("string"))


def dose_units(dose_ug: ibis.Value) -> ibis.Value:
    """``dose_ug`` as whole units of 1e-9 ug, ``floor(x * 1e9 + 0.5)`` (pandas: ``exposure.dose_units``): summed
    as integers, the totals are exact and the same in every engine."""
    return (dose_ug.cast("float64") * DOSE_UNITS_PER_UG + 0.5).floor().cast("int64")


def dose_from_units(units: ibis.Value) -> ibis.Value:
    return units.cast("float64") / DOSE_UNITS_PER_UG


def vials(dose_ug: ibis.Value, vial_strength_ug: float) -> ibis.Value:
    """Whole vials holding ``dose_ug``: ``ceil(dose / strength)`` with the pandas tolerance; missing stays missing
    (``blinrwe.derive.drug_use.vials``)."""
    return (dose_ug.cast("float64") / float(vial_strength_ug) - VIAL_TOLERANCE).ceil().cast("int64")


def _isclose(value: ibis.Value, target: float) -> ibis.Value:
    return ((value - target).abs() <= _ATOL + _RTOL * abs(target)).fill_null(False)


def segment_days(segments: ibis.Table) -> ibis.Value:
    """Calendar days a segment covers, start to end inclusive (0 or less: a reversed segment)."""
    return segments.end_date.delta(segments.start_date, unit="day") + 1


def invalid_segments(infusions: ibis.Table) -> ibis.Table:
    """The infusion rows whose ``end_date`` is before ``start_date`` (the pandas derivation refuses them with
    ``InputDataError``; run this first and refuse the study when it has rows)."""
    return infusions.filter(infusions.end_date < infusions.start_date)


def derive_segment_doses(infusions: ibis.Table, patients: ibis.Table, bsa: ibis.Table,
                         settings: DeriveSettings) -> ibis.Table:
    """Infusion segments with ``weight_kg, bsa_m2_used, rate_class, daily_dose_computed_ug,
    daily_dose_used_ug, dose_source, dose_per_label`` (domain-spec 1.3, 1.6), as the pandas
    ``derive_segment_doses``: per-m2 doses are ``rate x BSA`` capped at the step-up or full dose; a
    recorded ``daily_dose_ug`` wins; ``dose_per_label`` is missing without a weight."""
    s = settings
    seg = infusions.left_join(patients.select("patient_id", "weight_kg"), "patient_id").drop("patient_id_right")
    seg = seg.left_join(bsa.select("patient_id", "bsa_m2_used"), "patient_id").drop("patient_id_right")
    per_m2 = (seg.dose_unit == "ug/m2/day").fill_null(False)
    rate = seg.dose_value.cast("float64")
    step_up = ibis.ifelse(per_m2, rate <= s.step_up_dose_ug_m2, rate <= s.step_up_dose_ug).fill_null(False)
    full = ibis.ifelse(per_m2, rate >= s.full_dose_ug_m2, rate >= s.full_dose_ug).fill_null(False)
    cap = ibis.ifelse(step_up, s.step_up_dose_ug, s.full_dose_ug)
    bsa_dose = rate * seg.bsa_m2_used.cast("float64")
    # np.minimum keeps a missing product missing (SQL LEAST would skip it)
    capped = ibis.cases((bsa_dose.isnull(), ibis.null("float64")), (bsa_dose <= cap, bsa_dose), else_=cap)
    computed = ibis.ifelse(per_m2, capped, rate)
    recorded = seg.daily_dose_ug.cast("float64")
    weight = seg.weight_kg.cast("float64")
    label_fixed = ~per_m2 & (_isclose(rate, s.step_up_dose_ug) | _isclose(rate, s.full_dose_ug))
    label_m2 = per_m2 & (_isclose(rate, s.step_up_dose_ug_m2) | _isclose(rate, s.full_dose_ug_m2))
    return seg.mutate(
        rate_class=ibis.cases((step_up, "step_up"), (full, "full"), else_="intermediate"),
        daily_dose_computed_ug=computed,
        daily_dose_used_ug=recorded.coalesce(computed),
        dose_source=ibis.ifelse(recorded.notnull(), "recorded", "computed"),
        dose_per_label=ibis.cases((weight.isnull(), ibis.null("boolean")),
                                  (weight >= s.weight_threshold_kg, label_fixed), else_=label_m2),
    )


#: the columns of :func:`derive_segment_doses` the exposure and drug use read (and ``source_row`` when given)
SEGMENT_COLUMNS = ("patient_id", "cycle_number", "start_date", "end_date", "rate_class", "daily_dose_used_ug",
                   "dose_source", "dose_per_label")


def dosed_segments(infusions: ibis.Table, patients: ibis.Table, bsa: ibis.Table,
                   settings: DeriveSettings) -> ibis.Table:
    """:func:`derive_segment_doses` with its ``SEGMENT_COLUMNS`` only: computed once, read by the exposure and
    the drug use."""
    seg = derive_segment_doses(infusions, patients, bsa, settings)
    return seg.select(*SEGMENT_COLUMNS, *(["source_row"] if "source_row" in seg.columns else []))


def _overlapping(seg: ibis.Table) -> ibis.Table:
    """The ``_seg`` (segment number) of each segment that shares a day with another of its patient's."""
    a = seg.select("patient_id", "_seg", "start_date", "end_date")
    b = a.view()
    pairs = a.join(b, [a.patient_id == b.patient_id, a._seg != b._seg,
                       a.start_date <= b.end_date, b.start_date <= a.end_date])
    return pairs.select(_seg=a._seg).distinct().mutate(_overlaps=ibis.literal(True))


def _days(seg: ibis.Table) -> ibis.Table:
    """One row per segment x calendar day it covers (``infusion_date``)."""
    day = seg.mutate(_k=ibis.range(0, seg._n_days).unnest())
    return day.mutate(infusion_date=day.start_date + day._k.as_interval("D"))


def derive_day_runs(segments: ibis.Table) -> ibis.Table:
    """The patient-days of running infusion (the pandas ``derive_infusion_days``: a day covered by several
    segments counts once, at the rate of the latest-starting one; ties: the higher dose, missing last; then the
    lowest ``source_row``) as runs of consecutive days of one segment: ``patient_id, cycle_number, first_day,
    last_day, days, rate_class, daily_dose_used_ug``.

    A segment sharing no day with another is one run of all its days (they are no other segment's); a day of
    overlapping segments is a run of one day, of the segment the day counts for. Sums over the days are sums
    over the runs weighted by ``days``: no row per patient-day (forty million at a registry's size), and
    only the days of overlapping segments (a registry's seldom overlap) ranked. A day two segments cover is
    a day of both, so each is found overlapping."""
    seg = segments.mutate(_n_days=segment_days(segments), _seg=ibis.row_number())
    seg = seg.left_join(_overlapping(seg), "_seg").drop("_seg_right")
    alone = seg.filter(seg._overlaps.isnull() & (seg._n_days >= 1))
    alone = alone.select("patient_id", "cycle_number", first_day=alone.start_date + ibis.literal(0).as_interval("D"),
                         last_day=alone.start_date + (alone._n_days - 1).as_interval("D"),
                         days=alone._n_days.cast("int64"), rate_class=alone.rate_class,
                         daily_dose_used_ug=alone.daily_dose_used_ug)
    shared = _days(seg.filter(seg._overlaps.notnull()))
    order = [shared.start_date.desc(), shared.daily_dose_used_ug.desc(nulls_first=False)]
    order += [shared.source_row.asc()] if "source_row" in shared.columns else []
    shared = shared.mutate(_rank=ibis.row_number().over(group_by=[shared.patient_id, shared.infusion_date],
                                                        order_by=order))
    shared = shared.filter(shared._rank == 0)
    shared = shared.select("patient_id", "cycle_number", first_day=shared.infusion_date, last_day=shared.infusion_date,
                           days=ibis.literal(1, "int64"), rate_class=shared.rate_class,
                           daily_dose_used_ug=shared.daily_dose_used_ug)
    return alone.union(shared, distinct=False)


def derive_exposure_cycles(runs: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """One row per patient x cycle with at least one day of its own (``CYCLE_COLUMNS``, the pandas
    ``derive_exposure_cycles``) from the day runs (:func:`derive_day_runs`): first and last day, infusion /
    full-dose / step-up days, the cumulative dose (missing when a day's dose is) and ``label_cycle`` (28
    full-dose days, or in the patient's first cycle 7 step-up days then 21 full-dose days)."""
    s = settings
    d = runs.filter(runs.cycle_number.notnull())
    no_days = ibis.literal(0, "int64")
    cyc = d.group_by("patient_id", "cycle_number").aggregate(
        cycle_start=d.first_day.min(), cycle_end=d.last_day.max(), infusion_days=d.days.sum(),
        full_dose_days=ibis.ifelse(d.rate_class == "full", d.days, no_days).sum(),
        step_up_days=ibis.ifelse(d.rate_class == "step_up", d.days, no_days).sum(),
        # a run's days share one dose: its units x days, exact as integers
        _dose_units=(dose_units(d.daily_dose_used_ug) * d.days).sum(),
        _dose_known=ibis.ifelse(d.daily_dose_used_ug.notnull(), d.days, no_days).sum(),
    )
    first = cyc.cycle_number == cyc.cycle_number.min().over(group_by=cyc.patient_id)
    no_step_full = (cyc.step_up_days == 0) & (cyc.full_dose_days == s.label_cycle_days)
    step_then_full = first & (cyc.step_up_days == s.label_step_up_days) & (
        cyc.full_dose_days == s.label_cycle_days - s.label_step_up_days)
    return cyc.mutate(
        cumulative_dose_ug=ibis.ifelse(cyc._dose_known == cyc.infusion_days, dose_from_units(cyc._dose_units),
                                       ibis.null("float64")),
        label_cycle=(cyc.infusion_days == s.label_cycle_days) & (no_step_full | step_then_full),
    ).select(*CYCLE_COLUMNS)


def _per_patient(segments: ibis.Table, runs: ibis.Table, cycles: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """Per-patient sums over segments, day runs and cycles (one row per patient with a segment)."""
    s = settings
    seg = segments.group_by("patient_id").aggregate(
        t0_date=segments.start_date.min(), last_infusion_date=segments.end_date.max(),
        cycles_started=segments.cycle_number.nunique(),
        n_off_label=(segments.dose_per_label == False).fill_null(False).sum(),  # noqa: E712 (SQL = FALSE)
        n_label_unknown=segments.dose_per_label.isnull().sum(),
        n_recorded=(segments.dose_source == "recorded").sum(), n_segments=segments.count(),
    )
    total = runs.group_by("patient_id").aggregate(infusion_days_total=runs.days.sum())
    c = cycles
    cyc = c.group_by("patient_id").aggregate(
        infusion_days_cycle1=c.infusion_days.argmin(c.cycle_number),
        full_dose_days=c.full_dose_days.sum(), step_up_days=c.step_up_days.sum(),
        cumulative_dose_ug=dose_from_units(dose_units(c.cumulative_dose_ug).sum()),
        dose_missing=c.cumulative_dose_ug.isnull().any(),
        all_label=c.label_cycle.all(), all_fixed=(c.infusion_days == s.fixed_course_days).all(),
        all_short=c.full_dose_days.between(1, s.short_course_max_full_dose_days).all(),
    )
    out = seg.left_join(total, "patient_id").drop("patient_id_right")
    return out.left_join(cyc, "patient_id").drop("patient_id_right")


def derive_exposure(patients: ibis.Table, infusions: ibis.Table, bsa: ibis.Table,
                    settings: DeriveSettings, keep=lambda table: table,
                    segments: ibis.Table | None = None) -> tuple[ibis.Table, ibis.Table]:
    """Per-patient exposure (ADSL columns ``EXPOSURE_COLUMNS``) and the per-cycle table (``CYCLE_COLUMNS``),
    as the pandas ``derive_exposure`` (domain-spec 1.5; its docstring gives every column and the
    ``regimen_class`` rule: label, fixed_14_day, short_course_<10d_full_dose, other, first match wins).
    ``keep`` (see ``analysis_data.derive_expressions``) holds the day runs and the cycles, which both
    results read; ``segments``: :func:`dosed_segments`, when held already."""
    s = settings
    segments = dosed_segments(infusions, patients, bsa, s) if segments is None else segments
    runs = keep(derive_day_runs(segments))
    cycles = keep(derive_exposure_cycles(runs, s))
    out = patients.select("patient_id", "stop_reason").left_join(
        _per_patient(segments, runs, cycles, s), "patient_id").drop("patient_id_right")
    treated = out.t0_date.notnull()
    counts = {col: out[col].fill_null(0).cast("int64") for col in (
        "cycles_started", "infusion_days_total", "infusion_days_cycle1", "full_dose_days", "step_up_days")}
    dose = ibis.cases((~treated, 0.0), (out.dose_missing.fill_null(False), ibis.null("float64")),
                      else_=out.cumulative_dose_ug.cast("float64"))
    # every segment per label -> True; any off-label segment -> False; else unknown
    per_label = ibis.cases((out.n_off_label > 0, False), (out.n_label_unknown > 0, ibis.null("boolean")),
                           (out.n_segments.notnull(), True), else_=ibis.null("boolean"))
    source = ibis.cases((~treated, ibis.null("string")), (out.n_recorded == out.n_segments, "recorded"),
                        (out.n_recorded == 0, "computed"), else_="mixed")
    is_label = per_label.fill_null(False) & out.all_label.fill_null(False)
    regimen = ibis.cases((~treated, ibis.null("string")), (is_label, "label"),
                         (out.all_fixed.fill_null(False), "fixed_14_day"),
                         (out.all_short.fill_null(False), "short_course_<10d_full_dose"), else_="other")
    exposure = out.select(
        "patient_id", "t0_date", "last_infusion_date", **counts, cumulative_dose_ug=dose,
        vials_min=vials(dose, s.vial_strength_ug), dose_per_label=per_label, dose_source=source,
        regimen_class=regimen,
        duration_class_cycle1=classify(ibis.ifelse(treated, counts["infusion_days_cycle1"], ibis.null("int64")),
                                       s.duration_classes),
        duration_class_total=classify(ibis.ifelse(treated, counts["infusion_days_total"], ibis.null("int64")),
                                      s.duration_classes),
        cycles_class=ibis.cases((~treated, ibis.null("string")), (counts["cycles_started"] == 1, "1"),
                                else_=">=2"),
        stop_reason=out.stop_reason,
    )
    return exposure.select(*EXPOSURE_COLUMNS), cycles
