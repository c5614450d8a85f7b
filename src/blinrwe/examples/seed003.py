"""Seed 003 (Yin et al., Cancer Med 2024;13:e70515): the 30 published patients in summary form.

The published Tables 1-2 are shipped unchanged as ``data/seed003_patients.csv``
(transcribed as printed; see its ``transcription_note`` column and domain-spec
section 9). :func:`map_seed003` turns them into the declared ``patient_summary``
table; the result is shipped as ``data/seed003/patient_summary.csv`` and read
back through the ordinary intake and validation path by :func:`seed003_summary`.

Mapping of the printed codes: 'Primary refractory' -> primary_refractory,
'No-response' -> NR, 'Poor'/'Standard' -> poor/standard, Yes/No -> yes/no,
'Alive' -> alive, causes lower-cased, follow-up therapy 'A+B' -> 'a;b' in
the printed order ('CART+allo-HSCT' was CAR-T then allo-HSCT), 'No' -> none.
All patients are Ph-negative (study population, seed section 2.1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from blinrwe.intake import read_study
from blinrwe.validate import StudyData, require_valid, validate_study

DATA = Path(__file__).parent / "data"
SEED003_ORIGINAL = DATA / "seed003_patients.csv"
SEED003_SUMMARY = DATA / "seed003"
#: Seed 003 data cut-off (Methods / domain-spec section 4).
SEED003_CUTOFF = "2024-04-30"

_STATUS = {"Primary refractory": "primary_refractory", "1R": "1R", "2R": "2R", "3R": "3R"}
_RESPONSE = {"CR": "CR", "CRi": "CRi", "No-response": "NR"}
_YES_NO = {"Yes": "yes", "No": "no", "": ""}
_THERAPY = {"blina": "blinatumomab", "allo-hsct": "allo_hsct", "cart": "car_t", "chemotherapy": "chemotherapy", "no": "none"}
_DEATH = {"Alive": "alive", "Leukemia": "leukemia", "Infection": "infection"}


def map_seed003(original: pd.DataFrame) -> pd.DataFrame:
    """The published listing (text columns as in the CSV) as ``patient_summary`` text cells."""
    o = original.fillna("").astype(str)
    return pd.DataFrame({
        "patient_id": o["patient_id"],
        "age_years": o["age_years"],
        "sex": o["sex"],
        "disease_status": o["disease_status_at_blina"].map(_STATUS),
        "ph_status": "negative",
        "genetic_risk_group": o["prognostic_risk_genetic_aberration"].str.lower(),
        "prior_therapy": o["preblina_therapy"],
        "bm_blast_pct_at_t0": o["bm_blast_pct_at_onset"],
        "best_response": o["response_to_blina"].map(_RESPONSE),
        "mrd_negative": o["mrd_negative"].map(_YES_NO),
        "next_therapy": o["followup_therapy_after_blina"].map(lambda v: ";".join(_THERAPY[t.strip().lower()] for t in v.split("+"))),
        "relapse": o["relapse"].map(_YES_NO),
        "death_cause": o["cause_of_death"].map(_DEATH),
        "note": o["transcription_note"],
    })


def read_seed003_original() -> pd.DataFrame:
    """The published listing exactly as shipped (all cells as text)."""
    return pd.read_csv(SEED003_ORIGINAL, dtype=str, keep_default_na=False)


def write_seed003_summary(folder: Path = SEED003_SUMMARY) -> Path:
    """(Re)write the shipped summary-form CSV from the original listing."""
    folder.mkdir(parents=True, exist_ok=True)
    map_seed003(read_seed003_original()).to_csv(folder / "patient_summary.csv", index=False, lineterminator="\n")
    return folder


def seed003_summary() -> StudyData:
    """Seed 003's 30 patients as a validated summary-form StudyData."""
    return require_valid(*validate_study(read_study(SEED003_SUMMARY)))
