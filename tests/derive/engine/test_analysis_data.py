"""blinrwe.derive.engine.analysis_data: the whole study derived in an engine equals the pandas
derivation, dataset by dataset and row for row (on DuckDB; Spark: tests/app/test_pipeline.py)."""

import datetime as dt

import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive.engine.analysis_data import DATASETS, TTE_PATIENTS, derive_analysis_data
from blinrwe.examples import synthetic_cohort


def assert_same_analysis_data(got, want):
    for name in DATASETS:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True, obj=name)
    assert got.settings == want.settings and got.form == want.form and got.unavailable == want.unavailable


@pytest.fixture(scope="module")
def study():
    return synthetic_cohort(300, 7)


def test_the_whole_study_is_the_same_in_duckdb(duckdb_backend, study):
    """Spark runs the whole study in tests/app/test_pipeline.py (one run per engine, same results.csv)."""
    assert_same_analysis_data(derive_analysis_data(study, backend=duckdb_backend), derive.derive_analysis_data(study))


@pytest.mark.parametrize("n, seed", [(25, 2), (400, 19)])
def test_the_whole_study_is_the_same_across_synthetic_studies(duckdb_backend, n, seed):
    study = synthetic_cohort(n, seed)
    assert_same_analysis_data(derive_analysis_data(study, backend=duckdb_backend), derive.derive_analysis_data(study))


@pytest.mark.parametrize("settings", [derive.preset(name) for name in sorted(derive.PRESETS)]
                         + [derive.DeriveSettings().with_changes(data_cutoff=dt.date(2021, 6, 30))])
def test_the_whole_study_is_the_same_under_each_preset(duckdb_backend, study, settings):
    assert_same_analysis_data(derive_analysis_data(study, settings, backend=duckdb_backend),
                              derive.derive_analysis_data(study, settings))


def test_a_study_without_its_events_and_therapies_is_the_same_and_says_so(duckdb_backend, study):
    """Absent tables (empty, named in ``absent``): the same datasets, the same analyses unavailable, the
    same analysis sets not determined."""
    from dataclasses import replace

    gone = {"events", "assessments", "therapies"}
    tables = {name: frame.iloc[:0] if name in gone else frame for name, frame in study.tables.items()}
    left_out = replace(study, tables=tables, absent=frozenset(gone))
    settings = derive.DeriveSettings().with_changes(censoring_variants=("none", "allo_hsct"))
    got = derive_analysis_data(left_out, settings, backend=duckdb_backend)
    assert_same_analysis_data(got, derive.derive_analysis_data(left_out, settings))
    assert {"OS", "deaths", "response", "subsequent therapy", "censoring variants"} <= set(got.unavailable)
    efficacy = got.attrition[got.attrition["analysis_set"] == "efficacy"]
    assert efficacy["included"].isna().all() and (efficacy["reason"] == got.unavailable["response"]).all()


def test_a_summary_form_study_is_derived_by_pandas(duckdb_backend):
    from blinrwe.examples.seed003 import seed003_summary

    study = seed003_summary()
    assert_same_analysis_data(derive_analysis_data(study, backend=duckdb_backend), derive.derive_analysis_data(study))


def test_the_steps_no_dataset_still_to_be_written_reads_are_dropped(duckdb_backend):
    """Before each dataset is written, the step tables left unread by it and the later ones leave the
    engine (their memory would otherwise be spilled under the limit), and those still read stay."""
    from blinrwe.derive.engine.analysis_data import _release_unread
    from blinrwe.derive.engine.frames import to_engine

    def names():
        return set(duckdb_backend.raw_sql("SELECT table_name FROM duckdb_tables()").fetchdf()["table_name"])

    before = names()
    read, unread = (duckdb_backend._cached_table(to_engine(pd.DataFrame({"patient_id": ["P1"], "x": [i]})))
                    for i in (1, 2))
    held = [read, unread]
    _release_unread(duckdb_backend, held, [read.mutate(y=read.x + 1)])
    assert held == [read] and names() == before | {read.op().name}
    _release_unread(duckdb_backend, held, [])
    assert held == [] and names() == before
    # and the whole derivation leaves no step behind
    derive_analysis_data(synthetic_cohort(20, 1), backend=duckdb_backend)
    assert names() == before


def test_only_the_counts_of_the_attrition_log_leave_the_engine(duckdb_backend, study, monkeypatch):
    """The patient flow is counted in the engine: its rows are a few per analysis set, not one per set x
    patient, and the attrition log is never written out for Python to read."""
    written = []
    to_parquet = duckdb_backend.to_parquet

    def record(expr, path, *args, **kwargs):
        written.append(path.name)
        return to_parquet(expr, path, *args, **kwargs)

    monkeypatch.setattr(duckdb_backend, "to_parquet", record)
    got = derive_analysis_data(study, backend=duckdb_backend)
    # every other dataset once (and the patients the coded ``tte`` refers to)
    assert sorted(written) == sorted(f"{name}.parquet" for name in (*DATASETS, TTE_PATIENTS) if name != "attrition")
    assert len(got.attrition) < 3 * got.attrition["analysis_set"].nunique()
    assert got.attrition.groupby("analysis_set")["n"].sum().eq(len(got.adsl)).all()
