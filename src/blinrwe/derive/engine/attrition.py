"""The attrition of each analysis set as Ibis expressions (practices 14; pandas reference:
``blinrwe.derive.attrition``, whose analysis sets and reasons these read).

At a registry's size the attrition log (one row per analysis set x patient: 12 million rows at a
million patients) stays in the engine: :func:`count_attrition` counts it there into the patients
per analysis set x included x reason, a few rows per set, and ``attrition.patient_flow`` lays
those out as the pandas derivation does (``derive/engine/analysis_data.py``). Which patients are
in a set is read back from the ADSL and ``tte`` (``attrition.analysis_set_members``), never from
the log.
"""

from __future__ import annotations

import ibis

from ..attrition import ANALYSIS_SETS, ATTRITION_COLUMNS, FLOW_COLUMNS, NOT_TREATED

#: the variant whose population an endpoint's set is (every variant shares it: censoring only differs)
POPULATION_VARIANT = "none"
#: the ADSL columns :func:`derive_attrition` reads
ADSL_FLAG_COLUMNS = ("patient_id",
                     *dict.fromkeys(column for _, conditions in ANALYSIS_SETS for column, _ in conditions))


def _endpoint_reasons(tte_excluded: ibis.Table) -> ibis.Table:
    """Per endpoint x patient why the patient is not in the endpoint's population, read from one
    variant: ``none`` when present, else the first by name (the pandas reference reads the first
    variant in row order; the variants of ``derive_endpoints`` exclude the same patients)."""
    ex = tte_excluded
    chosen = ex.group_by("endpoint").aggregate(
        chosen=ibis.ifelse((ex.variant == POPULATION_VARIANT).any(), POPULATION_VARIANT, ex.variant.min()))
    ex = ex.inner_join(chosen, "endpoint")
    ex = ex.filter(ex.variant == ex.chosen)
    return ex.group_by("endpoint", "patient_id").aggregate(why=ex.reason.min())


def _first_failed(adsl: ibis.Table, conditions) -> ibis.Value:
    """The reason of the first condition (ADSL flag, reason) that fails (a missing flag fails), else missing."""
    return ibis.cases(*[(~adsl[column].fill_null(False), reason) for column, reason in conditions],
                      else_=ibis.null("string"))


def derive_attrition(adsl: ibis.Table, tte_excluded: ibis.Table | None, endpoints: tuple[str, ...],
                     form: str = "study", undetermined: dict[str, str] | None = None) -> ibis.Table:
    """The attrition log: analysis sets (``ANALYSIS_SETS``, then one per time-to-event endpoint when
    ``form`` is ``"study"`` and ``tte_excluded`` is given); ``undetermined``: analysis set -> why it
    cannot be determined from this input. Columns ``ATTRITION_COLUMNS``; no row order."""
    undetermined = undetermined or {}

    def rows(table, name, reason):
        why = undetermined.get(name)
        if why is not None:
            return table.select(analysis_set=ibis.literal(name, "string"), patient_id=table.patient_id,
                                included=ibis.null("boolean"), reason=ibis.literal(why, "string"))
        return table.select(analysis_set=ibis.literal(name, "string"), patient_id=table.patient_id,
                            included=reason.isnull(), reason=reason)

    parts = [rows(adsl, name, _first_failed(adsl, conditions)) for name, conditions in ANALYSIS_SETS]
    if form == "study" and tte_excluded is not None and endpoints:
        reasons = _endpoint_reasons(tte_excluded)
        for name in endpoints:
            why = reasons.filter(reasons.endpoint == name).select("patient_id", "why")
            t = adsl.select("patient_id", "treated").left_join(why, "patient_id").drop("patient_id_right")
            # not treated first; else the endpoint's own reason (no origin, origin after the cut-off)
            parts.append(rows(t, name, ibis.ifelse(t.treated.fill_null(False), t.why, NOT_TREATED)))
    return ibis.union(*parts, distinct=False).select(*ATTRITION_COLUMNS)


def count_attrition(log: ibis.Table) -> ibis.Table:
    """Patients of an attrition log per analysis set x included x reason (``FLOW_COLUMNS``, no row order):
    one GROUP BY (missing ``included`` / ``reason`` a group of their own), as the pandas ``count_attrition``."""
    return log.group_by("analysis_set", "included", "reason").aggregate(n=log.count()).select(*FLOW_COLUMNS)
