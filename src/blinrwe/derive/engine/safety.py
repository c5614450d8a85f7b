"""Adverse events as Ibis expressions: worst grade per patient x term within the AE window
(domain-spec 6; pandas reference: ``blinrwe.derive.safety``, whose counting rules and AE window
these follow exactly).
"""

from __future__ import annotations

import ibis

from ..safety import AE_COLUMNS
from ..settings import DeriveSettings

#: the ADSL worst-grade columns: pseudo-term ``any`` and the two neurotoxicity / CRS terms
FLAG_TERMS = (("any", "any_ae_worst_grade"), ("CRS", "crs_worst_grade"), ("ICANS", "icans_worst_grade"))


def derive_adverse_events(adverse_events: ibis.Table, exposure: ibis.Table,
                          settings: DeriveSettings) -> ibis.Table:
    """Worst grade per patient x term (plus ``any``) within the AE window; columns ``AE_COLUMNS``.

    Window: onset on or after T0 and on or before the last infusion day +
    ``ae_days_after_last_infusion`` days, and not after the data cut-off."""
    ae = adverse_events.inner_join(exposure.select("patient_id", "t0_date", "last_infusion_date"), "patient_id")
    window_end = ae.last_infusion_date + ibis.interval(days=int(settings.ae_days_after_last_infusion))
    inside = (ae.onset_date >= ae.t0_date) & (ae.onset_date <= window_end)
    if settings.data_cutoff is not None:
        inside &= ae.onset_date <= ibis.timestamp(str(settings.data_cutoff))
    ae = ae.filter(inside.fill_null(False))
    fatal = ae.fatal.fill_null(False) | (ae.grade == 5).fill_null(False)
    related = ae.related if "related" in ae.columns else ibis.null("boolean")
    ae = ae.select("patient_id", "term", "grade", "onset_date",
                   serious_=ae.serious.fill_null(False), fatal_=fatal,
                   fatal_related_=fatal & related.fill_null(False),
                   fatal_unattributed_=fatal & related.isnull(),
                   disc_=(ae.action == "discontinued").fill_null(False))
    both = ae.union(ae.mutate(term=ibis.literal("any")))
    out = both.group_by("patient_id", "term").aggregate(
        worst_grade=both.grade.max(), serious=both.serious_.any(), fatal=both.fatal_.any(),
        fatal_related=both.fatal_related_.any(), fatal_unattributed=both.fatal_unattributed_.any(),
        led_to_discontinuation=both.disc_.any(), n_episodes=both.count(),
        first_onset_date=both.onset_date.min(),
    )
    out = out.mutate(grade_1_2=out.worst_grade.between(1, 2).fill_null(False),
                     grade_ge3=(out.worst_grade >= 3).fill_null(False))
    return out.select(*AE_COLUMNS)


def derive_ae_flags(ae: ibis.Table, patients: ibis.Table) -> ibis.Table:
    """ADSL safety flags per patient of ``patients``: ``any_ae_worst_grade, crs_worst_grade,
    icans_worst_grade`` (0 = none in the window), ``any_ae, any_ae_ge3, crs_any, icans_any, crs_ge3``."""
    wide = ae.group_by("patient_id").aggregate(
        **{col: ae.worst_grade.max(where=ae.term == term) for term, col in FLAG_TERMS})
    out = patients.select("patient_id").left_join(wide, "patient_id").drop("patient_id_right")
    out = out.mutate(**{col: out[col].fill_null(0) for _, col in FLAG_TERMS})
    return out.mutate(any_ae=out.any_ae_worst_grade > 0, any_ae_ge3=out.any_ae_worst_grade >= 3,
                      crs_any=out.crs_worst_grade > 0, icans_any=out.icans_worst_grade > 0,
                      crs_ge3=out.crs_worst_grade >= 3)
