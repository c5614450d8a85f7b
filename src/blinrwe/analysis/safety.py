"""Adverse events by term: patients with any grade, grade 1-2, grade >= 3 and each grade 1-5
(domain-spec section 6).

A patient counts once per term at the worst grade within the AE window
("grade 1-2" = worst grade 1 or 2; "grade >= 3" = worst grade 3-5; "grade 3" =
worst grade 3, as seed 002 counts "grade 3 and 4 adverse events in 20 and 28
patients"); the denominator is every patient of the safety set. Also "any AE",
the term groups of ``model.tables.AE_TERM_GROUPS`` (neurologic events) and GVHD
among the patients transplanted before blinatumomab.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from blinrwe.model.tables import AE_TERM_GROUPS

from .ard import ard_frame, ard_row, not_estimable
from .positions import id_index, id_positions

__all__ = ["safety_table", "CRS_ICANS_GRADING"]

SECTION = "safety"
TABLE = "safety"
#: Grading of CRS and ICANS (Lee et al., Biol Blood Marrow Transplant 2019), a code the report labels.
CRS_ICANS_GRADING = "ASTCT_2019"


def _grade_column(ae: pd.DataFrame) -> str:
    for name in ("worst_grade", "grade"):
        if name in ae.columns:
            return name
    raise KeyError("adverse_events has no worst_grade column")


def safety_table(adverse_events: pd.DataFrame, patient_ids, *, grading: str = "CTCAE_v5",
                 window: str = "", groups: Mapping[str, Sequence[str]] = AE_TERM_GROUPS,
                 populations: Mapping[str, tuple[Sequence, str, str]] | None = None) -> pd.DataFrame:
    """ARD rows: per term (and "any") counts of patients by worst grade among ``patient_ids``.

    ``adverse_events`` may hold several rows per patient and term (the worst grade is
    taken) and may already hold the derived "any" term (``AnalysisData.adverse_events``):
    "any" is always recomputed here as the worst grade over the specific terms, so a
    patient is never counted twice.

    Every term gets ``grade_any``, ``grade_1_2``, ``grade_3plus`` and each worst grade
    ``grade_1`` ... ``grade_5`` (seed 002: worst grade 3 in 20 and worst grade 4 in 28 of 64
    patients), each with its ``_pct`` row. A group of ``groups`` (``AE_TERM_GROUPS``: the
    neurologic events, ICANS or another neurologic event) with at least one member term
    recorded is a row of its own, a patient counted once at the worst grade over its terms.
    ``populations`` maps a term to (patient ids, ADSL yes/no variable, description) when it is
    counted among some patients only: GVHD among the patients transplanted before blinatumomab
    (seed 002, ``prior_allo_hsct``); its rows carry that variable as ``level`` and their own
    denominator.
    """
    values = patient_ids.to_numpy() if isinstance(patient_ids, pd.Series) else None
    ids = id_index(values) if values is not None and values.dtype == object else None  # ADSL's, built once
    if ids is None or not ids.is_unique:
        ids, values = pd.Index(pd.unique(pd.Series(list(patient_ids), dtype=object))), None
    n = len(ids)
    specific = (adverse_events["term"].astype(object) != "any").to_numpy(dtype=bool) if len(adverse_events) else None
    ae = adverse_events[specific] if len(adverse_events) else adverse_events
    rows: list[dict] = []
    method = f"patients counted once per term at the worst grade ({grading}; CRS/ICANS by {CRS_ICANS_GRADING})"
    note = f"window: {window}" if window else ""
    # Integer keys (patient position x term code) instead of a group-by on two text columns.
    if ae.empty:
        patient = np.zeros(0, dtype=np.int64)
        term_codes, terms = np.zeros(0, dtype=np.int64), []
        grade = np.zeros(0)
    else:
        if values is None:
            patient = np.asarray(ids.get_indexer(ae["patient_id"].to_numpy()), dtype=np.int64)
        else:  # the AE table's positions, looked up once for this and the deaths table (analysis/positions.py)
            patient = id_positions(values, adverse_events["patient_id"].to_numpy())[specific]
        term_codes, terms = pd.factorize(ae["term"].astype(object), sort=True)
        terms = [str(t) for t in terms]
        grade = pd.to_numeric(ae[_grade_column(ae)], errors="coerce").astype("float64").to_numpy()
        keep = (patient >= 0) & (term_codes >= 0) & ~np.isnan(grade)
        patient, term_codes, grade = patient[keep], term_codes[keep].astype(np.int64), grade[keep]
    n_terms = len(terms)
    worst = np.full((n, n_terms + 1), np.nan)  # column n_terms = any term
    if patient.size:
        flat = np.full(n * n_terms, -np.inf)
        np.maximum.at(flat, patient * n_terms + term_codes, grade)
        worst[:, :n_terms] = np.where(np.isfinite(flat), flat, np.nan).reshape(n, n_terms)
        with np.errstate(invalid="ignore"):
            worst[:, n_terms] = np.fmax.reduce(worst[:, :n_terms], axis=1)
    columns = [("any", worst[:, n_terms], method)] + [(t, worst[:, j], method) for j, t in enumerate(terms)]
    for group, members in groups.items():
        present = [terms.index(m) for m in members if m in terms]
        if present:
            with np.errstate(invalid="ignore"):
                g = np.fmax.reduce(worst[:, present], axis=1) if n else np.zeros(0)
            words = " or ".join(m.replace("_", " ") for m in members)
            columns.append((group, g, f"patients counted once per group ({words}) at the worst grade "
                                      f"({grading}; ICANS by {CRS_ICANS_GRADING})"))
    populations = populations or {}
    for term, g, how in columns:
        denominator, term_note, level = n, note, ""
        if term in populations:
            among, level, described = populations[term]
            inside = ids.isin(pd.Series(list(among), dtype=object))
            g, denominator = g[inside], int(inside.sum())
            how = f"{how}; among {described}"
        g = g[~np.isnan(g)]
        counts = {
            "grade_any": int(g.size),
            "grade_1_2": int(np.sum((g >= 1) & (g <= 2))),
            "grade_3plus": int(np.sum(g >= 3)),
            **{f"grade_{k}": int(np.sum(g == k)) for k in range(1, 6)},
        }
        pct_note = term_note if denominator else not_estimable("no patients in the denominator", term_note)
        for stat, k in counts.items():
            rows.append(ard_row(SECTION, TABLE, term, stat, k, level=level, n=k, denominator=denominator,
                                method=how, note=term_note))
            rows.append(ard_row(SECTION, TABLE, term, stat + "_pct", 100.0 * k / denominator if denominator else None,
                                level=level, n=k, denominator=denominator, method=how, note=pct_note))
    return ard_frame(rows)
