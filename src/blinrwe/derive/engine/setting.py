"""Disease setting, intent of blinatumomab, relapse number, MRD and leukaemic burden at T0 as Ibis
expressions (domain-spec 2; pandas reference: ``blinrwe.derive.setting``, whose CR categories and
burden cut-points these reuse).

Recorded values win over derived ones; a ``*_source`` column says which one was used
(``recorded`` / ``derived`` / ``missing``). Every part is one row per patient row, so
:func:`derive_setting` is a single projection of ``patients``.
"""

from __future__ import annotations

import ibis

from ..setting import IN_CR
from ..settings import DeriveSettings
from .exposure import classify


def _intent_columns(p: ibis.Table) -> dict[str, ibis.Value]:
    status = p.disease_status_at_t0
    nd = (p.disease_setting == "newly_diagnosed").fill_null(False)
    rr = (p.disease_setting == "relapsed_refractory").fill_null(False)
    in_cr = status.isin(IN_CR).fill_null(False)
    not_cr = (status == "non_CR").fill_null(False)
    derived = ibis.cases(
        (nd & in_cr, "frontline_consolidation"), (nd & not_cr, "frontline_induction"), (nd, "frontline_unknown"),
        (rr & in_cr, "rr_consolidation"), (rr & not_cr, "rr_reinduction"), (rr, "rr_unknown"),
        else_=ibis.null("string"))
    recorded = p.intent.cast("string")
    return {
        "setting": ibis.cases((nd, "frontline"), (rr, "relapsed_refractory"), else_=ibis.null("string")),
        "in_cr_at_t0": ibis.ifelse(in_cr | not_cr, in_cr, ibis.null("boolean")),
        "intent_derived": derived,
        "intent": recorded.coalesce(derived),
        "intent_source": ibis.cases((recorded.notnull(), "recorded"), (derived.notnull(), "derived"),
                                    else_="missing"),
    }


def _relapse_columns(p: ibis.Table) -> dict[str, ibis.Value]:
    recorded = p.relapse_number.cast("int64")
    refractory = (p.rr_type == "primary_refractory").fill_null(False)
    number = recorded.coalesce(ibis.ifelse(refractory, ibis.literal(0, "int64"), ibis.null("int64")))
    nd = (p.disease_setting == "newly_diagnosed").fill_null(False)
    relapsed = (p.rr_type == "relapsed").fill_null(False)
    label = ibis.cases(
        (nd, "newly_diagnosed"), ((number == 0).fill_null(False), "primary_refractory"),
        ((number == 1).fill_null(False), "1R"), ((number == 2).fill_null(False), "2R"),
        ((number == 3).fill_null(False), "3R"), ((number >= 4).fill_null(False), ">=4R"),
        (relapsed, "relapsed_unknown_number"), else_=ibis.null("string"))
    return {
        "relapse_number": number,
        "relapse_number_source": ibis.cases((recorded.notnull(), "recorded"), (number.notnull(), "derived"),
                                            else_="missing"),
        "disease_status_class": label,
    }


def _mrd_columns(p: ibis.Table, settings: DeriveSettings) -> dict[str, ibis.Value]:
    recorded = p.mrd_status_at_t0.cast("string")
    value = p.mrd_at_t0.cast("float64")
    threshold = float(settings.mrd_threshold)
    derived = ibis.cases(((value >= threshold).fill_null(False), "positive"),
                         ((value < threshold).fill_null(False), "negative"), else_="unknown")
    known = (recorded.notnull() & (recorded != "unknown")).fill_null(False)
    return {
        "mrd_status_at_t0": ibis.ifelse(known, recorded, derived),
        "mrd_status_at_t0_source": ibis.cases((known, "recorded"), (value.notnull(), "derived"), else_="missing"),
    }


def _burden_columns(p: ibis.Table, settings: DeriveSettings) -> dict[str, ibis.Value]:
    out = {}
    for name, cut in settings.burden_classes.items():
        out[f"burden_t0_{name}"] = classify(p.bm_blast_pct_at_t0, cut)
        out[f"burden_dx_{name}"] = classify(p.bm_blast_pct_at_diagnosis, cut)
    return out


def derive_intent(patients: ibis.Table) -> ibis.Table:
    """``patient_id, setting, in_cr_at_t0, intent_derived, intent, intent_source`` (domain-spec 2.1, seed 001)."""
    return patients.select("patient_id", **_intent_columns(patients))


def derive_relapse_number(patients: ibis.Table) -> ibis.Table:
    """``patient_id, relapse_number, relapse_number_source, disease_status_class`` (domain-spec 2.1, seed 003)."""
    return patients.select("patient_id", **_relapse_columns(patients))


def derive_mrd_status_at_t0(patients: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """``patient_id, mrd_status_at_t0, mrd_status_at_t0_source`` (domain-spec 2.1, 3.2)."""
    return patients.select("patient_id", **_mrd_columns(patients, settings))


def derive_burden_classes(patients: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """``patient_id`` and ``burden_t0_<name>, burden_dx_<name>`` per cut of ``settings.burden_classes``
    (domain-spec 2.3)."""
    return patients.select("patient_id", **_burden_columns(patients, settings))


def derive_setting(patients: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """Setting, intent, relapse number, MRD at T0 and burden classes: one row per patient (pandas column order)."""
    return patients.select("patient_id", **_intent_columns(patients), **_relapse_columns(patients),
                           **_mrd_columns(patients, settings), **_burden_columns(patients, settings))
