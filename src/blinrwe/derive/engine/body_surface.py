"""Body-surface area as an Ibis expression (domain-spec 1.6; pandas reference:
``blinrwe.derive.body_surface``, whose formulas and coefficients these reuse).
"""

from __future__ import annotations

import ibis

from blinrwe.errors import SpecificationError

from ..body_surface import POWER_FORMULAS


def _computed(height_cm: ibis.Value, weight_kg: ibis.Value, formula: str) -> ibis.Value:
    h, w = height_cm.cast("float64"), weight_kg.cast("float64")
    if formula == "mosteller":
        return (h * w / 3600.0).sqrt()
    if formula in POWER_FORMULAS:
        c, a, b = POWER_FORMULAS[formula]
        return c * h.pow(a) * w.pow(b)
    if formula == "recorded":
        return ibis.null("float64")
    raise SpecificationError(
        f"bsa_formula={formula!r} is unknown; use mosteller, dubois, haycock, gehan_george or recorded."
    )


def derive_bsa(patients: ibis.Table, formula: str = "mosteller") -> ibis.Table:
    """One row per patient: ``patient_id, bsa_m2_computed, bsa_m2_used, bsa_source`` (the recorded
    ``bsa_m2`` wins, else ``formula``, else missing)."""
    computed = _computed(patients.height_cm, patients.weight_kg, formula)
    recorded = patients.bsa_m2.cast("float64")
    return patients.select(
        "patient_id", bsa_m2_computed=computed, bsa_m2_used=recorded.coalesce(computed),
        bsa_source=ibis.cases((recorded.notnull(), "recorded"), (computed.notnull(), formula), else_="missing"),
    )
