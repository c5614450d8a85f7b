"""Deaths, fatal adverse events and status at the end of follow-up; therapy after blinatumomab by response.

What the seed papers print beside the AE grade table (domain-spec sections 6, 7 and 8.8):

* **Fatal adverse events** (seed 002: "Eight patients had fatal adverse events, including 5 due to
  infections"): patients with an adverse event in the AE window recorded fatal or of grade 5 (CTCAE
  v5.0: grade 5 = death related to the AE), any and by term; a patient counts once per term.
* **Treatment-related deaths** (seed 004: "no deaths caused by treatment"; seed 001: no deaths due to
  blinatumomab-related AEs): patients with a fatal AE recorded as related to blinatumomab
  (``adverse_events.related``). NE when every fatal AE lacks the attribution.
* **Vital status and deaths by cause**: alive / died (deaths on or before the data cut-off, any cause,
  from the events table or the summary form's ``death_cause``) and the recorded cause of death
  (``events.cause_of_death``; "not recorded" when empty), n and % of all treated patients.
* **Therapy after blinatumomab by response** (seed 000: 62.5% of the patients in CR went on to
  allo-HSCT; seed 003: further treatment of the 25 responders 8/3/3/8, none 3): the further-treatment
  group (a path with allo-HSCT counts as allo-HSCT), allo-HSCT and CAR-T at any time after
  blinatumomab, and the recorded intent of the first therapy (bridging, consolidation, salvage),
  among all treated patients, responders and non-responders.

Counts only: no test between groups (the papers print none, and a response is not a randomised
grouping). Degenerate inputs give rows with 0 counts and NE percentages with the reason, never an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ard import ard_frame, ard_row, empty_ard, not_estimable
from .baseline import baseline_table
from .positions import id_index, id_positions

__all__ = ["deaths_table", "subsequent_therapy_table", "SECTION", "TABLE", "SUBSEQUENT_SECTION", "SUBSEQUENT_TABLE",
           "SUBSEQUENT_VARIABLES", "NOT_RECORDED"]

SECTION = "deaths"
TABLE = "deaths"
SUBSEQUENT_SECTION = "subsequent_therapy"
SUBSEQUENT_TABLE = "subsequent_therapy_by_response"
#: ADSL variables of the table of therapy after blinatumomab by response, in print order
SUBSEQUENT_VARIABLES = ("further_treatment_group", "allo_hsct_after", "car_t_after", "first_next_therapy_intent")
#: level of a death whose cause was not recorded
NOT_RECORDED = "not_recorded"


def _count_rows(rows: list, variable: str, level: str, k: int, denominator: int, method: str, note: str = "") -> None:
    """An ``n`` and a ``pct`` row (percent of ``denominator``; NE with the reason when it is 0)."""
    rows.append(ard_row(SECTION, TABLE, variable, "n", k, level=level, n=k, denominator=denominator,
                        method=method, note=note))
    pct_note = note if denominator else not_estimable("no patients in the denominator", note)
    rows.append(ard_row(SECTION, TABLE, variable, "pct", 100.0 * k / denominator if denominator else None,
                        level=level, n=k, denominator=denominator, method=method, note=pct_note))


def _flag(frame: pd.DataFrame, column: str, absent: bool) -> np.ndarray:
    """A yes/no column as a bool array (missing -> False); ``absent`` for every row without the column."""
    if column not in frame.columns:
        return np.full(len(frame), absent, dtype=bool)
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _fatal_mask(ae: pd.DataFrame) -> np.ndarray:
    """Episodes recorded fatal or of (worst) grade 5 (derive/safety.py sets ``fatal`` so already)."""
    grade = next((c for c in ("worst_grade", "grade") if c in ae.columns), None)
    five = (pd.to_numeric(ae[grade], errors="coerce") == 5).to_numpy(dtype=bool) if grade else False
    return _flag(ae, "fatal", False) | five


def _fatal_rows(rows: list, adverse_events: pd.DataFrame, ids: pd.Index, window: str,
                reference: np.ndarray | None = None) -> None:
    """Fatal adverse events among the patients ``ids`` (``reference``: the ADSL id array they index)."""
    n = len(ids)
    ae = adverse_events
    if len(ae):
        # the AE rows' patients among ``ids`` (the ADSL's): positions looked up once for the safety table and this
        known = (id_positions(reference, ae["patient_id"].to_numpy()) >= 0 if reference is not None and ids.is_unique
                 else ae["patient_id"].isin(ids).to_numpy())
        ae = ae[(ae["term"].astype(object) != "any").to_numpy(dtype=bool) & known]
    fatal = ae[_fatal_mask(ae)] if len(ae) else ae
    where = f"; window: {window}" if window else ""
    method = "adverse events in the AE window recorded fatal or of grade 5, patients counted once"
    method, per_term = method + where, method + " per term" + where
    patients = pd.unique(fatal["patient_id"]) if len(fatal) else []
    _count_rows(rows, "fatal_ae", "yes", len(patients), n, method)
    if len(fatal):
        for term, k in fatal.groupby("term", sort=True)["patient_id"].nunique().items():
            _count_rows(rows, "fatal_ae_term", str(term), int(k), n, per_term)
    related_method = "fatal adverse events recorded as related to blinatumomab (treatment-related deaths)"
    if not len(patients):
        _count_rows(rows, "fatal_ae_related", "yes", 0, n, related_method)
        return
    per_patient = fatal.assign(
        related_=_flag(fatal, "fatal_related", False),
        unknown_=_flag(fatal, "fatal_unattributed", True),
    ).groupby("patient_id")[["related_", "unknown_"]].any()
    related = int(per_patient["related_"].sum())
    unattributed = int((~per_patient["related_"] & per_patient["unknown_"]).sum())
    if unattributed == len(per_patient):
        reason = "relatedness to blinatumomab is not recorded for any fatal adverse event"
        rows.append(ard_row(SECTION, TABLE, "fatal_ae_related", "n", None, level="yes", denominator=n,
                            method=related_method, note=not_estimable(reason)))
        rows.append(ard_row(SECTION, TABLE, "fatal_ae_related", "pct", None, level="yes", denominator=n,
                            method=related_method, note=not_estimable(reason)))
        return
    if unattributed:
        related_method += f"; relatedness not recorded for {unattributed} of the patients with a fatal adverse event"
    _count_rows(rows, "fatal_ae_related", "yes", related, n, related_method)


def deaths_table(adsl: pd.DataFrame, adverse_events: pd.DataFrame | None = None, *, cutoff=None,
                 window: str = "") -> pd.DataFrame:
    """ARD rows (section and table "deaths") among the patients of ``adsl`` (the treated).

    ``fatal_ae`` (level "yes"), ``fatal_ae_term`` (level = term) and ``fatal_ae_related`` (level
    "yes") from ``adverse_events`` (``AnalysisData.adverse_events``; None on the summary form: no
    rows); ``vital_status`` (levels "alive", "died" and, when the status is not known, "unknown":
    they add up to N) and ``cause_of_death`` (level = cause, ``NOT_RECORDED`` when empty: they add up
    to the deaths). Statistics ``n`` and ``pct`` (% of all patients, ``denominator`` = N); the
    ``patients`` ``N`` row gives the column size.
    """
    if "patient_id" not in adsl.columns:
        return empty_ard()
    values = adsl["patient_id"].to_numpy()
    reference = values if values.dtype == object else None
    ids = id_index(values) if reference is not None else pd.Index(adsl["patient_id"].to_numpy(dtype=object))
    n = len(ids)
    rows = [ard_row(SECTION, TABLE, "patients", "N", n, n=n)]
    if adverse_events is not None:
        _fatal_rows(rows, adverse_events, ids, window, reference)
    if "death" not in adsl.columns:
        return ard_frame(rows)
    death = adsl["death"].astype("boolean")
    when = f"on or before the data cut-off {pd.Timestamp(cutoff).date().isoformat()}" if cutoff is not None \
        else "at the last follow-up"
    method = f"vital status {when}; deaths from any cause"
    died = death.fillna(False).to_numpy(dtype=bool)
    unknown = death.isna().to_numpy(dtype=bool)
    _count_rows(rows, "vital_status", "alive", int((~died & ~unknown).sum()), n, method)
    _count_rows(rows, "vital_status", "died", int(died.sum()), n, method)
    if unknown.any():
        _count_rows(rows, "vital_status", "unknown", int(unknown.sum()), n, method)
    if died.any():
        causes = adsl["cause_of_death"] if "cause_of_death" in adsl.columns else pd.Series(None, index=adsl.index)
        causes = causes.astype(object)[died]
        causes = causes.where(causes.notna(), NOT_RECORDED)
        counts = causes.value_counts()
        order = sorted(counts.index, key=lambda c: (c == NOT_RECORDED, c == "unknown", c == "other", -counts[c], c))
        for cause in order:
            _count_rows(rows, "cause_of_death", str(cause), int(counts[cause]), n, "recorded cause of death")
    return ard_frame(rows)


def subsequent_therapy_table(adsl: pd.DataFrame, by: str = "responder") -> pd.DataFrame:
    """ARD rows (section ``SUBSEQUENT_SECTION``, table ``SUBSEQUENT_TABLE``): the ``SUBSEQUENT_VARIABLES``
    present in ``adsl`` as n (%) overall and among each level of ``by`` (responders and
    non-responders), without tests; empty when ``adsl`` lacks ``by`` or every such variable."""
    variables = [v for v in SUBSEQUENT_VARIABLES if v in adsl.columns]
    if by not in adsl.columns or not variables:
        return empty_ard()
    ard = baseline_table(adsl, variables, by, section=SUBSEQUENT_SECTION, table=SUBSEQUENT_TABLE)
    ard = ard[ard["statistic"] != "test_p"]
    # responders first: the columns follow the ARD order (Overall, then "yes", then "no")
    rank = ard["group"].map({"Overall": 0, "yes": 1}).fillna(2)
    ard = ard.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)
    ard["method"] = np.where(ard["statistic"].isin(("n", "pct")), "count", ard["method"])
    return ard
