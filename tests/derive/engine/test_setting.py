"""blinrwe.derive.engine.setting: the Ibis disease setting, intent, relapse number, MRD and burden at T0
equal the pandas reference on every engine."""

import numpy as np
import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive import setting as reference
from blinrwe.derive.engine import setting as engine
from blinrwe.derive.engine.frames import to_engine
from blinrwe.derive.settings import CutPoints
from blinrwe.derive.study_tables import study_tables
from blinrwe.examples import synthetic_cohort

from .conftest import assert_same_table


def _check(backend, patients, settings):
    want = reference.derive_setting(patients, settings)
    assert_same_table(backend, engine.derive_setting(to_engine(patients), settings), want)
    return want


def test_setting_equals_pandas_on_each_engine(engine_backend, synthetic_steps):
    assert_same_table(engine_backend, engine.derive_setting(to_engine(synthetic_steps["patients"]),
                                                            derive.DeriveSettings()), synthetic_steps["setting"])


@pytest.mark.parametrize("n, seed", [(40, 2), (150, 13), (500, 29)])
def test_setting_equals_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    want = _check(duckdb_backend, study_tables(synthetic_cohort(n, seed))["patients"], derive.DeriveSettings())
    assert want["intent_source"].eq("recorded").any() and want["burden_t0_pooled"].notna().any()


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_setting_follows_each_preset(duckdb_backend, synthetic_steps, seed):
    _check(duckdb_backend, synthetic_steps["patients"], derive.preset(seed))


def test_each_part_equals_its_pandas_part(duckdb_backend, synthetic_steps):
    p, s = synthetic_steps["patients"], derive.DeriveSettings()
    t = to_engine(p)
    assert_same_table(duckdb_backend, engine.derive_intent(t), reference.derive_intent(p))
    assert_same_table(duckdb_backend, engine.derive_relapse_number(t), reference.derive_relapse_number(p))
    assert_same_table(duckdb_backend, engine.derive_mrd_status_at_t0(t, s), reference.derive_mrd_status_at_t0(p, s))
    assert_same_table(duckdb_backend, engine.derive_burden_classes(t, s), reference.derive_burden_classes(p, s))


def _every_combination(patients: pd.DataFrame) -> pd.DataFrame:
    """One patient per combination of setting, status at T0, recorded intent, relapse type and number,
    MRD, and marrow blasts on and around every cut-point (including infinities and missing values)."""
    settings = ["newly_diagnosed", "relapsed_refractory", None]
    statuses = ["CR", "CRi", "non_CR", "unknown", None]
    intents = [None, "rr_consolidation"]
    rr_types = ["primary_refractory", "relapsed", None]
    numbers = [None, 0, 1, 2, 3, 4, 7, -1]
    mrd = [(None, None), ("unknown", 2e-4), ("negative", 1e-3), (None, 1e-4), (None, 0.99e-4), ("unknown", None)]
    blasts = [None, 4.999, 5.0, 15.0, 15.001, 25.0, 50.0, 50.001, 0.0, np.inf, -np.inf]
    rows = []
    k = 0
    for ds in settings:
        for st in statuses:
            for it in intents:
                for rt in rr_types:
                    for n in numbers:
                        m = mrd[k % len(mrd)]
                        rows.append({"disease_setting": ds, "disease_status_at_t0": st, "intent": it,
                                     "rr_type": rt, "relapse_number": n, "mrd_status_at_t0": m[0],
                                     "mrd_at_t0": m[1], "bm_blast_pct_at_t0": blasts[k % len(blasts)],
                                     "bm_blast_pct_at_diagnosis": blasts[(k * 7 + 3) % len(blasts)]})
                        k += 1
    frame = pd.DataFrame(rows)
    template = patients.iloc[[0] * len(frame)].reset_index(drop=True)
    for col in frame.columns:
        template[col] = frame[col].astype(patients[col].dtype)
    template["patient_id"] = [f"P{i:04d}" for i in range(len(frame))]
    return template


def test_every_combination_and_the_open_ends_of_the_cut_points(duckdb_backend, synthetic_steps):
    p = _every_combination(synthetic_steps["patients"])
    s = derive.DeriveSettings().with_changes(burden_classes={
        **derive.DeriveSettings().burden_classes,
        "three_right": CutPoints((10.0, 20.0), ("<=10", "10-20", ">20"), closed="right")})
    want = _check(duckdb_backend, p, s)
    # the combinations reach every derived label and source
    assert {"frontline_unknown", "rr_reinduction", "rr_unknown"} <= set(want["intent_derived"].dropna())
    assert set(want["disease_status_class"].dropna()) >= {"primary_refractory", ">=4R", "relapsed_unknown_number"}
    assert set(want["mrd_status_at_t0_source"]) == {"recorded", "derived", "missing"}
    # +inf is outside the left-closed classes, -inf outside the right-closed ones (pandas.cut)
    blasts = p["bm_blast_pct_at_t0"]
    assert want.loc[blasts == np.inf, "burden_t0_ge5"].isna().all()
    assert want.loc[blasts == -np.inf, "burden_t0_gt15"].isna().all()
    assert want.loc[blasts == -np.inf, "burden_t0_ge5"].eq("<5").all()


def test_all_missing_columns_and_no_patients(duckdb_backend, synthetic_steps):
    p = synthetic_steps["patients"].copy()
    for col in ("intent", "disease_status_at_t0", "mrd_status_at_t0", "rr_type", "disease_setting"):
        p[col] = pd.Series([None] * len(p), dtype=object)
    for col in ("relapse_number",):
        p[col] = pd.array([pd.NA] * len(p), dtype="Int64")
    for col in ("mrd_at_t0", "bm_blast_pct_at_t0", "bm_blast_pct_at_diagnosis"):
        p[col] = np.nan
    want = _check(duckdb_backend, p, derive.DeriveSettings())
    assert set(want["intent_source"]) == {"missing"} and want["setting"].isna().all()
    _check(duckdb_backend, synthetic_steps["patients"].iloc[0:0], derive.DeriveSettings())
