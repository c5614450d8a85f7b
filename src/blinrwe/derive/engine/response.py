"""Response and MRD, per assessment and per patient, as Ibis expressions (domain-spec 3; pandas
reference: ``blinrwe.derive.response``, whose classification algorithm, windows, response
hierarchy and composites these follow exactly).

Nothing here depends on row order: the best response is the lowest rank of the hierarchy
(equal categories on one date are the same rank), first dates are minima, and flags are "any".
"""

from __future__ import annotations

import ibis

from ..response import (NO_END, RESPONSE_COLUMNS, RESPONSE_POPULATION_CODES, RESPONSE_RANK, composite_members,
                        window_flag)
from ..settings import RESPONSE_WINDOWS, DeriveSettings

_DAY_SECONDS = 86_400


def _flag(value: ibis.Value) -> ibis.Value:
    """A nullable boolean as a flag (missing counts as False, as the pandas ``fillna(False)``)."""
    return value.cast("boolean").fill_null(False)


def _earlier(date: ibis.Value, bound: ibis.Value) -> ibis.Value:
    """``min(date, bound)`` for a never-missing ``bound``, missing when ``date`` is (``numpy.minimum``
    propagates NaT; SQL ``LEAST`` would skip it)."""
    return ibis.ifelse(date > bound, bound, date)


def classify_response(assessments: ibis.Table, settings: DeriveSettings) -> ibis.Value:
    """Derived response category per assessment row (domain-spec 3.1; algorithm in ``derive.response``)."""
    s, a = settings, assessments
    blasts = a.bm_blast_pct.cast("float64")
    below = blasts <= s.cr_blast_max_pct if s.cr_blast_inclusive else blasts < s.cr_blast_max_pct
    blast_ok = below.fill_null(False) & ~_flag(a.circulating_blasts) & ~_flag(a.extramedullary_disease)
    anc, plt = a.anc.cast("float64"), a.platelets.cast("float64")
    full = ((anc >= s.anc_full) & (plt >= s.platelets_full)).fill_null(False)
    partial = ((anc > s.anc_partial) & (plt > s.platelets_partial)).fill_null(False)
    return ibis.cases((blasts.isnull(), ibis.null("string")), (blast_ok & full, "CR"), (blast_ok & partial, "CRh"),
                      (blast_ok, "CRi"), else_="NR")


def derive_windows(t0: ibis.Table, cycles: ibis.Table, next_therapy: ibis.Table,
                   settings: DeriveSettings) -> ibis.Table:
    """Per-patient window bounds (domain-spec 3.4): ``patient_id, t0_date, overall_end, end_2_cycles,
    end_12_weeks``, all inclusive; one row per row of ``t0``."""
    s = settings
    later = cycles.filter((cycles.cycle_number >= 3).fill_null(False))
    c3 = later.group_by("patient_id").aggregate(cycle3_start=later.cycle_start.min())
    w = t0.select("patient_id", "t0_date").left_join(c3, "patient_id").drop("patient_id_right")
    w = w.left_join(next_therapy.select("patient_id", "first_next_therapy_date"), "patient_id").drop(
        "patient_id_right")
    overall = ibis.literal(NO_END.to_pydatetime(), "timestamp")
    if s.response_before_next_therapy:
        overall = w.first_next_therapy_date.coalesce(overall)
    if s.data_cutoff is not None:
        overall = ibis.least(overall, ibis.timestamp(str(s.data_cutoff)))
    nominal = w.t0_date + ibis.interval(days=int(s.response_window_cycles * s.cycle_days))
    end_2c = (w.cycle3_start - ibis.interval(days=1)).coalesce(nominal)
    end_12w = w.t0_date + ibis.interval(days=int(s.response_window_days))
    w = w.mutate(overall_end=overall)
    return w.select("patient_id", "t0_date", "overall_end", end_2_cycles=_earlier(end_2c, w.overall_end),
                    end_12_weeks=_earlier(end_12w, w.overall_end))


