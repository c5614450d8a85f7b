"""blinrwe.derive.engine.attrition: the Ibis attrition log, and its counts (the patient flow), equal the pandas
reference on every engine."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings

import blinrwe.derive as derive
from blinrwe.derive import attrition as reference
from blinrwe.derive.endpoints import derive_endpoints as pandas_endpoints
from blinrwe.derive.engine.attrition import count_attrition, derive_attrition
from blinrwe.derive.engine.endpoints import derive_endpoints
from blinrwe.derive.engine.frames import to_engine, to_frame
from blinrwe.derive.settings import CENSORING_VARIANTS
from blinrwe.examples import synthetic_cohort

from ..test_attrition import studies
from .conftest import assert_same_table, engine_tables, pandas_steps

KEYS = ("analysis_set", "patient_id")
COUNT_KEYS = ("analysis_set", "included", "reason")


def _same_flow(backend, log, want_log, endpoints, form="study", undetermined=None, excluded=True):
    """The engine's counts of its log equal pandas' counts of the reference log, and laid out they are the
    reference's patient flow."""
    counts = count_attrition(log)
    assert_same_table(backend, counts, reference.count_attrition(want_log), sort_by=COUNT_KEYS)
    sets = reference.analysis_set_names(endpoints, with_endpoints=form == "study" and excluded)
    flow = reference.patient_flow(to_frame(backend, counts), sets, undetermined)
    pd.testing.assert_frame_equal(flow, reference.patient_flow(reference.count_attrition(want_log), sets, undetermined))
    return flow


def _check(backend, adsl, excluded, endpoints, **options):
    """Engine attrition (log and flow) against pandas on the same ADSL and exclusions; returns pandas' log."""
    want = reference.derive_attrition(adsl, excluded, endpoints, **options)
    got = derive_attrition(to_engine(adsl), None if excluded is None else to_engine(excluded), endpoints, **options)
    assert_same_table(backend, got, want, sort_by=KEYS)
    flow = _same_flow(backend, got, want, endpoints, excluded=excluded is not None, **options)
    pd.testing.assert_frame_equal(flow, reference.derive_patient_flow(adsl, excluded, endpoints, **options))
    return want


def test_attrition_equals_pandas_on_each_engine(engine_backend, synthetic_steps):
    t = engine_tables(synthetic_steps, "adsl", "excluded")
    s = derive.DeriveSettings()
    got = derive_attrition(t["adsl"], t["excluded"], s.endpoints, form="study")
    assert_same_table(engine_backend, got, synthetic_steps["attrition"], sort_by=KEYS)
    flow = _same_flow(engine_backend, got, synthetic_steps["attrition"], s.endpoints)
    pd.testing.assert_frame_equal(flow, synthetic_steps["flow"])


@pytest.mark.parametrize("seed", ["000", "001", "003"])  # RFS/CIR, EFS/DOR with variants, PFS
def test_attrition_of_presets_from_the_engine_exclusions(duckdb_backend, seed):
    """The engine's own exclusions (every variant, a cut-off inside accrual) feed the engine's log."""
    s = derive.preset(seed).with_changes(censoring_variants=CENSORING_VARIANTS, data_cutoff=dt.date(2021, 6, 30))
    steps = pandas_steps(synthetic_cohort(120, 60 + int(seed)), s)
    t = engine_tables(steps, "adsl", "patient_dates", "patients")
    _, ex = derive_endpoints(t["patient_dates"], s, t["patients"].select("patient_id"))
    got = derive_attrition(t["adsl"], ex, s.endpoints, form="study")
    assert_same_table(duckdb_backend, got, steps["attrition"], sort_by=KEYS)
    _same_flow(duckdb_backend, got, steps["attrition"], s.endpoints)
    assert steps["attrition"]["reason"].eq("origin after the data cut-off").any()


@pytest.mark.parametrize("n, seed", [(40, 4), (500, 27)])
def test_attrition_equals_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    steps = pandas_steps(synthetic_cohort(n, seed))
    _check(duckdb_backend, steps["adsl"], steps["excluded"], derive.DeriveSettings().endpoints)


def test_summary_form_and_undetermined_sets(duckdb_backend, synthetic_steps):
    undetermined = {"MRD response: MRD-positive at T0": "no MRD at the start", "OS": "no dates"}
    endpoints = ("OS", "RFS")
    want = _check(duckdb_backend, synthetic_steps["adsl"], None, endpoints, form="summary", undetermined=undetermined)
    assert want["included"].isna().any() and "OS" not in set(want["analysis_set"])
    # an undetermined endpoint set on the study form
    want = _check(duckdb_backend, synthetic_steps["adsl"], synthetic_steps["excluded"], endpoints,
                  form="study", undetermined=undetermined)
    assert want.loc[want["analysis_set"] == "OS", "included"].isna().all()


def test_untreated_missing_flags_and_endpoints_without_exclusions(duckdb_backend, synthetic_steps):
    adsl = synthetic_steps["adsl"]
    untreated = adsl["patient_id"].iloc[::7]
    missing = pd.array([pd.NA] * len(adsl), dtype="boolean")
    adsl = adsl.assign(treated=~adsl["patient_id"].isin(untreated), post_baseline_assessment=missing,
                       mrd_denominator_available=missing)
    ex = synthetic_steps["excluded"]
    # DOR has no exclusions here, CIR none at all; an endpoint absent from the exclusions: all treated enter
    ex = ex.loc[ex["endpoint"] != "DOR"]
    want = _check(duckdb_backend, adsl, ex, ("OS", "RFS", "DOR", "CIR", "PFS"))
    assert want.loc[want["patient_id"].isin(untreated), "included"].eq(False).all()
    _check(duckdb_backend, adsl, ex.iloc[0:0], ("OS", "RFS"))
    _check(duckdb_backend, adsl.iloc[0:0], ex, ("OS", "RFS"))
    _check(duckdb_backend, adsl, ex, ())


def test_several_variants_in_any_row_order(duckdb_backend, synthetic_steps):
    """pandas reads the first variant in row order, the engine the ``none`` variant: the same patients,
    as every variant of ``derive_endpoints`` has the same population."""
    s = derive.DeriveSettings(censoring_variants=("allo_hsct", "none", "car_t"), data_cutoff=dt.date(2021, 6, 30))
    _, ex = pandas_endpoints(synthetic_steps["patient_dates"], s, synthetic_steps["patients"]["patient_id"])
    shuffled = ex.sample(frac=1.0, random_state=3).reset_index(drop=True)
    want = _check(duckdb_backend, synthetic_steps["adsl"], shuffled, s.endpoints)
    pd.testing.assert_frame_equal(want, reference.derive_attrition(synthetic_steps["adsl"], ex, s.endpoints))
    _check(duckdb_backend, synthetic_steps["adsl"], ex.loc[ex["variant"] != "none"], s.endpoints)


@settings(max_examples=15)
@given(studies())
def test_the_flow_of_any_small_study_is_counted_alike(duckdb_backend, study):
    """Property: on ADSLs with flags yes / no / missing, untreated patients, endpoint populations over several
    variants and sets undetermined (none of them, some, none with patients), the engine's counted log is
    pandas' patient flow."""
    adsl, _, excluded, endpoints, undetermined = study
    _check(duckdb_backend, adsl, excluded, endpoints, undetermined=undetermined)
