"""Adverse events by term: patients with any grade, grade 1-2 and grade >= 3 (domain-spec section 6).

A patient counts once per term at the worst grade within the AE window
("grade 1-2" = worst grade 1 or 2; "grade >= 3" = worst grade 3-5); the
denominator is every patient of the safety set. Also "any AE" and, for CRS and
ICANS (ASTCT grading), the number of patients at each worst grade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ard import ard_frame, ard_row

__all__ = ["safety_table"]

SECTION = "safety"
TABLE = "safety"
GRADED_BY_GRADE = ("CRS", "ICANS")


def _grade_column(ae: pd.DataFrame) -> str:
    for name in ("worst_grade", "grade"):
        if name in ae.columns:
            return name
    raise KeyError("adverse_events has no worst_grade column")


def safety_table(adverse_events: pd.DataFrame, patient_ids, *, grading: str = "CTCAE_v5",
                 window: str = "") -> pd.DataFrame:
    """ARD rows: per term (and "any") counts of patients by worst grade among ``patient_ids``."""
    ids = pd.Index(pd.unique(pd.Series(list(patient_ids), dtype=object)))
    n = len(ids)
    ae = adverse_events[adverse_events["patient_id"].isin(ids)]
    rows: list[dict] = []
    method = f"patients counted once per term at the worst grade ({grading}; CRS/ICANS by ASTCT 2019)"
    note = f"window: {window}" if window else ""
    if ae.empty:
        worst = pd.DataFrame({"term": pd.Series(dtype=object), "grade": pd.Series(dtype=float)})
    else:
        gcol = _grade_column(ae)
        worst = (ae.assign(grade=pd.to_numeric(ae[gcol], errors="coerce"))
                 .groupby(["patient_id", "term"], observed=True)["grade"].max().reset_index())
    any_ae = worst.groupby("patient_id")["grade"].max().reset_index().assign(term="any")
    both = pd.concat([any_ae, worst], ignore_index=True)
    terms = ["any"] + sorted(worst["term"].dropna().unique())
    for term in terms:
        g = both.loc[both["term"] == term, "grade"].to_numpy(dtype=float)
        counts = {
            "grade_any": int(np.sum(~np.isnan(g))),
            "grade_1_2": int(np.sum((g >= 1) & (g <= 2))),
            "grade_3plus": int(np.sum(g >= 3)),
        }
        if term in GRADED_BY_GRADE:
            counts.update({f"grade_{k}": int(np.sum(g == k)) for k in range(1, 6)})
        for stat, k in counts.items():
            rows.append(ard_row(SECTION, TABLE, term, stat, k, n=k, denominator=n,
                                method=method, note=note))
            rows.append(ard_row(SECTION, TABLE, term, stat + "_pct", 100.0 * k / n if n else None, n=k,
                                denominator=n, method=method, note=note))
    return ard_frame(rows)
