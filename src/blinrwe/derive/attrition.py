"""The attrition log: who is in each analysis set, and why not (practices 14).

One row per analysis set x patient: ``analysis_set, patient_id, included,
reason`` (reason empty when included; the first failed condition otherwise).
``included`` is ``boolean``: missing for a set that cannot be determined from
the input (e.g. "MRD-positive at T0" on the patient summary form, which has no
MRD at the start of treatment); ``reason`` then says why. Such a set is not an
empty set: it is unknown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ATTRITION_COLUMNS = ["analysis_set", "patient_id", "included", "reason"]

#: Why a patient is in no analysis set: no infusion (ADSL ``treated`` false).
NOT_TREATED = "no blinatumomab infusion recorded"

#: The analysis sets before the endpoints': name, then (ADSL flag that must hold, reason if not) in order.
ANALYSIS_SETS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("treated", (("treated", NOT_TREATED),)),
    ("efficacy", (("treated", NOT_TREATED), ("post_baseline_assessment", "no post-baseline assessment"))),
    ("safety", (("treated", NOT_TREATED),)),
    ("MRD response: all treated", (("treated", NOT_TREATED),)),
    ("MRD response: MRD available", (("treated", NOT_TREATED), ("mrd_denominator_available", "no MRD assessment"))),
    ("MRD response: responders", (("treated", NOT_TREATED), ("mrd_denominator_responders", "not a responder"))),
    ("MRD response: MRD-positive at T0",
     (("treated", NOT_TREATED),
      ("mrd_denominator_positive_at_t0", "not MRD-positive at the start of blinatumomab"))),
)


def _first_failed(adsl: pd.DataFrame, conditions: list[tuple[pd.Series, str]], reasons: list[str]) -> np.ndarray:
    """Per patient the index in ``reasons`` of the first failed condition, -1 when all hold.

    ``conditions`` are (must-hold mask, reason if not) in order; a missing
    value fails. ``reasons`` collects the reason texts (appended as met).
    """
    failed = np.full(len(adsl), -1, dtype=np.int64)
    for mask, reason in reversed(conditions):  # the first failed condition wins
        if reason not in reasons:
            reasons.append(reason)
        holds = np.asarray(pd.Series(mask).astype("boolean").fillna(False).astype(bool))
        failed[~holds] = reasons.index(reason)
    return failed


def derive_attrition(adsl: pd.DataFrame, tte_excluded: pd.DataFrame | None, endpoints: tuple[str, ...],
                     form: str = "study", undetermined: dict[str, str] | None = None) -> pd.DataFrame:
    """Analysis sets: ``treated``, ``efficacy``, ``safety``, ``MRD response: all treated``,
    ``MRD response: MRD available``, ``MRD response: responders``,
    ``MRD response: MRD-positive at T0``, and one per time-to-event endpoint
    (population of the ``none`` variant; the variants differ only in censoring).

    ``undetermined``: analysis set -> why it cannot be determined from this
    input; its rows get ``included`` missing and that reason.

    Built as one reason code per set x patient (the reason texts looked up once at
    the end), so the table costs little more than its rows.
    """
    treated = adsl["treated"]
    not_treated = (treated, NOT_TREATED)
    reasons: list[str] = []
    sets = [(name, [(adsl[column], reason) for column, reason in conditions]) for name, conditions in ANALYSIS_SETS]
    codes = [(name, _first_failed(adsl, conditions, reasons)) for name, conditions in sets]
    if form == "study" and tte_excluded is not None:
        first_variant = tte_excluded.groupby("endpoint")["variant"].first() if len(tte_excluded) else pd.Series(dtype=object)
        for name in endpoints:
            ex = tte_excluded.loc[(tte_excluded["endpoint"] == name)]
            if name in first_variant.index:
                ex = ex.loc[ex["variant"] == first_variant[name]]
            why = adsl["patient_id"].map(ex.set_index("patient_id")["reason"]) if len(ex) else pd.Series(
                None, index=adsl.index, dtype=object)
            # not treated first; else the endpoint's own reason (no origin, origin after the cut-off)
            code = np.full(len(adsl), -1, dtype=np.int64)
            has_reason = why.notna().to_numpy()
            if has_reason.any():
                why_code, why_text = pd.factorize(why[has_reason])
                code[has_reason] = len(reasons) + why_code
                reasons.extend(why_text)
            holds = np.asarray(pd.Series(treated).astype("boolean").fillna(False).astype(bool))
            if not_treated[1] not in reasons:
                reasons.append(not_treated[1])
            code[~holds] = reasons.index(not_treated[1])
            codes.append((name, code))
    unknown = np.zeros(0, dtype=bool)
    for i, (name, code) in enumerate(codes):
        why = (undetermined or {}).get(name)
        known = np.full(len(code), why is None)
        if why is not None:
            if why not in reasons:
                reasons.append(why)
            codes[i] = (name, np.full(len(code), reasons.index(why), dtype=np.int64))
        unknown = np.concatenate([unknown, ~known])
    code = np.concatenate([c for _, c in codes]) if codes else np.zeros(0, dtype=np.int64)
    text = np.array([*reasons, None], dtype=object)  # -1 -> None (included)
    return pd.DataFrame({
        "analysis_set": np.repeat(np.array([n for n, _ in codes], dtype=object), [len(c) for _, c in codes]),
        "patient_id": np.tile(adsl["patient_id"].to_numpy(), len(codes)),
        "included": pd.arrays.BooleanArray(code < 0, unknown),
        "reason": text[code],
    })[ATTRITION_COLUMNS]
