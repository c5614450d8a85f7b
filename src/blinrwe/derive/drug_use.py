"""Blinatumomab vials used, under the two wastage rules a pharmacy applies (domain-spec 1.1, 1.4, 1.5).

Blinatumomab comes as single-dose vials (35 ug US label, 38.5 ug EU label: the
``vial_strength_ug`` definition) whose reconstituted rest cannot be kept, and is
given as a continuous infusion from bags that run 24 h to 7 days. How many vials a
course uses therefore depends on how the pharmacy prepares the bags:

* ``per_bag`` - **vials opened per bag**: every bag is made from freshly opened vials
  and the rest of the last vial is discarded, so each bag's dose is rounded up to
  whole vials. A bag is one record of the ``infusions`` table (a segment at a constant
  rate): its dose is its daily dose times its days (start to end inclusive), as
  prepared, even when another record overlaps it.
* ``shared`` - **vials shared across days**: the rest of an opened vial goes into the
  next bag of the same course (closed-system transfer, same-day compounding for
  several days), so only the course's total dose is rounded up: ``ceil(course dose /
  vial strength)`` per cycle.

Neither adds the overfill a bag needs (priming volume, the IV Solution Stabilizer):
both are what the dose itself requires. Always ``shared <= per_bag`` (a sum of
rounded-up doses is at least the rounded-up sum) and ``vials_min`` (the patient's
whole dose rounded up once) ``<= shared``. A dose that cannot be computed (a per-m2
rate without BSA) leaves the count missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exposure import DAY, VIAL_TOLERANCE, derive_segment_doses
from .settings import DeriveSettings

__all__ = ["WASTAGE_RULES", "VIAL_COLUMNS", "vials", "derive_drug_use"]

#: The wastage rules: code -> how the vials are counted, in the pharmacy's words.
WASTAGE_RULES = {
    "per_bag": "vials opened per bag (each bag's dose rounded up to whole vials)",
    "shared": "vials shared across the days of a course (each course's total dose rounded up once)",
}
#: ADSL and per-cycle columns: vials under each rule.
VIAL_COLUMNS = {"per_bag": "vials_per_bag", "shared": "vials_shared"}


def vials(dose_ug, vial_strength_ug: float) -> np.ndarray:
    """Whole vials holding ``dose_ug``: ``ceil(dose / strength)`` with a tolerance (70.0 / 35 gives 2, not 3,
    despite floating-point noise); NaN stays NaN."""
    dose = np.asarray(dose_ug, dtype=float)
    return np.ceil(dose / float(vial_strength_ug) - VIAL_TOLERANCE)


def _as_count(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="float64").round().astype("Int64")


def derive_drug_use(patients: pd.DataFrame, infusions: pd.DataFrame, bsa: pd.DataFrame, cycles: pd.DataFrame,
                    settings: DeriveSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Vials per patient and per cycle under both wastage rules.

    Returns ``(per_patient, cycles)``: ``per_patient`` has one row per patient of
    ``patients`` with ``vials_per_bag`` and ``vials_shared`` (0 for an untreated patient,
    missing when a dose is missing); ``cycles`` is the exposure cycle table
    (``derive_exposure``) with the same two columns added per cycle.
    """
    strength = settings.vial_strength_ug
    cycles = cycles.copy()
    out = patients[["patient_id"]].copy()
    if infusions.empty or cycles.empty:
        for column in VIAL_COLUMNS.values():
            cycles[column] = pd.Series(dtype="Int64")
            out[column] = pd.Series(0, index=out.index, dtype="Int64")
        return out.reset_index(drop=True), cycles
    segments = derive_segment_doses(infusions, patients, bsa, settings)
    days = ((segments["end_date"] - segments["start_date"]) // DAY + 1).to_numpy(dtype=float)
    bag_vials = vials(segments["daily_dose_used_ug"].to_numpy(dtype=float) * days, strength)
    per_bag = (pd.DataFrame({"patient_id": segments["patient_id"].to_numpy(),
                             "cycle_number": segments["cycle_number"].to_numpy(), "v": bag_vials})
               .groupby(["patient_id", "cycle_number"], sort=False)["v"].sum(min_count=1))
    # a missing bag dose makes the course count missing (sum skips NaN: count them apart)
    missing = (pd.DataFrame({"patient_id": segments["patient_id"].to_numpy(),
                             "cycle_number": segments["cycle_number"].to_numpy(), "m": np.isnan(bag_vials)})
               .groupby(["patient_id", "cycle_number"], sort=False)["m"].any())
    per_bag = per_bag.where(~missing)
    key = pd.MultiIndex.from_frame(cycles[["patient_id", "cycle_number"]])
    cycles["vials_per_bag"] = _as_count(per_bag.reindex(key).to_numpy(dtype=float))
    cycles["vials_shared"] = _as_count(vials(cycles["cumulative_dose_ug"].to_numpy(dtype=float), strength))
    totals = cycles.groupby("patient_id", sort=False).agg(
        vials_per_bag=("vials_per_bag", lambda v: v.sum() if v.notna().all() else pd.NA),
        vials_shared=("vials_shared", lambda v: v.sum() if v.notna().all() else pd.NA),
    ).reset_index()
    out = out.merge(totals, on="patient_id", how="left")
    for column in VIAL_COLUMNS.values():
        treated = out["patient_id"].isin(cycles["patient_id"])
        values = pd.to_numeric(out[column], errors="coerce").astype("float64")
        out[column] = _as_count(np.where(treated, values, 0.0))
    return out.reset_index(drop=True), cycles
