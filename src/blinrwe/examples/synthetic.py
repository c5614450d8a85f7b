"""A SYNTHETIC dated study cohort, at any size, resembling seed 001's case mix.

Nothing here is patient data: every patient id starts with ``SYN-``, every
``site`` is ``SYNTHETIC`` and the written workbook's README says so.

The mix follows seed 001 (Zhou et al. 2024; domain-spec sections 1.5, 2, 3, 7):
newly diagnosed and relapsed/refractory about 55/45, Ph+ about 30 %, children and
adults with weights on both sides of 45 kg, label dosing (>= 45 kg 9 -> 28 ug/day,
< 45 kg 5 -> 15 ug/m2/day), 1-5 cycles (two thirds one cycle), cycle-1 durations
<= 14 days and 15-28 days, marrow assessments after each cycle (blasts, ANC,
platelets, MRD) with about 80 % responders, relapses, progressions, deaths with
causes, last contact, subsequent allo-HSCT (about half), CAR-T and chemotherapy
paths, and adverse events including CRS and ICANS with ASTCT grades.

The subsequent therapies and adverse events are built in :mod:`.synthetic_tables`, with the
draw helpers. Every table is built with vectorised numpy on integer day offsets from T0 (the
first infusion), so 100,000 patients take seconds; there is no per-patient
Python loop. The cohort is consistent by construction (it validates without
errors): every date lies between T0 and the patient's end of follow-up, which is
the data cut-off or an earlier loss to follow-up; relapses follow a documented
remission; deaths follow every other dated record.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from blinrwe.model import FORMS
from blinrwe.validate.study_data import StudyData

from .synthetic_tables import adverse_event_table, as_dates, choice, frame, therapy_table

SYNTHETIC_SITE = "SYNTHETIC"
DEFAULT_CUTOFF = dt.date(2024, 4, 30)


def synthetic_cohort(n_patients: int = 200, seed: int = 0, data_cutoff: dt.date = DEFAULT_CUTOFF) -> StudyData:
    """Generate a SYNTHETIC dated study of ``n_patients`` with a seeded numpy Generator.

    The same ``(n_patients, seed, data_cutoff)`` always gives the same study.
    All follow-up ends on or before ``data_cutoff``.
    """
    if n_patients < 1:
        raise ValueError("n_patients must be at least 1")
    rng = np.random.default_rng(seed)
    n = int(n_patients)
    idx = np.arange(n)
    cutoff = np.datetime64(data_cutoff, "D")

    # --- patients -------------------------------------------------------------------
    width = max(4, len(str(n)))
    pid = np.char.add("SYN-", np.char.zfill((idx + 1).astype(str), width)).astype(object)
    admin_days = rng.integers(250, 1100, n)  # T0 to cut-off; >= 250 leaves room for 5 cycles
    t0 = cutoff - admin_days.astype("timedelta64[D]")
    nd = rng.random(n) < 0.55
    child = rng.random(n) < 0.2
    age = np.where(child, rng.uniform(1.0, 18.0, n), np.clip(rng.normal(38, 14, n), 18, 80))
    age_days = np.round(age * 365.25).astype(int)
    birth = t0 - age_days.astype("timedelta64[D]")
    age_at_t0 = np.round(age_days / 365.25, 1)
    male = rng.random(n) < 0.55
    sex = np.where(male, "M", "F").astype(object)
    height = np.where(
        child,
        np.clip(75 + 6.2 * age + rng.normal(0, 6, n), 65, 195),
        np.where(male, 174.0, 162.0) + rng.normal(0, 7, n),
    ).round(0)
    weight = np.where(
        child,
        np.clip(8 + 2.6 * age + rng.normal(0, 3, n), 8, 90),
        np.clip(np.where(male, 70.0, 58.0) + rng.normal(0, 12, n), 38, 140),
    ).round(1)
    bsa_mosteller = np.sqrt(height * weight / 3600.0)
    bsa_recorded = np.where(rng.random(n) < 0.5, bsa_mosteller.round(2), np.nan)
    bsa_used = np.where(np.isnan(bsa_recorded), bsa_mosteller, bsa_recorded)
    low_weight = weight < 45

    diag_gap = np.where(nd, rng.integers(20, 181, n), rng.integers(200, 1501, n))
    diag_gap = np.minimum(diag_gap, age_days - 60)
    ph = choice(rng, ["positive", "negative", "unknown"], [0.30, 0.68, 0.02], n)
    ph_pos = ph == "positive"
    ph_like = np.where(ph == "negative", rng.random(n) < 0.10, False)
    abnormalities = ("KMT2A_r", "ETV6_RUNX1", "TCF3_PBX1", "hyperdiploid", "hypodiploid",
                     "complex_karyotype", "IKZF1_deletion", "PAX5", "other")
    k = len(abnormalities)
    combos = np.empty(1 + k + k * k, dtype=object)  # (), singles, ordered pairs (declaration order)
    combos[0] = ()
    for i in range(k):
        combos[1 + i] = (abnormalities[i],)
        for j in range(k):
            pair = tuple(sorted({abnormalities[i], abnormalities[j]}, key=abnormalities.index))
            combos[1 + k + i * k + j] = pair
    n_abn = choice(rng, [0, 1, 2], [0.5, 0.4, 0.1], n).astype(int)
    first = rng.integers(0, k, n)
    second = (first + 1 + rng.integers(0, k - 1, n)) % k
    genetic = combos[np.select([n_abn == 0, n_abn == 1], [0, 1 + first], 1 + k + first * k + second)]

    rr = ~nd
    primary_refractory = rr & (rng.random(n) < 0.3)
    relapsed = rr & ~primary_refractory
    relapse_number = np.where(primary_refractory, 0, choice(rng, [1, 2, 3], [0.6, 0.3, 0.1], n).astype(int))
    prior_lines = np.where(nd, 0, np.where(primary_refractory, rng.integers(1, 3, n), relapse_number + rng.integers(0, 2, n)))
    status = np.select(
        [nd, primary_refractory],
        [choice(rng, ["CR", "non_CR", "unknown"], [0.75, 0.13, 0.12], n), np.full(n, "non_CR", dtype=object)],
        choice(rng, ["CR", "non_CR", "unknown"], [0.30, 0.68, 0.02], n),
    )
    in_cr = status == "CR"
    intent = np.where(nd, "frontline_", "rr_").astype(object) + np.select(
        [in_cr, status == "non_CR"], ["consolidation", np.where(nd, "induction", "reinduction")],
        "unknown",
    ).astype(object)
    bridging = np.select(
        [nd & ~ph_pos, nd & ph_pos, rr & ph_pos],
        [
            choice(rng, ["low_intensity_chemo", "chemo_induction_consolidation"], [0.6, 0.4], n),
            choice(rng, ["tki_plus_chemo", "tki", "hyper_cvad_tki"], [0.5, 0.3, 0.2], n),
            np.full(n, "tki", dtype=object),
        ],
        choice(rng, ["none_direct", "low_intensity_chemo", "intensive_chemo"], [0.4, 0.35, 0.25], n),
    )
    blasts_t0 = np.select([in_cr, status == "non_CR"], [rng.uniform(0, 4.9, n), rng.uniform(5, 95, n)], np.nan).round(1)
    pb_blasts = np.where(status == "non_CR", np.exp(rng.normal(0, 1.2, n)).clip(0, 200), np.where(in_cr, 0.0, np.nan)).round(2)
    mrd_pos_t0 = rng.random(n) < 0.75
    mrd_t0 = np.where(in_cr, np.where(mrd_pos_t0, 10 ** rng.uniform(-4, -1.5, n), np.where(rng.random(n) < 0.5, 0.0, 10 ** rng.uniform(-6, -4.2, n))), np.nan)
    mrd_t0_status = np.where(np.isnan(mrd_t0), "unknown", np.where(mrd_t0 >= 1e-4, "positive", "negative")).astype(object)
    mrd_method_pat = choice(rng, ["flow", "qPCR"], [0.6, 0.4], n)
    mrd_t0_method = np.where(np.isnan(mrd_t0), None, mrd_method_pat)

    p_resp = np.select([in_cr, nd, status == "unknown"], [0.95, 0.9, 0.7], 0.6)
    responder = rng.random(n) < p_resp

    # --- infusions: cycles, then constant-rate segments ------------------------------
    n_cycles = choice(rng, [1, 2, 3, 4, 5], [0.667, 0.208, 0.073, 0.042, 0.010], n).astype(int)
    n_cycles = np.where(responder, n_cycles, np.minimum(n_cycles, 2))
    short = rng.random(n) < 0.5  # cycle-1 duration class <= 14 days
    len1 = np.where(short, rng.integers(7, 15, n), rng.integers(15, 29, n))
    n_cyc_total = int(n_cycles.sum())
    cyc_pat = np.repeat(idx, n_cycles)
    cyc_first = np.cumsum(n_cycles) - n_cycles
    cyc_num = np.arange(n_cyc_total) - np.repeat(cyc_first, n_cycles) + 1
    later_len = np.where(short[cyc_pat], rng.integers(7, 15, n_cyc_total),
                         np.where(rng.random(n_cyc_total) < 0.8, 28, rng.integers(15, 28, n_cyc_total)))
    cyc_len = np.where(cyc_num == 1, len1[cyc_pat], later_len)
    span = cyc_len + 14  # 14 treatment-free days between cycles
    excl = np.cumsum(span) - span
    cyc_start = excl - np.repeat(excl[cyc_first], n_cycles)
    cyc_end = cyc_start + cyc_len - 1  # inclusive
    step_days = np.where(short, 3, 7)
    has_step = (cyc_num == 1) & ~in_cr[cyc_pat]  # step-up dosing in cycle 1 unless already in CR
    n_seg = 1 + has_step.astype(int)
    seg_cyc = np.repeat(np.arange(n_cyc_total), n_seg)
    seg_k = np.arange(len(seg_cyc)) - np.repeat(np.cumsum(n_seg) - n_seg, n_seg)
    seg_pat = cyc_pat[seg_cyc]
    seg_step = has_step[seg_cyc] & (seg_k == 0)
    seg_start = cyc_start[seg_cyc] + np.where(has_step[seg_cyc] & (seg_k == 1), step_days[seg_pat], 0)
    seg_end = np.where(seg_step, cyc_start[seg_cyc] + step_days[seg_pat] - 1, cyc_end[seg_cyc])
    lw = low_weight[seg_pat]
    rate = np.where(lw, np.where(seg_step, 5.0, 15.0), np.where(seg_step, 9.0, 28.0))
    unit = np.where(lw, "ug/m2/day", "ug/day").astype(object)
    daily = np.where(lw, np.minimum(rate * bsa_used[seg_pat], np.where(seg_step, 9.0, 28.0)), rate).round(2)
    daily = np.where(rng.random(len(seg_pat)) < 0.5, daily, np.nan)
    premed = np.where(seg_k == 0, np.where(child[seg_pat], "dexamethasone 5 mg/m2 (max 20 mg)", "dexamethasone 20 mg"), None)

    # --- assessments: one marrow after each cycle -------------------------------------
    ass_pat = cyc_pat
    ass_day = cyc_end + rng.integers(1, 14, n_cyc_total)  # before the next cycle starts (end + 15)
    first_ass = ass_day[cyc_first]
    last_ass = ass_day[cyc_first + n_cycles - 1]
    n_ass = n_cyc_total
    resp_first = choice(rng, ["CR", "CRi", "CRh"], [0.6, 0.25, 0.15], n)
    nonresp = choice(rng, ["NR", "PD"], [0.9, 0.1], n)
    category = np.where(responder[ass_pat], np.where(cyc_num == 1, resp_first[ass_pat], "CR"), nonresp[ass_pat])
    u = rng.random(n_ass)
    cr_like = np.isin(category, ["CR", "CRi", "CRh"])
    blasts = np.select([cr_like, category == "NR"], [4.5 * u, 6 + 89 * u], 30 + 68 * u).round(1)
    anc = np.select(
        [category == "CR", category == "CRh", category == "CRi"],
        [rng.uniform(1.0, 6.0, n_ass), rng.uniform(0.51, 0.98, n_ass), rng.uniform(0.05, 0.5, n_ass)],
        rng.uniform(0.05, 3.0, n_ass),
    ).round(2)
    platelets = np.select(
        [category == "CR", category == "CRh", category == "CRi"],
        [rng.uniform(100, 400, n_ass), rng.uniform(51, 99, n_ass), rng.uniform(10, 50, n_ass)],
        rng.uniform(5, 200, n_ass),
    ).round(0)
    circulating = np.where(cr_like, False, rng.random(n_ass) < 0.5)
    recorded = np.where(rng.random(n_ass) < 0.85, category, None)
    mrd_neg_pat = rng.random(n) < 0.75
    mrd_value = np.where(
        cr_like,
        np.where(mrd_neg_pat[ass_pat], np.where(rng.random(n_ass) < 0.5, 0.0, 10 ** rng.uniform(-6, -4.1, n_ass)), 10 ** rng.uniform(-3.9, -1.5, n_ass)),
        10 ** rng.uniform(-2, -0.3, n_ass),
    )
    mrd_present = rng.random(n_ass) < 0.9
    mrd_value = np.where(mrd_present, mrd_value, np.nan)
    mrd_method = np.where(mrd_present, mrd_method_pat[ass_pat], None)
    mrd_sens = np.where(mrd_present, np.where(mrd_method_pat[ass_pat] == "flow", 1e-4, 1e-5), np.nan)
    timepoint = np.char.add("end of cycle ", cyc_num.astype(str)).astype(object)

    # --- end of follow-up: the cut-off, or an earlier loss to follow-up ---------------
    ltfu = rng.random(n) < 0.1
    follow_end = np.where(ltfu, last_ass + 1 + ((admin_days - last_ass - 1) * rng.random(n)).astype(int), admin_days)

    # --- subsequent therapy paths -----------------------------------------------------
    paths = [(), ("allo_hsct",), ("car_t",), ("car_t", "allo_hsct"), ("chemotherapy",),
             ("chemotherapy", "allo_hsct"), ("blinatumomab",), ("chemotherapy", "inotuzumab"), ("tki",)]
    p_resp_path = [0.12, 0.40, 0.05, 0.05, 0.15, 0.13, 0.05, 0.02, 0.03]
    p_nr_path = [0.25, 0.05, 0.30, 0.10, 0.15, 0.02, 0.00, 0.13, 0.00]
    path = np.where(responder, rng.choice(len(paths), n, p=p_resp_path), rng.choice(len(paths), n, p=p_nr_path))
    path = np.where((path == 8) & ~ph_pos, 4, path)
    path_len = np.array([len(p) for p in paths])[path]
    step1 = np.array([p[0] if p else "" for p in paths], dtype=object)[path]
    step2 = np.array([p[1] if len(p) > 1 else "" for p in paths], dtype=object)[path]
    s1 = last_ass + rng.integers(5, 46, n)
    s2 = s1 + rng.integers(30, 91, n)
    last_planned = np.select([path_len == 2, path_len == 1], [s2, s1], last_ass)

    # --- relapse / progression, salvage, death ---------------------------------------
    relapse = responder & (rng.random(n) < 0.3)
    relapse_day = np.where(relapse, last_planned + 30 + rng.exponential(200, n).astype(int), -1)
    salvage = relapse & (rng.random(n) < 0.6)
    salvage_type = choice(rng, ["car_t", "chemotherapy", "inotuzumab", "allo_hsct"], [0.4, 0.3, 0.2, 0.1], n)
    salvage_day = np.where(salvage, relapse_day + rng.integers(3, 31, n), -1)
    progression = ~responder & (rng.random(n) < 0.6)
    progression_day = np.where(progression, last_ass + rng.integers(1, 31, n), -1)
    latest = np.maximum.reduce([last_planned, relapse_day, salvage_day, progression_day])
    p_death = np.select([~responder, relapse], [0.75, 0.6], 0.12)
    dies = rng.random(n) < p_death
    death_mean = np.select([~responder, relapse], [120.0, 150.0], 400.0)
    death_day = np.where(dies, latest + 1 + rng.exponential(death_mean).astype(int), -1)
    # Administrative censoring: nothing after the end of follow-up is observed.
    relapse_day = np.where(relapse_day > follow_end, -1, relapse_day)
    salvage_day = np.where(salvage_day > follow_end, -1, salvage_day)
    progression_day = np.where(progression_day > follow_end, -1, progression_day)
    death_day = np.where(death_day > follow_end, -1, death_day)
    dead = death_day >= 0
    has_allo = (step1 == "allo_hsct") | (step2 == "allo_hsct")
    cause = np.where(
        ~responder | (relapse_day >= 0),
        choice(rng, ["leukemia", "infection", "other"], [0.7, 0.2, 0.1], n),
        np.where(has_allo, choice(rng, ["transplant_related", "infection", "other", "unknown"], [0.5, 0.3, 0.1, 0.1], n),
                 choice(rng, ["infection", "chemotherapy_toxicity", "other", "unknown"], [0.5, 0.2, 0.2, 0.1], n)),
    )
    end_obs = np.where(dead, death_day, follow_end)  # last day anything can be recorded

    stop_reason = np.where(
        ~responder,
        choice(rng, ["progression", "completed"], [0.7, 0.3], n),
        np.select([step1 == "allo_hsct", step1 == "car_t"], ["to_transplant", "to_car_t"],
                  choice(rng, ["completed", "AE", "cost"], [0.85, 0.05, 0.10], n)),
    )

    patients = frame("patients", {
        "patient_id": pid, "site": np.full(n, SYNTHETIC_SITE, dtype=object), "sex": sex,
        "birth_date": birth.astype("datetime64[ns]"), "age_at_t0": age_at_t0, "height_cm": height,
        "weight_kg": weight, "bsa_m2": bsa_recorded,
        "diagnosis_date": (t0 - diag_gap.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "ph_status": ph, "ph_like": ph_like, "genetic_abnormalities": genetic,
        "genetic_risk_group": choice(rng, ["standard", "poor", "unknown"], [0.5, 0.4, 0.1], n),
        "wbc_at_diagnosis": np.exp(rng.normal(2.5, 1.2, n)).clip(0.2, 800).round(1),
        "hemoglobin_at_diagnosis": rng.normal(95, 20, n).clip(40, 170).round(0),
        "platelets_at_diagnosis": np.exp(rng.normal(np.log(60), 0.9, n)).clip(5, 600).round(0),
        "bm_blast_pct_at_diagnosis": rng.uniform(20, 98, n).round(1),
        "cns_involvement": rng.random(n) < 0.05,
        "extramedullary_disease": (status == "non_CR") & (rng.random(n) < 0.03),
        "disease_setting": np.where(nd, "newly_diagnosed", "relapsed_refractory").astype(object),
        "rr_type": np.select([primary_refractory, relapsed], ["primary_refractory", "relapsed"], None),
        "relapse_number": np.where(rr, relapse_number, None),
        "prior_lines": prior_lines,
        "refractory_to_last_treatment": np.where(rr, rng.random(n) < 0.4, False),
        "chemo_intolerant": rng.random(n) < 0.05,
        "prior_allo_hsct": relapsed & (rng.random(n) < 0.18),
        "prior_car_t": rr & (rng.random(n) < 0.10),
        "prior_inotuzumab": rr & (rng.random(n) < 0.08),
        "prior_tki": ph_pos,
        "bridging_type": bridging, "intent": intent, "blina_line": prior_lines + 1,
        "disease_status_at_t0": status, "bm_blast_pct_at_t0": blasts_t0, "pb_blasts_at_t0": pb_blasts,
        "mrd_at_t0": mrd_t0, "mrd_method_at_t0": mrd_t0_method, "mrd_status_at_t0": mrd_t0_status,
        "cd19_positive": rng.random(n) < 0.97, "stop_reason": stop_reason,
    }, idx)

    seg_order = np.lexsort((seg_start, seg_pat))
    infusions = frame("infusions", {
        "patient_id": pid[seg_pat], "cycle_number": cyc_num[seg_cyc],
        "start_date": as_dates(t0[seg_pat], seg_start), "end_date": as_dates(t0[seg_pat], seg_end),
        "dose_value": rate, "dose_unit": unit, "daily_dose_ug": daily,
        "interruption_reason": np.full(len(seg_pat), "none", dtype=object), "premedication": premed,
    }, seg_order)

    assessments = frame("assessments", {
        "patient_id": pid[ass_pat], "assessment_date": as_dates(t0[ass_pat], ass_day), "timepoint": timepoint,
        "bm_blast_pct": blasts, "circulating_blasts": circulating, "extramedullary_disease": np.zeros(n_ass, bool),
        "anc": anc, "platelets": platelets, "response_recorded": recorded,
        "mrd_value": mrd_value, "mrd_method": mrd_method, "mrd_sensitivity": mrd_sens,
    }, np.lexsort((ass_day, ass_pat)))

    # events: relapse, progression, death, last contact, last disease assessment
    alive = ~dead
    last_disease = np.maximum.reduce([last_ass, relapse_day, progression_day,
                                      follow_end - rng.integers(0, 61, n)])
    ev_parts = [
        (relapse_day >= 0, "relapse", relapse_day),
        (progression_day >= 0, "progression", progression_day),
        (dead, "death", death_day),
        (alive, "last_contact", follow_end),
        (alive, "last_disease_assessment", np.minimum(last_disease, follow_end)),
    ]
    ev_pat = np.concatenate([idx[m] for m, _, _ in ev_parts])
    ev_type = np.concatenate([np.full(m.sum(), t, dtype=object) for m, t, _ in ev_parts])
    ev_day = np.concatenate([d[m] for m, _, d in ev_parts])
    site = choice(rng, ["marrow", "CNS", "combined"], [0.8, 0.1, 0.1], len(ev_pat))
    events = frame("events", {
        "patient_id": pid[ev_pat], "event_type": ev_type, "event_date": as_dates(t0[ev_pat], ev_day),
        "relapse_site": np.where(ev_type == "relapse", site, None),
        "cause_of_death": np.where(ev_type == "death", cause[ev_pat], None),
    }, np.lexsort((ev_day, ev_pat)))

    therapies = therapy_table(rng, pid, t0, idx, paths=(step1, s1, step2, s2, path_len), end_obs=end_obs,
                              salvage=(salvage_day, salvage_type), responder=responder)

    adverse_events = adverse_event_table(rng, pid, t0, idx, len1, end_obs)

    tables = {"patients": patients, "infusions": infusions, "assessments": assessments,
              "events": events, "therapies": therapies, "adverse_events": adverse_events}
    return StudyData(tables=tables, form="study", source=f"synthetic(n_patients={n}, seed={seed})",
                     data_cutoff=data_cutoff)


def synthetic_readme(n_patients: int, seed: int, data_cutoff: dt.date) -> list[str]:
    """The SYNTHETIC notice written at the top of the README of a synthetic study."""
    return [
        "SYNTHETIC DATA - NOT REAL PATIENTS",
        f"Generated by blinrwe.examples.synthetic_cohort(n_patients={n_patients}, seed={seed}, "
        f"data_cutoff={data_cutoff.isoformat()}). Patient ids start with SYN-, site is SYNTHETIC.",
        "",
    ]


def write_synthetic_study(path, n_patients: int = 200, seed: int = 0, data_cutoff: dt.date = DEFAULT_CUTOFF):
    """Write a SYNTHETIC study to an .xlsx workbook (path ending .xlsx) or a folder of CSV files."""
    from blinrwe.intake import write_study  # intake is below examples; imported here to keep module import light

    study = synthetic_cohort(n_patients, seed, data_cutoff)
    return write_study(study, path, readme_lines=synthetic_readme(n_patients, seed, data_cutoff))
