"""Subsequent-therapy paths after blinatumomab (domain-spec 7).

One row per patient: the ordered therapies (by ``sequence_number``, then start
date), a path string (``car_t -> allo_hsct``), the first next therapy, ever
allo-HSCT / CAR-T after blinatumomab with their first dates, and the seed 003
grouping of further treatment, in which a patient whose path contains
allo-HSCT counts as allo-HSCT (a CAR-T -> allo-HSCT patient is "allo-HSCT"),
else CAR-T, else the first therapy given.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .keys import first_in_group, sort_key, sort_order

PATH_SEPARATOR = " -> "
#: seed 003 grouping: the first type of this list present in the path wins; otherwise the first therapy.
FURTHER_TREATMENT_PRIORITY = ("allo_hsct", "car_t")

_TOKEN = {
    "allohsct": "allo_hsct", "hsct": "allo_hsct", "allosct": "allo_hsct", "transplant": "allo_hsct",
    "cart": "car_t", "cartcell": "car_t", "chemotherapy": "chemotherapy", "chemo": "chemotherapy",
    "blina": "blinatumomab", "blinatumomab": "blinatumomab", "inotuzumab": "inotuzumab", "ino": "inotuzumab",
    "tki": "tki", "dli": "dli", "no": "none", "none": "none", "": "none",
}


def derive_therapy_paths(patients: pd.DataFrame, therapies: pd.DataFrame) -> pd.DataFrame:
    """One row per patient of ``patients`` (dated study form).

    Columns: ``patient_id, n_subsequent_therapies, therapy_path`` (types
    joined by `` -> ``; ``none`` without therapy), ``first_next_therapy``,
    ``first_next_therapy_date``, ``first_next_therapy_intent`` (as recorded),
    ``second_next_therapy``,
    ``further_treatment`` (bool), ``further_treatment_group`` (seed 003 rule),
    ``allo_hsct_after`` / ``allo_hsct_date``, ``car_t_after`` / ``car_t_date``.
    """
    t = therapies.loc[therapies["patient_id"].isin(patients["patient_id"])]
    t = t.take(sort_order(sort_key(t["patient_id"]), sort_key(t["sequence_number"]), sort_key(t["start_date"])))
    out = patients[["patient_id"]].copy()
    # one row per patient with therapies: the path is the string aggregate of the ordered types
    # (SQL: STRING_AGG(therapy_type, ' -> ' ORDER BY sequence_number, start_date)), first and second
    pid = t["patient_id"].to_numpy()
    types = t["therapy_type"].to_numpy(dtype=object)
    first = first_in_group(pid)
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    position = np.arange(len(t)) - starts[group] if len(t) else np.zeros(0, dtype=np.int64)
    second = np.full(len(starts), None, dtype=object)
    second[group[position == 1]] = types[position == 1]
    per_patient = pd.DataFrame({
        "patient_id": pid[starts],
        "therapy_path": np.add.reduceat(np.where(first, types, PATH_SEPARATOR + types), starts) if len(t) else types,
        "first_next_therapy": types[starts],
        "first_next_therapy_date": t["start_date"].to_numpy()[starts],
        # the intent recorded for it (bridging to transplant, consolidation, salvage at relapse; seed 001)
        "first_next_therapy_intent": (t["intent"].to_numpy(dtype=object)[starts] if "intent" in t.columns
                                      else np.full(len(starts), None, dtype=object)),
        "second_next_therapy": second,
        "n_subsequent_therapies": np.diff(np.append(starts, len(t))),
    })
    out = out.merge(per_patient, on="patient_id", how="left")
    for kind in ("allo_hsct", "car_t"):
        d = t.loc[t["therapy_type"] == kind].groupby("patient_id")["start_date"].min().rename(f"{kind}_date")
        out = out.merge(d.reset_index(), on="patient_id", how="left")
        out[f"{kind}_date"] = out[f"{kind}_date"].astype("datetime64[ns]")
        out[f"{kind}_after"] = out[f"{kind}_date"].notna() | out["patient_id"].isin(
            t.loc[t["therapy_type"] == kind, "patient_id"])
    out["first_next_therapy_date"] = out["first_next_therapy_date"].astype("datetime64[ns]")
    out["n_subsequent_therapies"] = out["n_subsequent_therapies"].fillna(0).astype("Int64")
    out["therapy_path"] = out["therapy_path"].fillna("none")
    out["further_treatment"] = out["n_subsequent_therapies"] > 0
    out["further_treatment_group"] = further_treatment_group(out)
    cols = ["patient_id", "n_subsequent_therapies", "therapy_path", "first_next_therapy", "first_next_therapy_date",
            "first_next_therapy_intent", "second_next_therapy", "further_treatment", "further_treatment_group", "allo_hsct_after",
            "allo_hsct_date", "car_t_after", "car_t_date"]
    for c in ("first_next_therapy", "first_next_therapy_intent", "second_next_therapy"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out[cols]


def further_treatment_group(paths: pd.DataFrame) -> pd.Series:
    """Seed 003 grouping of further treatment from ``therapy_path`` and ``first_next_therapy``."""
    # evaluated once per distinct path (few), then looked up per patient
    code, distinct = pd.factorize(paths["therapy_path"].fillna("none"))
    p = pd.Series(distinct, dtype=object)
    conds = [p.eq("none")] + [p.str.contains(rf"(?:^| ){k}(?: |$)", regex=True) for k in FURTHER_TREATMENT_PRIORITY]
    group = np.select(conds, ["none", *FURTHER_TREATMENT_PRIORITY], None) if len(p) else np.zeros(0, dtype=object)
    return pd.Series(group[code], index=paths.index).where(lambda x: x.notna(), paths["first_next_therapy"])


def parse_next_therapy(text: pd.Series) -> pd.Series:
    """Normalise the summary form's ``next_therapy`` text to a path of therapy codes.

    Accepts ``->`` or ``+`` between therapies and the spellings of seed 003
    (``CART+allo-HSCT``, ``Blina``, ``No``): ``CART+allo-HSCT`` ->
    ``car_t -> allo_hsct``; ``No`` or empty -> ``none``; unknown words -> ``other``.
    """
    def norm(token: str) -> str:
        key = re.sub(r"[^a-z]", "", token.lower())
        return _TOKEN.get(key, "other")

    # A per-row string parse of a free-text column: there is no table operation for it, and
    # it only runs on the small summary form.
    def one(value) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "none"
        parts = [norm(tok) for tok in re.split(r"->|\+|;|,", str(value))]
        parts = [p for p in parts if p != "none"]
        return PATH_SEPARATOR.join(parts) if parts else "none"

    return text.map(one).astype(object)