def derive_responses(assessments: ibis.Table, windows: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """One row per assessment with the derived and final response, MRD flags and window membership
    (columns ``RESPONSE_COLUMNS``, as the pandas derivation; no row order)."""
    s = settings
    a = assessments.left_join(windows, "patient_id").drop("patient_id_right")
    derived = classify_response(a, s)
    recorded = a.response_recorded.cast("string")
    response = recorded.coalesce(derived)
    mrd = a.mrd_value.cast("float64")
    days = (a.assessment_date.epoch_seconds() - a.t0_date.epoch_seconds()) / _DAY_SECONDS
    after_t0 = a.assessment_date > a.t0_date
    post_baseline = after_t0
    if s.data_cutoff is not None:
        post_baseline &= a.assessment_date <= ibis.timestamp(str(s.data_cutoff))
    columns = {
        "study_day": days.floor().cast("int64"),
        "response_derived": derived, "response_recorded": recorded, "response": response,
        "response_source": ibis.cases((recorded.notnull(), "recorded"), (derived.notnull(), "derived"),
                                      else_="missing"),
        **{name: response.isin(members).fill_null(False) for name, members in composite_members(s).items()},
        "mrd_value": mrd, "mrd_negative": mrd < s.mrd_threshold, "mrd_undetectable": mrd == 0,
        "post_baseline": post_baseline.fill_null(False),
        "in_2_cycles": (after_t0 & (a.assessment_date <= a.end_2_cycles)).fill_null(False),
        "in_12_weeks": (after_t0 & (a.assessment_date <= a.end_12_weeks)).fill_null(False),
        "in_overall": (after_t0 & (a.assessment_date <= a.overall_end)).fill_null(False),
    }
    return a.select(*[columns[name].name(name) if name in columns else a[name] for name in RESPONSE_COLUMNS])


def derive_best_response(responses: ibis.Table, patients: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """Per-patient response and MRD summary (domain-spec 3.1-3.4), one row per row of ``patients``
    (``patient_id, t0_date, mrd_status_at_t0``); the columns of the pandas derivation, in its order.

    Per window: the best category (lowest rank of ``RESPONSE_RANK``), the composites and MRD
    responses reached; then the primary window's best response and responder flag, the first
    dates, and the MRD denominators."""
    s, r = settings, responses
    pw = s.primary_response_window
    rank = ibis.cases(*[(r.response == category, value) for category, value in RESPONSE_RANK.items()],
                      else_=ibis.null("int64"))
    members = composite_members(s)
    reached = {**{c: _flag(r[c]) for c in members},
               "mrd_assessed": r.mrd_value.notnull(), "mrd_negative": _flag(r.mrd_negative),
               "complete_mrd_response": _flag(r.mrd_undetectable)}
    primary, overall = _flag(r[window_flag(pw)]), _flag(r.in_overall)
    first = {"date_first_response": primary & reached[s.responder_definition],
             "date_first_cr_cri": overall & reached["cr_cri"],
             "date_first_mrd_negative": overall & reached["mrd_negative"],
             "date_first_marrow_assessment": _flag(r.post_baseline)}
    aggregates = {}
    for w in RESPONSE_WINDOWS:
        inw = _flag(r[window_flag(w)])
        aggregates[f"rank_{w}"] = rank.min(where=inw)
        aggregates.update({f"{c}_{w}": (inw & value).any() for c, value in reached.items()})
    aggregates.update({name: r.assessment_date.min(where=mask) for name, mask in first.items()})
    per_patient = r.group_by("patient_id").aggregate(**aggregates)
    p = patients.select("patient_id", "t0_date", "mrd_status_at_t0")
    out = p.left_join(per_patient, "patient_id").drop("patient_id_right")

    def best(w: str) -> ibis.Value:
        return ibis.cases(*[(out[f"rank_{w}"] == value, category) for category, value in RESPONSE_RANK.items()],
                          else_=ibis.null("string"))

    columns = {}
    for w in RESPONSE_WINDOWS:
        columns.update({f"{c}_{w}": out[f"{c}_{w}"].fill_null(False) for c in reached})
        columns[f"best_response_{w}"] = best(w)
    columns["best_response"] = columns[f"best_response_{pw}"]
    columns["responder"] = columns[f"{s.responder_definition}_{pw}"]
    columns.update({name: out[name] for name in first})
    columns["post_baseline_assessment"] = out.date_first_marrow_assessment.notnull()
    columns["mrd_denominator_all_treated"] = out.t0_date.notnull()
    columns["mrd_denominator_available"] = columns[f"mrd_assessed_{pw}"]
    columns["mrd_denominator_responders"] = columns["responder"]
    columns["mrd_denominator_positive_at_t0"] = (out.mrd_status_at_t0 == "positive").fill_null(False)
    return out.select("patient_id", **columns)


def response_population_columns(adsl: ibis.Table, settings: DeriveSettings) -> dict[str, ibis.Value]:
    """``response_population_overt_disease``, ``response_population_in_cr_at_t0`` as expressions on the
    ADSL's own row (nullable booleans; missing marrow blasts or CR status: unknown): added to the ADSL in
    the step that builds it, with no join of a million rows to themselves."""
    blasts = adsl.bm_blast_pct_at_t0.cast("float64") if "bm_blast_pct_at_t0" in adsl.columns else ibis.null(
        "float64")
    in_cr = adsl.in_cr_at_t0.cast("boolean") if "in_cr_at_t0" in adsl.columns else ibis.null("boolean")
    values = {"overt_disease": blasts >= float(settings.overt_disease_blast_pct), "in_cr_at_t0": in_cr}
    return {f"response_population_{code}": values[code] for code in RESPONSE_POPULATION_CODES}


def derive_response_populations(adsl: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """``patient_id, response_population_overt_disease, response_population_in_cr_at_t0``, one row per ADSL
    row (:func:`response_population_columns`)."""
    return adsl.select("patient_id", **response_population_columns(adsl, settings))
