"""The attrition log: who is in each analysis set, and why not (practices 14).

One row per analysis set x patient: ``analysis_set, patient_id, included,
reason`` (reason empty when included; the first failed condition otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ATTRITION_COLUMNS = ["analysis_set", "patient_id", "included", "reason"]


def _set(adsl: pd.DataFrame, name: str, conditions: list[tuple[pd.Series, str]]) -> pd.DataFrame:
    """Rows for one set; ``conditions`` are (must-hold mask, reason if not) in order."""
    masks = [np.asarray(pd.Series(m).astype("boolean").fillna(False).astype(bool)) for m, _ in conditions]
    failed = [~m for m in masks]
    reason = np.select(failed, [r for _, r in conditions], "") if conditions else np.full(len(adsl), "")
    return pd.DataFrame({"analysis_set": name, "patient_id": adsl["patient_id"].to_numpy(),
                         "included": reason == "", "reason": reason})


def derive_attrition(adsl: pd.DataFrame, tte_excluded: pd.DataFrame | None, endpoints: tuple[str, ...],
                     form: str = "study") -> pd.DataFrame:
    """Analysis sets: ``treated``, ``efficacy``, ``safety``, ``MRD response: all treated``,
    ``MRD response: MRD available``, ``MRD response: responders``,
    ``MRD response: MRD-positive at T0``, and one per time-to-event endpoint
    (population of the ``none`` variant; the variants differ only in censoring).
    """
    treated = adsl["treated"]
    not_treated = (treated, "no blinatumomab infusion recorded")
    sets = [
        _set(adsl, "treated", [not_treated]),
        _set(adsl, "efficacy", [not_treated, (adsl["post_baseline_assessment"], "no post-baseline assessment")]),
        _set(adsl, "safety", [not_treated]),
        _set(adsl, "MRD response: all treated", [not_treated]),
        _set(adsl, "MRD response: MRD available", [not_treated, (adsl["mrd_denominator_available"], "no MRD assessment")]),
        _set(adsl, "MRD response: responders", [not_treated, (adsl["mrd_denominator_responders"], "not a responder")]),
        _set(adsl, "MRD response: MRD-positive at T0",
             [not_treated, (adsl["mrd_denominator_positive_at_t0"], "not MRD-positive at the start of blinatumomab")]),
    ]
    if form == "study" and tte_excluded is not None:
        first_variant = tte_excluded.groupby("endpoint")["variant"].first() if len(tte_excluded) else pd.Series(dtype=object)
        for name in endpoints:
            ex = tte_excluded.loc[(tte_excluded["endpoint"] == name)]
            if name in first_variant.index:
                ex = ex.loc[ex["variant"] == first_variant[name]]
            reasons = adsl["patient_id"].map(ex.set_index("patient_id")["reason"]) if len(ex) else pd.Series(
                None, index=adsl.index, dtype=object)
            sets.append(_set(adsl, name, [not_treated, (reasons.isna(), "")]).assign(
                reason=lambda d, r=reasons: np.where(d["reason"].eq("") & r.notna().to_numpy(), r.to_numpy(), d["reason"]),
            ).assign(included=lambda d: d["reason"].eq("")))
    out = pd.concat(sets, ignore_index=True)
    out["reason"] = out["reason"].where(out["reason"] != "", None)
    return out[ATTRITION_COLUMNS]
