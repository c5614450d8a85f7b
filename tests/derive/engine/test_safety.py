"""blinrwe.derive.engine.safety: the Ibis AE table and ADSL safety flags equal the pandas reference."""

import datetime as dt

import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive import safety as reference
from blinrwe.derive.engine.safety import derive_adverse_events, derive_ae_flags
from blinrwe.examples import synthetic_cohort

from .conftest import assert_same_table, engine_tables, pandas_steps

KEYS = ("patient_id", "term")


def _check(backend, steps, settings):
    """Engine AE table and flags against the pandas derivation of the same inputs."""
    want_ae = reference.derive_adverse_events(steps["adverse_events"], steps["exposure"], settings)
    want_flags = reference.derive_ae_flags(want_ae, steps["patients"]["patient_id"])
    t = engine_tables(steps, "adverse_events", "exposure", "patients")
    ae = derive_adverse_events(t["adverse_events"], t["exposure"], settings)
    assert_same_table(backend, ae, want_ae, sort_by=KEYS)
    assert_same_table(backend, derive_ae_flags(ae, t["patients"]), want_flags)
    return want_ae, want_flags


def test_ae_table_and_flags_equal_pandas_on_each_engine(engine_backend, synthetic_steps):
    t = engine_tables(synthetic_steps, "adverse_events", "exposure", "patients")
    ae = derive_adverse_events(t["adverse_events"], t["exposure"], derive.DeriveSettings())
    assert_same_table(engine_backend, ae, synthetic_steps["ae"], sort_by=KEYS)
    assert_same_table(engine_backend, derive_ae_flags(ae, t["patients"]), synthetic_steps["ae_flags"])


@pytest.mark.parametrize("n, seed", [(40, 2), (150, 13), (500, 29)])
def test_ae_equal_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    steps = pandas_steps(synthetic_cohort(n, seed))
    want, _ = _check(duckdb_backend, steps, derive.DeriveSettings())
    assert len(want)


@pytest.mark.parametrize("changes", [{"ae_days_after_last_infusion": 0}, {"ae_days_after_last_infusion": 30},
                                     {"data_cutoff": dt.date(2020, 6, 30)}])
def test_ae_window_and_cutoff_settings(duckdb_backend, synthetic_steps, changes):
    _check(duckdb_backend, synthetic_steps, derive.DeriveSettings().with_changes(**changes))


def test_preset_003(duckdb_backend):
    steps = pandas_steps(synthetic_cohort(120, 3), derive.preset("003"))
    _check(duckdb_backend, steps, derive.preset("003"))


def test_no_adverse_events_gives_grade_zero_flags(duckdb_backend, synthetic_steps):
    steps = {**synthetic_steps, "adverse_events": synthetic_steps["adverse_events"].iloc[0:0]}
    want_ae, want_flags = _check(duckdb_backend, steps, derive.DeriveSettings())
    assert want_ae.empty and not want_flags["any_ae"].any()


def test_untreated_patient_and_same_day_episodes(duckdb_backend, synthetic_steps):
    exposure = synthetic_steps["exposure"]
    ae = synthetic_steps["adverse_events"]
    untreated = ae["patient_id"].iloc[0]
    exposure = exposure.assign(t0_date=exposure["t0_date"].where(exposure["patient_id"] != untreated))
    # every episode twice on the same onset date, once graded one higher (capped at 5)
    twin = ae.assign(grade=(ae["grade"] + 1).clip(upper=5))
    steps = {**synthetic_steps, "exposure": exposure, "adverse_events": pd.concat([ae, twin], ignore_index=True)}
    want_ae, _ = _check(duckdb_backend, steps, derive.DeriveSettings())
    assert untreated not in set(want_ae["patient_id"])
