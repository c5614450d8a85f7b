"""Shared by the engine tests: the pandas derivation's every step on a synthetic study (the reference),
and one comparison of an engine's table with it."""

import pandas as pd
import pytest

from blinrwe.derive import analysis_data as ad
from blinrwe.derive.attrition import derive_attrition, derive_patient_flow
from blinrwe.derive.endpoints import derive_endpoints, derive_patient_dates
from blinrwe.derive.keys import decode_patient_ids, encode_patient_ids, join_on_patient
from blinrwe.derive.response import (derive_best_response, derive_response_populations, derive_responses,
                                     derive_windows)
from blinrwe.derive.settings import DeriveSettings
from blinrwe.derive.study_tables import study_tables
from blinrwe.derive.engine.frames import to_engine, to_frame
from blinrwe.examples import synthetic_cohort


def pandas_steps(study, settings: DeriveSettings | None = None) -> dict[str, pd.DataFrame]:
    """Every intermediate table of ``derive_analysis_data`` (same calls, same order), ids decoded.

    Keys: the study tables (``patients``, ``infusions``, ...) and ``bsa, exposure, cycles,
    drug_use, setting, paths, windows, responses, best, ae, ae_flags, outcomes, adsl,
    patient_dates, tte, excluded, attrition`` (the attrition log, one row per analysis set x patient) and
    ``flow`` (the patient flow, ``AnalysisData.attrition``)."""
    s = settings or DeriveSettings()
    if s.data_cutoff is None and getattr(study, "data_cutoff", None) is not None:
        s = s.with_changes(data_cutoff=study.data_cutoff)
    raw = study_tables(study)
    t, ids = encode_patient_ids(raw)
    p = t["patients"]
    out = {}
    out["bsa"] = ad.derive_bsa(p, s.bsa_formula)
    out["exposure"], out["cycles"] = ad.derive_exposure(p, t["infusions"], out["bsa"], s)
    out["drug_use"], out["cycles"] = ad.derive_drug_use(p, t["infusions"], out["bsa"], out["cycles"], s)
    out["setting"] = ad.derive_setting(p, s)
    out["paths"] = ad.derive_therapy_paths(p, t["therapies"])
    out["windows"] = derive_windows(out["exposure"][["patient_id", "t0_date"]], out["cycles"], out["paths"], s)
    out["responses"] = derive_responses(t["assessments"], out["windows"], s)
    base = out["exposure"][["patient_id", "t0_date"]].merge(
        out["setting"][["patient_id", "in_cr_at_t0", "mrd_status_at_t0"]], on="patient_id")
    out["best"] = derive_best_response(out["responses"], base, s)
    out["ae"] = ad.derive_adverse_events(t["adverse_events"], out["exposure"], s)
    out["ae_flags"] = ad.derive_ae_flags(out["ae"], p["patient_id"])
    out["outcomes"] = ad.derive_outcomes(p, t["events"], out["exposure"], s)
    adsl = p[["patient_id", *ad.BASELINE_COLUMNS]].copy()
    adsl["age_at_t0"] = ad._age_at_t0(p, out["exposure"])
    adsl = join_on_patient(adsl, (out["bsa"], out["setting"], out["exposure"], out["drug_use"], out["best"],
                                  out["paths"], out["ae_flags"], out["outcomes"]))
    adsl.insert(1, "treated", adsl["t0_date"].notna())
    out["adsl"] = join_on_patient(adsl, (derive_response_populations(adsl, s),))
    out["patient_dates"] = derive_patient_dates(out["adsl"], t["events"], t["assessments"], t["therapies"], s)
    out["tte"], out["excluded"] = derive_endpoints(out["patient_dates"], s, p["patient_id"])
    out["attrition"] = derive_attrition(out["adsl"], out["excluded"], s.endpoints, form="study")
    out["flow"] = derive_patient_flow(out["adsl"], out["excluded"], s.endpoints, form="study")
    steps = {name: decode_patient_ids(frame, ids) if "patient_id" in frame else frame for name, frame in out.items()}
    return {**raw, **steps}


@pytest.fixture(scope="session")
def synthetic_steps():
    """The pandas reference on a 300-patient synthetic study (seed 7)."""
    return pandas_steps(synthetic_cohort(300, 7))


def engine_tables(frames: dict[str, pd.DataFrame], *names: str) -> dict:
    """The named reference frames as Ibis tables (inputs of an engine derivation)."""
    return {name: to_engine(frames[name]) for name in names}


def assert_same_table(backend, expr, expected: pd.DataFrame, sort_by=("patient_id",), rtol=0.0):
    """The engine's result of ``expr`` equals the pandas ``expected`` row for row (after sorting), to the last
    digit unless ``rtol`` says otherwise."""
    got = to_frame(backend, expr, like=expected, sort_by=sort_by)
    want = expected.sort_values(list(sort_by), kind="mergesort").reset_index(drop=True) if sort_by else expected
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_exact=not rtol, rtol=rtol or 1e-5, atol=0)
