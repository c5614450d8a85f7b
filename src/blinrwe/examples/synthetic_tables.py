"""The SYNTHETIC cohort's draw helpers and its later tables: subsequent therapies and adverse events
(:func:`blinrwe.examples.synthetic_cohort` calls them in its fixed order of random draws, so a seed
gives the same study)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.model import ALL_TABLES
from blinrwe.model.schema import PANDAS_DTYPE

__all__ = ["adverse_event_table", "as_dates", "choice", "frame", "therapy_table"]


def choice(rng: np.random.Generator, values, p, size) -> np.ndarray:
    """``size`` draws of ``values`` with probabilities ``p`` (normalised), as an object array."""
    p = np.asarray(p, dtype=float)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=size, p=p / p.sum())]


def frame(table_name: str, columns: dict, order: np.ndarray) -> pd.DataFrame:
    """Assemble a declared table in ``order``; undeclared-but-absent columns become missing."""
    table = ALL_TABLES[table_name]
    n = len(order)
    data = {}
    for col in table.columns:
        dtype = PANDAS_DTYPE[col.dtype]
        if col.name in columns:
            values = np.asarray(columns[col.name])[order]
            data[col.name] = pd.Series(values, dtype=dtype) if dtype != "object" else pd.Series(values, dtype=object)
        else:
            data[col.name] = pd.Series([None] * n if dtype == "object" else pd.NA, index=range(n), dtype=dtype)
    data["source_row"] = pd.Series(np.arange(2, n + 2), dtype="int64")
    frame = pd.DataFrame(data)
    for col in table.columns:  # None, not nan, for missing text
        if PANDAS_DTYPE[col.dtype] == "object":
            frame[col.name] = frame[col.name].astype(object).where(frame[col.name].notna(), None)
    return frame


def as_dates(t0: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """T0 (datetime64[D]) plus integer day offsets; negative offsets mean missing."""
    out = (t0 + offsets.astype("timedelta64[D]")).astype("datetime64[ns]")
    return np.where(offsets < 0, np.datetime64("NaT"), out)


def therapy_table(rng: np.random.Generator, pid, t0, idx, *, paths, end_obs, salvage, responder) -> pd.DataFrame:
    """Subsequent therapies: each patient's planned path (``paths``: first step, its start day, second
    step, its start day, path length) if started before the end of observation, then salvage at relapse
    (``salvage``: its day, -1 for none, and type); day offsets from T0."""
    step1, s1, step2, s2, path_len = paths
    salvage_day, salvage_type = salvage
    n = len(idx)
    th_parts = []
    for step, start, seq in ((step1, s1, 1), (step2, s2, 2)):
        m = (step != "") & (start <= end_obs)
        th_parts.append((m, step, start, np.full(n, seq), np.where(path_len == 2, "bridging" if seq == 1 else "consolidation", "consolidation")))
    n_given = th_parts[0][0].astype(int) + th_parts[1][0].astype(int)
    m = salvage_day >= 0
    th_parts.append((m, salvage_type, salvage_day, n_given + 1, np.full(n, "salvage_at_relapse", dtype=object)))
    th_pat = np.concatenate([idx[m] for m, *_ in th_parts])
    th_type = np.concatenate([s[m] for m, s, *_ in th_parts]).astype(object)
    th_day = np.concatenate([d[m] for m, _, d, *_ in th_parts])
    th_seq = np.concatenate([q[m] for m, _, _, q, _ in th_parts])
    th_intent = np.concatenate([i[m] for m, *_, i in th_parts]).astype(object)
    th_intent = np.where(responder[th_pat] | (th_intent == "salvage_at_relapse"), th_intent,
                         np.where(th_intent == "bridging", "bridging", "other"))
    n_th = len(th_pat)
    duration = np.select(
        [th_type == "chemotherapy", th_type == "blinatumomab", th_type == "inotuzumab"],
        [rng.integers(20, 41, n_th), np.full(n_th, 13), np.full(n_th, 21)], -1)
    th_end = np.where(duration >= 0, th_day + duration, -1)
    th_end = np.where(th_end > end_obs[th_pat], -1, th_end)
    detail = np.select(
        [th_type == "allo_hsct", th_type == "car_t", th_type == "chemotherapy", th_type == "blinatumomab",
         th_type == "inotuzumab", th_type == "tki"],
        [choice(rng, ["matched sibling donor", "haploidentical donor", "matched unrelated donor"], [0.3, 0.5, 0.2], n_th),
         choice(rng, ["CD19 CAR-T (experimental)", "CD19/CD22 CAR-T (experimental)"], [0.7, 0.3], n_th),
         choice(rng, ["low-intensity chemotherapy", "hyper-CVAD"], [0.6, 0.4], n_th),
         np.full(n_th, "short-course blinatumomab", dtype=object),
         np.full(n_th, "inotuzumab ozogamicin", dtype=object),
         choice(rng, ["dasatinib", "ponatinib"], [0.5, 0.5], n_th)],
        None,
    )
    return frame("therapies", {
        "patient_id": pid[th_pat], "sequence_number": th_seq, "therapy_type": th_type,
        "start_date": as_dates(t0[th_pat], th_day), "end_date": as_dates(t0[th_pat], th_end),
        "detail": detail, "intent": th_intent,
    }, np.lexsort((th_seq, th_pat)))


def adverse_event_table(rng: np.random.Generator, pid, t0, idx, len1, end_obs) -> pd.DataFrame:
    """Adverse events during cycle 1 (``len1`` days), at most one episode per patient and term; CRS, ICANS
    and fever early in the cycle; resolved within 15 days unless observation ends first."""
    n = len(idx)
    ae_spec = [  # term, probability, grade 1-4 probabilities, early onset (CRS-like)
        ("CRS", 0.15, [0.55, 0.30, 0.12, 0.03], True),
        ("ICANS", 0.08, [0.50, 0.30, 0.15, 0.05], True),
        ("fever", 0.30, [0.60, 0.35, 0.05, 0.0], True),
        ("neutropenia", 0.35, [0.10, 0.20, 0.45, 0.25], False),
        ("thrombocytopenia", 0.25, [0.10, 0.20, 0.40, 0.30], False),
        ("anemia", 0.25, [0.20, 0.40, 0.40, 0.0], False),
        ("infection", 0.20, [0.20, 0.40, 0.30, 0.10], False),
        ("liver_enzymes_increased", 0.12, [0.50, 0.30, 0.20, 0.0], False),
    ]
    ae_pat, ae_term, ae_grade, ae_onset = [], [], [], []
    for term, p, grades, early in ae_spec:
        m = rng.random(n) < p
        who = idx[m]
        ae_pat.append(who)
        ae_term.append(np.full(len(who), term, dtype=object))
        ae_grade.append(rng.choice(4, len(who), p=grades) + 1)
        window = np.minimum(len1[who], 3) if early else len1[who]
        ae_onset.append((rng.random(len(who)) * window).astype(int))
    ae_pat = np.concatenate(ae_pat)
    ae_term = np.concatenate(ae_term)
    ae_grade = np.concatenate(ae_grade)
    ae_onset = np.concatenate(ae_onset)
    n_ae = len(ae_pat)
    ae_res = ae_onset + rng.integers(1, 16, n_ae)
    ae_res = np.where(ae_res > end_obs[ae_pat], -1, ae_res)
    astct = np.isin(ae_term, ["CRS", "ICANS"])
    return frame("adverse_events", {
        "patient_id": pid[ae_pat], "term": ae_term, "grade": ae_grade,
        "grading_system": np.where(astct, "ASTCT_2019", "CTCAE_v5").astype(object),
        "onset_date": as_dates(t0[ae_pat], ae_onset), "resolution_date": as_dates(t0[ae_pat], ae_res),
        "cycle": np.ones(n_ae, dtype=int), "serious": ae_grade >= 3, "fatal": np.zeros(n_ae, bool),
        "related": astct,  # CRS and ICANS attributed to blinatumomab, the others not (no random draw)
        "action": np.where(ae_grade >= 3, "interrupted", "none").astype(object),
    }, np.lexsort((ae_onset, ae_pat)))
