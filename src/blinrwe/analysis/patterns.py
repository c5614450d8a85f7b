"""Treatment patterns after blinatumomab (domain-spec section 7).

Sankey flows from an exposure class (infusion days of cycle 1 or in total:
<= 14 d / 15-28 d / > 28 d; 1 vs >= 2 cycles) to the first next therapy
("none" without one), per disease setting as seed 001 Fig. 1; therapy path
counts (e.g. "car_t -> allo_hsct"); patients transplanted.
"""

from __future__ import annotations

import pandas as pd

from .ard import ard_frame, ard_row
from .results import FLOW_COLUMNS

__all__ = ["treatment_flows", "therapy_path_counts", "FLOW_SOURCES"]

FLOW_SOURCES = ("duration_class_cycle1", "duration_class_total", "cycles_class")
NEXT = "first_next_therapy"


def treatment_flows(adsl: pd.DataFrame, split_by: str = "") -> pd.DataFrame:
    """Sankey counts ``flow, source, target, n``; ``flow`` is "<source column> -> first_next_therapy[ | level]"."""
    frames = []
    if NEXT not in adsl.columns:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    sources = [col for col in FLOW_SOURCES if col in adsl.columns]
    parts = [("", adsl)]
    if split_by and split_by in adsl.columns:  # the groups of the columns used only (not copies of the ADSL)
        parts += [(str(g), sub) for g, sub in adsl[[split_by, NEXT, *sources]].groupby(split_by, sort=True,
                                                                                         dropna=True)]
    for label, sub in parts:
        target = sub[NEXT].astype(object).where(sub[NEXT].notna(), "none")
        for col in sources:
            source = sub[col].astype(object).where(sub[col].notna(), "unknown")
            counts = pd.DataFrame({"source": source, "target": target}).value_counts().reset_index(name="n")
            counts.insert(0, "flow", f"{col} -> {NEXT}" + (f" | {split_by}={label}" if label else ""))
            frames.append(counts.sort_values(["source", "target"], kind="stable"))
    if not frames:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[list(FLOW_COLUMNS)]
    out["n"] = out["n"].astype("int64")
    return out


def therapy_path_counts(adsl: pd.DataFrame) -> pd.DataFrame:
    """ARD rows (section "patterns"): patients per therapy path, per first next therapy, transplanted."""
    rows = []
    n = len(adsl)
    for col, table in (("therapy_path", "therapy_paths"), (NEXT, "next_therapy"),
                       ("further_treatment_group", "further_treatment")):
        if col not in adsl.columns:
            continue
        values = adsl[col].astype(object).where(adsl[col].notna(), "none")
        for level, k in values.value_counts().sort_index().items():
            rows.append(ard_row("patterns", table, col, "n", int(k), level=str(level), n=int(k), denominator=n,
                                method="count"))
            rows.append(ard_row("patterns", table, col, "pct", 100.0 * k / n, level=str(level), n=int(k),
                                denominator=n, method="count"))
    for col in ("allo_hsct_after", "car_t_after"):
        if col in adsl.columns:
            k = int(adsl[col].astype("boolean").fillna(False).sum())
            rows.append(ard_row("patterns", "next_therapy", col, "n", k, level="yes", n=k, denominator=n,
                                method="count"))
            rows.append(ard_row("patterns", "next_therapy", col, "pct", 100.0 * k / n if n else None, level="yes",
                                n=k, denominator=n, method="count"))
    return ard_frame(rows)
