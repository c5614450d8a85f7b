"""Subsequent-therapy paths after blinatumomab as an Ibis expression (domain-spec 7; pandas
reference: ``blinrwe.derive.therapy_paths``, whose path separator and seed 003 grouping rule
these reuse).
"""

from __future__ import annotations

import ibis

from ..therapy_paths import FURTHER_TREATMENT_PRIORITY, PATH_SEPARATOR

#: therapy types with an "ever after blinatumomab" flag and first date
FLAGGED_THERAPIES = ("allo_hsct", "car_t")
_TAG_OPEN, _TAG_CLOSE, _TAG_WIDTH = "\x01", "\x02", 10


def derive_therapy_paths(patients: ibis.Table, therapies: ibis.Table) -> ibis.Table:
    """One row per patient of ``patients``; the columns of the pandas derivation: ``patient_id,
    n_subsequent_therapies, therapy_path, first_next_therapy, first_next_therapy_date,
    first_next_therapy_intent, second_next_therapy, further_treatment, further_treatment_group,
    allo_hsct_after, allo_hsct_date, car_t_after, car_t_date``.

    Therapies are ordered by ``sequence_number``, then start date (missing last); equal on
    both, by source row (the pandas order), then type."""
    t = therapies.semi_join(patients, "patient_id")
    keys = [t.sequence_number.asc(nulls_first=False), t.start_date.asc(nulls_first=False)]
    keys += [t.source_row.asc()] if "source_row" in t.columns else []
    keys += [t.therapy_type.asc(nulls_first=False)]
    intent = t.intent if "intent" in t.columns else ibis.null("string")
    t = t.select("patient_id", "therapy_type", "start_date", intent=intent,
                 position=ibis.row_number().over(group_by=t.patient_id, order_by=keys))
    # the ordered path: Spark has no ordered string aggregate (and DuckDB no longer takes Ibis's
    # array lambdas), so each type is tagged with its zero-padded position, sorted, joined, untagged
    tagged = _TAG_OPEN + t.position.cast("string").lpad(_TAG_WIDTH, "0") + _TAG_CLOSE + t.therapy_type
    first, second = t.position == 0, t.position == 1
    per_patient = t.group_by("patient_id").aggregate(
        n_subsequent_therapies=t.count(),
        path_steps=tagged.collect(),
        first_next_therapy=t.therapy_type.max(where=first),
        first_next_therapy_date=t.start_date.max(where=first),
        first_next_therapy_intent=t.intent.max(where=first),
        second_next_therapy=t.therapy_type.max(where=second),
        **{f"{kind}_date": t.start_date.min(where=t.therapy_type == kind) for kind in FLAGGED_THERAPIES},
        **{f"{kind}_after": (t.therapy_type == kind).any() for kind in FLAGGED_THERAPIES},
    )
    out = patients.select("patient_id").left_join(per_patient, "patient_id").drop("patient_id_right")
    n = out.n_subsequent_therapies.fill_null(0)
    path = out.path_steps.sort().join(PATH_SEPARATOR).re_replace(f"{_TAG_OPEN}[0-9]+{_TAG_CLOSE}", "")
    # seed 003 grouping: the first type of FURTHER_TREATMENT_PRIORITY in the path, else the first therapy
    group = ibis.cases((n == 0, "none"),
                       *[(out[f"{kind}_after"].fill_null(False), kind) for kind in FURTHER_TREATMENT_PRIORITY
                         if kind in FLAGGED_THERAPIES],
                       else_=out.first_next_therapy)
    return out.select(
        "patient_id", n_subsequent_therapies=n, therapy_path=ibis.ifelse(n == 0, "none", path),
        first_next_therapy="first_next_therapy", first_next_therapy_date="first_next_therapy_date",
        first_next_therapy_intent="first_next_therapy_intent", second_next_therapy="second_next_therapy",
        further_treatment=n > 0, further_treatment_group=group,
        allo_hsct_after=out.allo_hsct_after.fill_null(False), allo_hsct_date="allo_hsct_date",
        car_t_after=out.car_t_after.fill_null(False), car_t_date="car_t_date",
    )

