"""Adverse events: worst grade per patient and term within the AE window (domain-spec 6).

Counting rules: a patient counts once per term, at the worst grade; "grade
1-2" = worst grade 1 or 2; "grade >= 3" = worst grade 3-5. The pseudo-term
``any`` is the worst grade over all terms. CRS and ICANS are ordinary terms
(graded by ASTCT 2019 in the input).

AE window: onset on or after the first infusion (T0) and on or before the last
infusion day + ``ae_days_after_last_infusion`` (0: during blinatumomab, seed
001; 30: trials). Onsets after the data cut-off are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .settings import DeriveSettings

DAY = pd.Timedelta(days=1)
AE_COLUMNS = ["patient_id", "term", "worst_grade", "grade_1_2", "grade_ge3", "serious", "fatal",
              "fatal_related", "fatal_unattributed", "led_to_discontinuation", "n_episodes", "first_onset_date"]


def derive_adverse_events(adverse_events: pd.DataFrame, exposure: pd.DataFrame,
                          settings: DeriveSettings) -> pd.DataFrame:
    """Worst grade per patient x term (plus ``any``) within the AE window.

    ``exposure`` needs ``patient_id, t0_date, last_infusion_date``. Columns:
    ``patient_id, term, worst_grade, grade_1_2, grade_ge3, serious`` (any
    serious episode), ``fatal`` (an episode recorded fatal or of grade 5),
    ``fatal_related`` (a fatal episode related to blinatumomab: a treatment-related
    death, seeds 001 and 004), ``fatal_unattributed`` (a fatal episode whose
    relatedness was not recorded), ``led_to_discontinuation`` (action =
    discontinued), ``n_episodes``, ``first_onset_date``. Only patients with at
    least one AE in the window have rows; the denominator is the treated
    population of ``adsl``.
    """
    ae = adverse_events.merge(exposure[["patient_id", "t0_date", "last_infusion_date"]], on="patient_id", how="inner")
    window_end = ae["last_infusion_date"] + settings.ae_days_after_last_infusion * DAY
    inside = (ae["onset_date"] >= ae["t0_date"]) & (ae["onset_date"] <= window_end)
    if settings.data_cutoff is not None:
        inside &= ae["onset_date"] <= pd.Timestamp(settings.data_cutoff)
    ae = ae.loc[inside.astype("boolean").fillna(False).astype(bool)].assign(
        serious_=lambda d: d["serious"].astype("boolean").fillna(False).astype(bool),
        fatal_=lambda d: d["fatal"].astype("boolean").fillna(False).astype(bool) | d["grade"].eq(5),
        disc_=lambda d: d["action"].eq("discontinued"),
    )
    related = ae["related"].astype("boolean") if "related" in ae.columns else pd.Series(pd.NA, index=ae.index,
                                                                                          dtype="boolean")
    ae = ae.assign(fatal_related_=ae["fatal_"] & related.fillna(False).to_numpy(dtype=bool),
                   fatal_unattributed_=ae["fatal_"] & related.isna().to_numpy(dtype=bool))
    if ae.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in AE_COLUMNS})
    both = pd.concat([ae, ae.assign(term="any")], ignore_index=True)
    out = both.groupby(["patient_id", "term"]).agg(
        worst_grade=("grade", "max"), serious=("serious_", "any"), fatal=("fatal_", "any"),
        fatal_related=("fatal_related_", "any"), fatal_unattributed=("fatal_unattributed_", "any"),
        led_to_discontinuation=("disc_", "any"), n_episodes=("grade", "size"),
        first_onset_date=("onset_date", "min"),
    ).reset_index()
    out["worst_grade"] = out["worst_grade"].astype("Int64")
    out["grade_1_2"] = out["worst_grade"].between(1, 2).astype(bool)
    out["grade_ge3"] = (out["worst_grade"] >= 3).astype(bool)
    return out[AE_COLUMNS].sort_values(["patient_id", "term"], kind="mergesort").reset_index(drop=True)


def derive_ae_flags(ae: pd.DataFrame, patient_ids: pd.Series) -> pd.DataFrame:
    """ADSL safety flags: ``any_ae, any_ae_ge3, crs_worst_grade, icans_worst_grade``
    (worst grade 0 = none in the window)."""
    out = pd.DataFrame({"patient_id": patient_ids.to_numpy()})
    wide = ae.pivot_table(index="patient_id", columns="term", values="worst_grade", aggfunc="max") if len(ae) else None
    for term, col in (("any", "any_ae_worst_grade"), ("CRS", "crs_worst_grade"), ("ICANS", "icans_worst_grade")):
        vals = wide[term] if wide is not None and term in wide.columns else pd.Series(dtype=float)
        out[col] = out["patient_id"].map(vals).fillna(0).astype("Int64")
    out["any_ae"] = out["any_ae_worst_grade"] > 0
    out["any_ae_ge3"] = out["any_ae_worst_grade"] >= 3
    out["crs_any"] = out["crs_worst_grade"] > 0
    out["icans_any"] = out["icans_worst_grade"] > 0
    return out.astype({c: bool for c in ("any_ae", "any_ae_ge3", "crs_any", "icans_any")}).assign(
        crs_ge3=lambda d: np.asarray(d["crs_worst_grade"] >= 3, dtype=bool))
