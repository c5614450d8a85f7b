"""Treatment patterns after blinatumomab (domain-spec section 7).

Sankey flows from an exposure class (infusion days of cycle 1 or in total:
<= 14 d / 15-28 d / > 28 d; 1 vs >= 2 cycles) to the first next therapy
("none" without one), per disease setting as seed 001 Fig. 1; therapy path
counts (e.g. "car_t -> allo_hsct"); patients transplanted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ard import ard_frame, ard_row
from .results import FLOW_COLUMNS

__all__ = ["treatment_flows", "therapy_path_counts", "FLOW_SOURCES"]

FLOW_SOURCES = ("duration_class_cycle1", "duration_class_total", "cycles_class")
NEXT = "first_next_therapy"


def _coded(values: pd.Series, missing: str) -> tuple[np.ndarray, np.ndarray]:
    """Each patient's code into the distinct values (as objects), a missing value counted as ``missing``
    (one level with a recorded ``missing``, as replacing the missing values by it before counting)."""
    codes, uniques = pd.factorize(values.astype(object).to_numpy(dtype=object), use_na_sentinel=True)
    labels = np.empty(len(uniques) + 1, dtype=object)
    labels[:-1] = list(uniques)
    labels[-1] = missing
    merged, distinct = pd.factorize(labels)
    return merged[np.where(codes < 0, len(uniques), codes)], np.asarray(distinct, dtype=object)


def _parts(adsl: pd.DataFrame, split_by: str) -> list[tuple[str, np.ndarray | None]]:
    """("", None: everyone) and, with ``split_by``, (level, its patients) per level in sorted order (the
    groups of ``groupby(split_by, sort=True, dropna=True)``)."""
    parts: list[tuple[str, np.ndarray | None]] = [("", None)]
    if split_by and split_by in adsl.columns:
        col = adsl[split_by]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes, levels = col.cat.codes.to_numpy(), list(col.cat.categories)
        else:
            codes, levels = pd.factorize(col, sort=True, use_na_sentinel=True)
        parts += [(str(g), codes == j) for j, g in enumerate(levels)]
    return parts


def treatment_flows(adsl: pd.DataFrame, split_by: str = "") -> pd.DataFrame:
    """Sankey counts ``flow, source, target, n``; ``flow`` is "<source column> -> first_next_therapy[ | level]".

    Each column is factorised once and the (source, target) pairs counted by ``np.bincount`` per
    part (a ``value_counts`` of two text columns per part and source was slow at a registry's size)."""
    frames = []
    if NEXT not in adsl.columns:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    sources = [col for col in FLOW_SOURCES if col in adsl.columns]
    target, targets = _coded(adsl[NEXT], "none")
    coded = {col: _coded(adsl[col], "unknown") for col in sources}
    for label, members in _parts(adsl, split_by):
        for col in sources:
            source, levels = coded[col]
            pair = source * len(targets) + target
            counts = np.bincount(pair if members is None else pair[members], minlength=len(levels) * len(targets))
            seen = np.flatnonzero(counts)
            counts = pd.DataFrame({"source": levels[seen // len(targets)], "target": targets[seen % len(targets)],
                                   "n": counts[seen].astype(np.int64)})
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
