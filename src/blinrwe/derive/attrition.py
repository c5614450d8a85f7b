"""Who is in each analysis set, and why not (practices 14): the patient flow.

Every analysis set starts from all patients of the study. A patient is in a set when each of its
declared conditions holds (``ANALYSIS_SETS``: ADSL flags, a missing flag fails) and is excluded
for the first that fails; an endpoint's set holds the treated patients in that endpoint's
population (an origin on or before the data cut-off; ``derive/endpoints.py``). A set that cannot
be determined from the input (``undetermined``: e.g. "MRD-positive at T0" on the patient summary
form, which has no MRD at the start of treatment) is unknown, not empty: its patients are neither
included nor excluded.

The one declaration gives three views, tested equal to each other:

* the patient flow (:func:`derive_patient_flow`, ``FLOW_COLUMNS``; ``AnalysisData.attrition`` on
  every engine): per analysis set the patients included, those excluded by reason and those
  not determined (with why), a few rows per set whatever the study's size. An engine counts it
  where the data are (``derive/engine/attrition.py``), the patients never coming to Python;
* the attrition log (:func:`derive_attrition`, ``ATTRITION_COLUMNS``): one row per analysis set x
  patient with the patient's reason, for small data (the catalog of analysis sets);
* membership (:func:`analysis_set_members`): which ADSL rows are in a set, read from the ADSL
  flags and the ``tte`` rows the analysis holds anyway.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ATTRITION_COLUMNS = ["analysis_set", "patient_id", "included", "reason"]
#: the patient flow: patients (``n``) per analysis set x included (yes / no / missing = not determined) x reason
FLOW_COLUMNS = ["analysis_set", "included", "reason", "n"]

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


def analysis_set_names(endpoints: tuple[str, ...], with_endpoints: bool = True) -> tuple[str, ...]:
    """The analysis sets in their order: ``ANALYSIS_SETS``, then one per time-to-event endpoint
    (``with_endpoints``: the dated study form, whose endpoints' populations are known)."""
    return (*(name for name, _ in ANALYSIS_SETS), *(endpoints if with_endpoints else ()))


def _holds(flag) -> np.ndarray:
    """A yes/no ADSL flag as must-hold: missing fails."""
    return np.asarray(pd.Series(flag).astype("boolean").fillna(False).astype(bool))


def _first_failed(adsl: pd.DataFrame, conditions: list[tuple[pd.Series, str]], reasons: list[str]) -> np.ndarray:
    """Per patient the index in ``reasons`` of the first failed condition, -1 when all hold.

    ``conditions`` are (must-hold mask, reason if not) in order; a missing
    value fails. ``reasons`` collects the reason texts (appended as met).
    """
    failed = np.full(len(adsl), -1, dtype=np.int64)
    for mask, reason in reversed(conditions):  # the first failed condition wins
        if reason not in reasons:
            reasons.append(reason)
        failed[~_holds(mask)] = reasons.index(reason)
    return failed


def derive_attrition(adsl: pd.DataFrame, tte_excluded: pd.DataFrame | None, endpoints: tuple[str, ...],
                     form: str = "study", undetermined: dict[str, str] | None = None) -> pd.DataFrame:
    """The attrition log: one row per analysis set x patient, ``analysis_set, patient_id, included,
    reason`` (reason empty when included; the first failed condition otherwise). ``included`` is
    ``boolean``: missing for a set in ``undetermined`` (analysis set -> why it cannot be determined
    from this input), whose ``reason`` then says why.

    Analysis sets: ``analysis_set_names`` (the endpoints' when ``form`` is ``"study"`` and
    ``tte_excluded`` is given: population of the first variant, as the variants differ only in
    censoring). Built as one reason code per set x patient (the reason texts looked up once at
    the end), so the table costs little more than its rows.
    """
    treated = adsl["treated"]
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
            if NOT_TREATED not in reasons:
                reasons.append(NOT_TREATED)
            code[~_holds(treated)] = reasons.index(NOT_TREATED)
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


def count_attrition(log: pd.DataFrame) -> pd.DataFrame:
    """Patients of an attrition log per analysis set x included x reason (``FLOW_COLUMNS``, no row order):
    the GROUP BY the engine runs where the data are (``engine.attrition.count_attrition``)."""
    set_code, sets = pd.factorize(log["analysis_set"])
    reason_code, reasons = pd.factorize(log["reason"])  # -1: missing (included)
    flag = log["included"].astype("boolean")
    state = np.where(flag.isna().to_numpy(), 2, np.where(flag.fillna(False).to_numpy(dtype=bool), 0, 1))
    width = len(reasons) + 1
    n = np.bincount((set_code.astype(np.int64) * 3 + state) * width + reason_code + 1, minlength=len(sets) * 3 * width)
    keys = np.flatnonzero(n)  # the (set, included, reason) met: a few dozen of sets x 3 x reasons
    n, state, reason = n[keys], (keys // width) % 3, keys % width - 1
    return pd.DataFrame({
        "analysis_set": np.asarray(sets, dtype=object)[keys // width // 3],
        "included": pd.arrays.BooleanArray(state == 0, state == 2),
        "reason": np.array([*reasons, None], dtype=object)[reason],
        "n": n.astype(np.int64),
    })[FLOW_COLUMNS]


def _by_reason(reasons: np.ndarray, n: np.ndarray) -> list[tuple[object, int]]:
    """(reason, patients) summed per reason, in the reasons' alphabetical order (a missing reason last)."""
    totals: dict[object, int] = {}
    for reason, k in zip(reasons, n):
        key = None if pd.isna(reason) else reason
        totals[key] = totals.get(key, 0) + int(k)
    return sorted(totals.items(), key=lambda item: (item[0] is None, item[0] or ""))


def patient_flow(counts: pd.DataFrame, analysis_sets: tuple[str, ...],
                 undetermined: dict[str, str] | None = None) -> pd.DataFrame:
    """The patient flow (``FLOW_COLUMNS``) from the counts of ``count_attrition`` (pandas' or an engine's).

    Per analysis set, in the order of ``analysis_sets``: one row ``included`` yes (its patients, 0 when
    nobody is in the set), then one row ``included`` no per reason of exclusion, then any patients not
    determined (``included`` missing) per reason, each with patients; a set in ``undetermined`` has one
    row, ``included`` missing, its reason and all its patients (0 in a study without patients). The
    patients of a set's rows add up to the study's patients: every set starts from all of them.
    """
    undetermined = undetermined or {}
    of_set = counts["analysis_set"].to_numpy(dtype=object)
    flag = pd.array(counts["included"].astype(object).where(counts["included"].notna(), None), dtype="boolean")
    state = np.where(flag.isna(), 2, np.where(flag.fillna(False).to_numpy(dtype=bool), 0, 1))
    reasons = counts["reason"].to_numpy(dtype=object)
    n = counts["n"].to_numpy(dtype=np.int64)
    rows: list[tuple[str, object, object, int]] = []
    for name in analysis_sets:
        here = of_set == name
        why = undetermined.get(name)
        if why is not None:
            rows.append((name, pd.NA, why, int(n[here].sum())))
            continue
        rows.append((name, True, None, int(n[here & (state == 0)].sum())))
        for kind, flagged in ((1, False), (2, pd.NA)):
            sel = here & (state == kind)
            rows += [(name, flagged, reason, k) for reason, k in _by_reason(reasons[sel], n[sel])]
    return pd.DataFrame({
        "analysis_set": pd.Series([r[0] for r in rows], dtype=object),
        "included": pd.array([r[1] for r in rows], dtype="boolean"),
        "reason": pd.Series([r[2] for r in rows], dtype=object),
        "n": np.array([r[3] for r in rows], dtype=np.int64),
    })[FLOW_COLUMNS]


def derive_patient_flow(adsl: pd.DataFrame, tte_excluded: pd.DataFrame | None, endpoints: tuple[str, ...],
                        form: str = "study", undetermined: dict[str, str] | None = None) -> pd.DataFrame:
    """The patient flow of the study (``AnalysisData.attrition``): the attrition log of :func:`derive_attrition`
    (same arguments) counted by :func:`count_attrition` and laid out by :func:`patient_flow`."""
    log = derive_attrition(adsl, tte_excluded, endpoints, form=form, undetermined=undetermined)
    sets = analysis_set_names(endpoints, with_endpoints=form == "study" and tte_excluded is not None)
    return patient_flow(count_attrition(log), sets, undetermined)


def analysis_set_members(adsl: pd.DataFrame, tte: pd.DataFrame, analysis_set: str) -> np.ndarray:
    """Which ADSL rows (in ADSL order) are in ``analysis_set``, by the rule :func:`derive_attrition` applies:
    a declared set's conditions all hold (a missing flag fails); an endpoint's set is the treated patients
    with a row of that endpoint in ``tte`` (its population: the variants differ only in censoring).

    Whether the set can be determined from the input is the patient flow's to say (an undetermined set's
    members are unknown); a name neither declared nor an endpoint of ``tte`` has no members.
    """
    conditions = dict(ANALYSIS_SETS).get(analysis_set)
    if conditions is not None:
        members = np.ones(len(adsl), dtype=bool)
        for column, _ in conditions:
            members &= _holds(adsl[column])
        return members
    endpoint_rows = tte["endpoint"].to_numpy(dtype=object) == analysis_set
    in_population = adsl["patient_id"].isin(tte["patient_id"].to_numpy(dtype=object)[endpoint_rows]).to_numpy()
    return _holds(adsl["treated"]) & in_population
