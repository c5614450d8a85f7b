"""blinrwe.derive.engine.drug_use: the Ibis vial counts equal the pandas reference on every engine."""

import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive import drug_use as reference
from blinrwe.derive.body_surface import derive_bsa
from blinrwe.derive.engine.drug_use import derive_drug_use
from blinrwe.derive.engine.exposure import derive_exposure
from blinrwe.derive.engine.frames import to_engine
from blinrwe.derive.exposure import derive_exposure as reference_exposure
from blinrwe.examples import synthetic_cohort
from tests.derive.test_exposure import infusions, patients

from .conftest import assert_same_table, engine_tables, pandas_steps

CYCLE_KEYS = ("patient_id", "cycle_number")
D = pd.Timestamp


def _check(backend, steps, settings, *, pandas_cycles=False):
    """Engine vials (from the engine's cycle table, or the pandas one) against the pandas derivation."""
    _, want_cycles_in = reference_exposure(steps["patients"], steps["infusions"], steps["bsa"], settings)
    want, want_cycles = reference.derive_drug_use(steps["patients"], steps["infusions"], steps["bsa"],
                                                  want_cycles_in, settings)
    t = engine_tables(steps, "patients", "infusions", "bsa")
    cycles = (to_engine(want_cycles_in) if pandas_cycles else
              derive_exposure(t["patients"], t["infusions"], t["bsa"], settings)[1])
    per_patient, out_cycles = derive_drug_use(t["patients"], t["infusions"], t["bsa"], cycles, settings)
    assert_same_table(backend, per_patient, want)
    assert_same_table(backend, out_cycles, want_cycles, sort_by=CYCLE_KEYS)
    return want, want_cycles


def test_drug_use_equals_pandas_on_each_engine(engine_backend, synthetic_steps):
    t = engine_tables(synthetic_steps, "patients", "infusions", "bsa")
    s = derive.DeriveSettings()
    _, cycles = derive_exposure(t["patients"], t["infusions"], t["bsa"], s)
    per_patient, cycles = derive_drug_use(t["patients"], t["infusions"], t["bsa"], cycles, s)
    assert_same_table(engine_backend, per_patient, synthetic_steps["drug_use"])
    assert_same_table(engine_backend, cycles, synthetic_steps["cycles"], sort_by=CYCLE_KEYS)


@pytest.mark.parametrize("n, seed", [(40, 6), (300, 41)])
def test_drug_use_equals_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    want, _ = _check(duckdb_backend, pandas_steps(synthetic_cohort(n, seed)), derive.DeriveSettings())
    assert (want["vials_shared"] <= want["vials_per_bag"]).all()


@pytest.mark.parametrize("settings", [derive.preset("003"), derive.DeriveSettings().with_changes(vial_strength_ug=38.5),
                                      derive.DeriveSettings().with_changes(bsa_formula="recorded")])
def test_drug_use_follows_the_settings_and_presets(duckdb_backend, settings):
    _check(duckdb_backend, pandas_steps(synthetic_cohort(120, 8), settings), settings, pandas_cycles=True)


def test_no_infusions_and_no_cycle_numbers_give_zero_vials(duckdb_backend, synthetic_steps):
    s = derive.DeriveSettings()
    want, cycles = _check(duckdb_backend, {**synthetic_steps, "infusions": synthetic_steps["infusions"].iloc[0:0]}, s)
    assert cycles.empty and want["vials_per_bag"].eq(0).all()
    unnumbered = synthetic_steps["infusions"].assign(cycle_number=pd.NA).astype({"cycle_number": "Int64"})
    want, cycles = _check(duckdb_backend, {**synthetic_steps, "infusions": unnumbered}, s)
    assert cycles.empty and want["vials_shared"].eq(0).all()


def test_missing_dose_overlap_and_vial_boundary(duckdb_backend):
    """A per-m2 rate without BSA leaves its patient's counts missing; a bag overlapped by another still counts
    its vials as prepared; 70 ug is 2 vials, not 3 (tolerance); an untreated patient uses 0."""
    pts = patients([("a", 170, 70, None), ("b", None, 30, None), ("c", 170, 70, None), ("d", 160, 60, None)])
    inf = infusions([
        ("a", 1, D("2023-01-01"), D("2023-01-07"), 9, "ug/day"),
        ("a", 1, D("2023-01-05"), D("2023-01-14"), 28, "ug/day"),
        ("a", 2, D("2023-03-01"), D("2023-03-01"), 70, "ug/day"),
        ("b", 1, D("2023-01-01"), D("2023-01-02"), 15, "ug/m2/day"),
        ("b", 2, D("2023-02-01"), D("2023-02-02"), 28, "ug/day"),
        ("d", 1, D("2023-01-01"), D("2023-01-10"), 0.7, "ug/day", 7.0),
    ])
    s = derive.DeriveSettings()
    steps = {"patients": pts, "infusions": inf, "bsa": derive_bsa(pts, s.bsa_formula)}
    want, cycles = _check(duckdb_backend, steps, s)
    assert want["vials_per_bag"].tolist()[0] == 2 + 8 + 2 and pd.isna(want["vials_shared"].iloc[1])
    assert want["vials_shared"].iloc[2] == 0 and cycles["vials_shared"].iloc[1] == 2


def test_all_missing_recorded_doses_and_bsa(duckdb_backend, synthetic_steps):
    steps = {**synthetic_steps,
             "infusions": synthetic_steps["infusions"].assign(daily_dose_ug=float("nan")),
             "bsa": synthetic_steps["bsa"].assign(bsa_m2_used=float("nan"))}
    want, _ = _check(duckdb_backend, steps, derive.DeriveSettings())
    assert want["vials_per_bag"].isna().any() and want["vials_per_bag"].notna().any()
