"""Blinatumomab drug use and cost: vials, cost per patient, per course and per responder (seeds 003, 004).

Seeds 003 and 004 argue that short courses reach similar responses at a fraction of the
cost of the label's 28-day cycles. This module prices the vials counted by
``blinrwe.derive.drug_use`` (rule ``per_bag`` or ``shared``) and compares the course
groups of ``CostSettings.by`` (e.g. ``regimen_class``: label vs short course) side by side.

Among the treated patients whose vial count is known (the others are counted as missing),
per group (the whole cohort first, then each level of ``by``):

* ``patients`` N; ``courses`` n (cycles started); ``vials`` sum, mean and median per patient;
* ``drug_cost`` sum, mean per patient, and ``per_course`` (total cost / courses);
* ``cr_cri`` and ``mrd_negative`` n / N (CR/CRi and MRD < 1e-4 in the primary response window);
* ``cost_per_cr_cri`` and ``cost_per_mrd_negative``: total drug cost of the group / number of
  such responders in it (the cost of obtaining one responder, all patients' vials counted), with a
  **percentile bootstrap CI**: ``replicates`` resamples of the group's patients with replacement,
  the ratio of sums in each, the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the ratios
  (numpy's default linear interpolation, R ``quantile`` type 7). A resample without a responder
  has no ratio and is left out (note flag ``bootstrap_left_out: <k>``). The generator is
  ``numpy.random.default_rng([seed, g, m])`` (PCG64) with ``g`` the group's position (0 = whole
  cohort) and ``m`` 0 for CR/CRi, 1 for MRD negativity, so every interval is reproducible and does
  not depend on which other groups are analysed. No responder in the group: NE, with the reason.

Rows: section and table "cost", ``variable`` = the measure, ``group_var`` = ``by`` ("" for the
whole cohort), ``level`` = the wastage rule on vial and cost rows, the currency on the
``price_per_vial`` row (value = price; a ``vial_strength`` row gives ug per vial).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.derive.drug_use import VIAL_COLUMNS, WASTAGE_RULES

from .ard import ard_frame, ard_row, not_estimable
from .settings import CostSettings

__all__ = ["cost_table", "bootstrap_ratio_ci", "SECTION", "BOOTSTRAP_LEFT_OUT"]

SECTION = "cost"
#: Note flag of a cost-per-responder row: "bootstrap_left_out: <k>" resamples had no responder (no ratio).
BOOTSTRAP_LEFT_OUT = "bootstrap_left_out"
_MAX_CELLS = 2_000_000  # bootstrap index cells drawn at once (replicates x patients)


def bootstrap_ratio_ci(numerator, denominator, *, replicates: int, level: float, rng: np.random.Generator):
    """Percentile bootstrap CI of ``sum(numerator) / sum(denominator)`` over patients resampled with
    replacement: ``(lower, upper, n_used)``; resamples whose denominator sums to 0 are left out
    (``n_used`` counts the others; NaN bounds when none is left)."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    n = num.size
    ratios = []
    chunk = max(1, _MAX_CELLS // max(n, 1))
    done = 0
    while done < replicates:
        size = min(chunk, replicates - done)
        idx = rng.integers(0, n, size=(size, n))
        top, bottom = num[idx].sum(axis=1), den[idx].sum(axis=1)
        ratios.append(np.divide(top, bottom, out=np.full(size, np.nan), where=bottom > 0))
        done += size
    ratios = np.concatenate(ratios) if ratios else np.array([])
    ratios = ratios[~np.isnan(ratios)]
    if not ratios.size:
        return float("nan"), float("nan"), 0
    lower, upper = np.quantile(ratios, [(1 - level) / 2, (1 + level) / 2])
    return float(lower), float(upper), int(ratios.size)


def _responder_column(adsl: pd.DataFrame, stem: str, window: str) -> np.ndarray:
    column = f"{stem}_{window}"
    if column not in adsl.columns:
        return np.full(len(adsl), np.nan)
    return adsl[column].astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def cost_table(adsl: pd.DataFrame, cycles: pd.DataFrame, settings: CostSettings, *, vial_strength_ug: float,
               window: str = "overall") -> pd.DataFrame:
    """ARD rows of the drug-cost table (module docstring); ``window``: the primary response window."""
    s = settings
    rule = s.wastage
    column = VIAL_COLUMNS[rule]
    if column not in adsl.columns:
        return ard_frame([])
    treated = adsl["treated"].astype("boolean").fillna(False).to_numpy(dtype=bool) if "treated" in adsl else \
        np.ones(len(adsl), dtype=bool)
    patients = adsl.loc[treated].reset_index(drop=True)
    vial_count = pd.to_numeric(patients[column], errors="coerce").astype(float).to_numpy()
    known = ~np.isnan(vial_count)
    rule_text = WASTAGE_RULES[rule]
    price_text = f"{s.price_per_vial:g} {s.currency}".strip()
    priced = f"{rule_text}, priced at {price_text} per vial of {vial_strength_ug:g} ug"
    boot_method = (f"total drug cost / responders; {s.confidence_level:.0%} percentile bootstrap CI "
                   f"({int(s.bootstrap_replicates)} resamples of the group's patients, seed {int(s.bootstrap_seed)})")
    rows = [ard_row(SECTION, SECTION, "price_per_vial", "price", s.price_per_vial, level=s.currency),
            ard_row(SECTION, SECTION, "vial_strength", "ug", vial_strength_ug)]
    courses_of = (cycles.groupby("patient_id")["cycle_number"].nunique() if len(cycles) else pd.Series(dtype=float))
    courses = patients["patient_id"].map(courses_of).fillna(0).to_numpy(dtype=float)
    cr = _responder_column(patients, "cr_cri", window)
    mrd = _responder_column(patients, "mrd_negative", window)
    by = s.by if s.by and s.by in patients.columns else ""
    groups = [("", "Overall", np.ones(len(patients), dtype=bool))]
    if by:
        values = patients[by].astype(object)
        for level in sorted({str(v) for v in values.dropna()}):
            groups.append((by, level, (values.astype(str) == level).to_numpy() & values.notna().to_numpy()))
    for g, (group_var, group, member) in enumerate(groups):
        keys = dict(group_var=group_var, group=group)
        missing = int((member & ~known).sum())
        use = member & known
        n = int(use.sum())
        rows.append(ard_row(SECTION, SECTION, "patients", "N", n, n=n, denominator=int(member.sum()),
                            method="count", **keys))
        if missing:
            rows.append(ard_row(SECTION, SECTION, "patients", "missing", missing, n=missing, method="count", **keys))
        if not n:
            continue
        v, c = vial_count[use], vial_count[use] * s.price_per_vial
        n_courses = float(courses[use].sum())
        common = dict(level=rule, denominator=n, method=priced, **keys)
        rows += [ard_row(SECTION, SECTION, "courses", "n", n_courses, n=n_courses, denominator=n,
                         method="count", **keys),
                 ard_row(SECTION, SECTION, "vials", "sum", v.sum(), **common),
                 ard_row(SECTION, SECTION, "vials", "mean", v.mean(), **common),
                 ard_row(SECTION, SECTION, "vials", "median", np.median(v), **common),
                 ard_row(SECTION, SECTION, "drug_cost", "sum", c.sum(), **common),
                 ard_row(SECTION, SECTION, "drug_cost", "mean", c.mean(), **common)]
        per_course = c.sum() / n_courses if n_courses else None
        rows.append(ard_row(SECTION, SECTION, "drug_cost", "per_course", per_course,
                            **{**common, "note": "" if n_courses else not_estimable("no course started")}))
        for m, (name, flags, who) in enumerate((("cr_cri", cr, "CR/CRi"), ("mrd_negative", mrd, "MRD-negative"))):
            f = flags[use]
            if np.isnan(f).all():
                continue
            f = np.nan_to_num(f, nan=0.0)  # not assessed / not reached: not a responder (denominator = all)
            k = int(f.sum())
            rows.append(ard_row(SECTION, SECTION, name, "n", k, n=k, denominator=n, method="count", **keys))
            if not k:
                rows.append(ard_row(SECTION, SECTION, f"cost_per_{name}", "ratio", None, **{
                    **common, "note": not_estimable(f"no {who} patient in this group (cost per {who} patient "
                                                    "not estimable)")}))
                continue
            rng = np.random.default_rng([int(s.bootstrap_seed), g, m])
            lower, upper, used = bootstrap_ratio_ci(c, f, replicates=int(s.bootstrap_replicates),
                                                    level=float(s.confidence_level), rng=rng)
            dropped = int(s.bootstrap_replicates) - used
            rows.append(ard_row(SECTION, SECTION, f"cost_per_{name}", "ratio", c.sum() / k, lower=lower, upper=upper,
                                n=k, **{**common, "method": boot_method,
                                        "note": f"{BOOTSTRAP_LEFT_OUT}: {dropped}" if dropped else ""}))
    return ard_frame(rows)
