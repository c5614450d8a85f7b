"""blinrwe.derive.engine.therapy_paths: the Ibis therapy paths equal the pandas reference on every engine."""

import pandas as pd
import pytest

from blinrwe.derive import therapy_paths as reference
from blinrwe.derive.engine.therapy_paths import derive_therapy_paths
from blinrwe.examples import synthetic_cohort

from .conftest import assert_same_table, engine_tables, pandas_steps


def _check(backend, patients, therapies):
    want = reference.derive_therapy_paths(patients, therapies)
    t = engine_tables({"patients": patients, "therapies": therapies}, "patients", "therapies")
    assert_same_table(backend, derive_therapy_paths(t["patients"], t["therapies"]), want)
    return want


def test_paths_equal_pandas_on_each_engine(engine_backend, synthetic_steps):
    t = engine_tables(synthetic_steps, "patients", "therapies")
    assert_same_table(engine_backend, derive_therapy_paths(t["patients"], t["therapies"]), synthetic_steps["paths"])


@pytest.mark.parametrize("n, seed", [(40, 3), (150, 17), (500, 31)])
def test_paths_equal_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    steps = pandas_steps(synthetic_cohort(n, seed))
    want = _check(duckdb_backend, steps["patients"], steps["therapies"])
    assert want["further_treatment"].any()


def test_no_therapies_gives_path_none(duckdb_backend, synthetic_steps):
    want = _check(duckdb_backend, synthetic_steps["patients"], synthetic_steps["therapies"].iloc[0:0])
    assert set(want["therapy_path"]) == {"none"}


def test_long_paths_ties_and_missing_order_keys(duckdb_backend, synthetic_steps):
    th = synthetic_steps["therapies"]
    first = th.drop_duplicates("patient_id")
    # same sequence number and date as the first therapy (order: source row), then one without
    # a sequence number (every other patient) or without a date (the others)
    tie = first.assign(therapy_type="car_t", source_row=first["source_row"] + 100_000)
    even = (pd.RangeIndex(len(first)) % 2 == 0)
    undated = first.assign(therapy_type="allo_hsct", sequence_number=first["sequence_number"].where(even),
                           start_date=first["start_date"].where(~even),
                           source_row=first["source_row"] + 200_000)
    longer = pd.concat([th, tie, undated] + [first.assign(sequence_number=first["sequence_number"] + k,
                                                          source_row=first["source_row"] + 300_000 + k)
                                             for k in range(10, 22)], ignore_index=True)
    longer = longer.astype({"sequence_number": "Int64"})
    want = _check(duckdb_backend, synthetic_steps["patients"], longer)
    assert want["n_subsequent_therapies"].max() >= 15
