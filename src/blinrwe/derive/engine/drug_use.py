"""Blinatumomab vials under the two wastage rules as Ibis expressions (domain-spec 1.1, 1.4, 1.5; pandas
reference: ``blinrwe.derive.drug_use``, whose rules and column names these reuse).

``per_bag``: each bag (one ``infusions`` record: daily dose x its days, start to end inclusive) is
rounded up to whole vials, summed per cycle; ``shared``: each cycle's cumulative dose is rounded up
once. A missing dose leaves the count missing; an untreated patient uses 0 vials.
"""

from __future__ import annotations

import ibis

from ..drug_use import VIAL_COLUMNS
from ..settings import DeriveSettings
from .exposure import dosed_segments, segment_days, vials


def derive_drug_use(patients: ibis.Table, infusions: ibis.Table, bsa: ibis.Table, cycles: ibis.Table,
                    settings: DeriveSettings, segments: ibis.Table | None = None) -> tuple[ibis.Table, ibis.Table]:
    """Vials per patient and per cycle under both wastage rules, as the pandas ``derive_drug_use``.

    Returns ``(per_patient, cycles)``: ``per_patient`` has one row per patient of ``patients`` with
    ``vials_per_bag, vials_shared`` (0 for a patient without a cycle, missing when a cycle's count is);
    ``cycles`` is the exposure cycle table with the same two columns added. ``segments``:
    ``exposure.dosed_segments``, when held already."""
    per_bag, shared = VIAL_COLUMNS["per_bag"], VIAL_COLUMNS["shared"]
    strength = settings.vial_strength_ug
    seg = dosed_segments(infusions, patients, bsa, settings) if segments is None else segments
    seg = seg.filter(seg.cycle_number.notnull())
    seg = seg.mutate(_bag=vials(seg.daily_dose_used_ug * segment_days(seg), strength))
    # a missing bag dose makes the course count missing (SUM skips NULL: count the known ones apart)
    bags = seg.group_by("patient_id", "cycle_number").aggregate(
        _bag_sum=seg._bag.sum(), _bag_known=seg._bag.count(), _bags=seg.count())
    bags = bags.select("patient_id", "cycle_number",
                       **{per_bag: ibis.ifelse(bags._bag_known == bags._bags, bags._bag_sum, ibis.null("int64"))})
    out_cycles = cycles.left_join(bags, ["patient_id", "cycle_number"]).drop("patient_id_right",
                                                                               "cycle_number_right")
    out_cycles = out_cycles.select(*cycles.columns, per_bag,
                                   **{shared: vials(out_cycles.cumulative_dose_ug, strength)})
    c = out_cycles
    totals = c.group_by("patient_id").aggregate(
        _cycles=c.count(),
        **{f"_{col}_sum": c[col].sum() for col in (per_bag, shared)},
        **{f"_{col}_known": c[col].count() for col in (per_bag, shared)},
    )
    out = patients.select("patient_id").left_join(totals, "patient_id").drop("patient_id_right")
    counts = {col: ibis.cases((out._cycles.isnull(), 0),
                              (out[f"_{col}_known"] == out._cycles, out[f"_{col}_sum"].cast("int64")),
                              else_=ibis.null("int64"))
              for col in (per_bag, shared)}
    return out.select("patient_id", **counts), out_cycles
