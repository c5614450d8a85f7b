"""Per-patient outcome flags as an Ibis expression (domain-spec 5; pandas reference:
``blinrwe.derive.analysis_data.derive_outcomes``).

Relapse, progression and death count from their first event on or after T0 (and on or before
the data cut-off); the last contact is the latest such contact.
"""

from __future__ import annotations

import ibis

from ..settings import DeriveSettings

#: event types with a first date and a flag; ``last_contact`` takes the latest date, no flag
FLAGGED_EVENTS = ("relapse", "progression", "death")


def derive_outcomes(patients: ibis.Table, events: ibis.Table, exposure: ibis.Table,
                    settings: DeriveSettings) -> ibis.Table:
    """One row per patient of ``patients``: ``patient_id, relapse_date, relapse, progression_date,
    progression, death_date, cause_of_death, death, last_contact_date`` (pandas column order)."""
    t0 = exposure.select("patient_id", "t0_date")
    ev = events.inner_join(t0, "patient_id")
    keep = ev.event_date >= ev.t0_date
    if settings.data_cutoff is not None:
        keep &= ev.event_date <= ibis.timestamp(str(settings.data_cutoff))
    ev = ev.filter(keep.fill_null(False))
    is_ = {kind: ev.event_type == kind for kind in (*FLAGGED_EVENTS, "last_contact")}
    per_patient = ev.group_by("patient_id").aggregate(
        relapse_date=ev.event_date.min(where=is_["relapse"]),
        progression_date=ev.event_date.min(where=is_["progression"]),
        death_date=ev.event_date.min(where=is_["death"]),
        last_contact_date=ev.event_date.max(where=is_["last_contact"]),
    )
    # cause of the first death: among the deaths on the first death date, the one entered first
    # (lowest source row), as the pandas derivation keeps the first row of a stable date sort
    deaths = ev.filter(is_["death"]).inner_join(per_patient.select("patient_id", "death_date"),
                                                [ev.patient_id == per_patient.patient_id,
                                                 ev.event_date == per_patient.death_date])
    cause = deaths.group_by(patient_id=deaths.patient_id).aggregate(
        cause_of_death=deaths.cause_of_death.argmin(deaths.source_row))
    out = patients.select("patient_id").left_join(per_patient, "patient_id").drop("patient_id_right")
    out = out.left_join(cause, "patient_id").drop("patient_id_right")
    return out.select(
        "patient_id",
        "relapse_date", relapse=out.relapse_date.notnull(),
        progression_date="progression_date", progression=out.progression_date.notnull(),
        death_date="death_date", cause_of_death="cause_of_death", death=out.death_date.notnull(),
        last_contact_date="last_contact_date",
    )
