"""Disease setting, intent of blinatumomab, relapse number and leukaemic burden (domain-spec 2).

Recorded values win over derived ones; a ``*_source`` column says which one
was used (``recorded`` / ``derived`` / ``missing``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exposure import classify
from .keys import join_on_patient
from .settings import DeriveSettings

IN_CR = ("CR", "CRi")


def derive_intent(patients: pd.DataFrame) -> pd.DataFrame:
    """Intent of blinatumomab (domain-spec 2.1, seed 001).

    Derived: newly diagnosed + not in CR at T0 -> ``frontline_induction``;
    newly diagnosed + CR/CRi at T0 -> ``frontline_consolidation``; R/R + not in
    CR -> ``rr_reinduction``; R/R + CR/CRi -> ``rr_consolidation``; status
    missing or ``unknown`` -> ``frontline_unknown`` / ``rr_unknown``. The
    recorded ``intent`` wins (seed 001 prints both 38 and 39 for ND
    consolidation, so the analyst must be able to override).

    Returns ``patient_id, setting, in_cr_at_t0, intent_derived, intent,
    intent_source``; ``setting`` is ``frontline`` or ``relapsed_refractory``.
    """
    status = patients["disease_status_at_t0"]
    nd = patients["disease_setting"].eq("newly_diagnosed").to_numpy()
    rr = patients["disease_setting"].eq("relapsed_refractory").to_numpy()
    in_cr = status.isin(IN_CR).to_numpy()
    not_cr = status.eq("non_CR").to_numpy()
    phase = np.select([in_cr, not_cr], ["consolidation", "induction"], "unknown")
    prefix = np.select([nd, rr], ["frontline_", "rr_"], "")
    phase_rr = np.where(phase == "induction", "reinduction", phase)
    derived = np.where(nd, np.char.add(prefix, phase), np.where(rr, np.char.add(prefix, phase_rr), None))
    recorded = patients["intent"]
    out = pd.DataFrame({
        "patient_id": patients["patient_id"].to_numpy(),
        "setting": np.select([nd, rr], ["frontline", "relapsed_refractory"], None),
        "in_cr_at_t0": pd.array(np.where(status.isin(IN_CR + ("non_CR",)).to_numpy(), in_cr, None), dtype="boolean"),
        "intent_derived": derived,
    })
    out["intent"] = recorded.where(recorded.notna(), out["intent_derived"]).to_numpy()
    out["intent_source"] = np.select([recorded.notna().to_numpy(), out["intent_derived"].notna().to_numpy()],
                                     ["recorded", "derived"], "missing")
    return out


def derive_relapse_number(patients: pd.DataFrame) -> pd.DataFrame:
    """Ordinal number of the relapse being treated (domain-spec 2.1, seed 003).

    ``relapse_number``: recorded value wins; else 0 for ``rr_type ==
    primary_refractory``; else missing. ``disease_status_class``:
    ``newly_diagnosed``, ``primary_refractory`` (0), ``1R``, ``2R``, ``3R``,
    ``>=4R`` (seed 003 Table 1), ``relapsed_unknown_number`` or missing.
    """
    recorded = patients["relapse_number"].astype("Int64")
    refractory = patients["rr_type"].eq("primary_refractory")
    number = recorded.where(recorded.notna(), pd.Series(np.where(refractory, 0, pd.NA), index=patients.index).astype("Int64"))
    source = np.select([recorded.notna(), number.notna()], ["recorded", "derived"], "missing")
    n = number.astype(float).to_numpy()
    nd = patients["disease_setting"].eq("newly_diagnosed").to_numpy()
    relapsed = patients["rr_type"].eq("relapsed").to_numpy()
    label = np.select(
        [nd, n == 0, n == 1, n == 2, n == 3, n >= 4, relapsed],
        ["newly_diagnosed", "primary_refractory", "1R", "2R", "3R", ">=4R", "relapsed_unknown_number"], None)
    return pd.DataFrame({"patient_id": patients["patient_id"].to_numpy(), "relapse_number": number.to_numpy(),
                         "relapse_number_source": source, "disease_status_class": label})


def derive_mrd_status_at_t0(patients: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """MRD at T0 (domain-spec 2.1, 3.2): recorded status wins, else positive when
    ``mrd_at_t0 >= threshold`` (1e-4), negative below, ``unknown`` without either."""
    recorded = patients["mrd_status_at_t0"]
    value = patients["mrd_at_t0"].astype(float)
    derived = np.select([value >= settings.mrd_threshold, value < settings.mrd_threshold], ["positive", "negative"], "unknown")
    known = recorded.notna() & recorded.ne("unknown")
    status = np.where(known, recorded, derived)
    source = np.select([known, value.notna()], ["recorded", "derived"], "missing")
    return pd.DataFrame({"patient_id": patients["patient_id"].to_numpy(), "mrd_status_at_t0": status,
                         "mrd_status_at_t0_source": source})


def derive_burden_classes(patients: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """Leukaemic burden classes (domain-spec 2.3) with explicit inclusive sides.

    For every named cut in ``settings.burden_classes`` two columns:
    ``burden_t0_<name>`` (marrow blasts immediately before blinatumomab) and
    ``burden_dx_<name>`` (marrow blasts at diagnosis). Defaults: ``ge5``
    (<5 / >=5), ``gt15`` (<=15 / >15), ``ge50`` (<50 / >=50), ``gt50``
    (<=50 / >50), ``pooled`` (<5 / 5-<25 / 25-<50 / >=50).
    """
    out = pd.DataFrame({"patient_id": patients["patient_id"].to_numpy()})
    for name, cut in settings.burden_classes.items():
        out[f"burden_t0_{name}"] = classify(patients["bm_blast_pct_at_t0"], cut).to_numpy()
        out[f"burden_dx_{name}"] = classify(patients["bm_blast_pct_at_diagnosis"], cut).to_numpy()
    return out


def derive_setting(patients: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """Setting, intent, relapse number, MRD at T0 and burden classes: one row per patient."""
    return join_on_patient(derive_intent(patients), (
        derive_relapse_number(patients), derive_mrd_status_at_t0(patients, settings),
        derive_burden_classes(patients, settings)))
