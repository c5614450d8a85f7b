"""blinrwe.derive.engine.analysis_data: ``AnalysisData.adsl_rows`` on the engine path, and the ADSL put in
order in this process (written in no order with each row's patient order)."""

import numpy as np
import pyarrow as pa
import pytest

import blinrwe.derive as derive
from blinrwe.derive.engine.analysis_data import PATIENT_ORDER, _in_patient_order, derive_analysis_data
from blinrwe.examples import synthetic_cohort


@pytest.fixture(scope="module")
def study():
    return synthetic_cohort(60, 11)


def test_each_rows_adsl_row_is_its_patients_and_the_pandas_derivations_on_each_engine(engine_backend, study):
    """The ADSL is sorted by ``patient_id`` and a patient's order is the rank of its id among the study's
    patients, so ``adsl_rows`` points each ``tte`` (and adverse event) row at its own patient's ADSL row:
    the rows the pandas derivation gives."""
    got = derive_analysis_data(study, backend=engine_backend)
    want = derive.derive_analysis_data(study)
    assert set(got.adsl_rows) == {"tte", "adverse_events"} <= set(want.adsl_rows)
    ids = got.adsl["patient_id"].to_numpy()
    for name, rows in got.adsl_rows.items():
        frame = getattr(got, name)
        assert rows.dtype == np.int64 and len(rows) == len(frame) > 0
        assert (ids[rows] == frame["patient_id"].to_numpy()).all(), name
        np.testing.assert_array_equal(rows, want.adsl_rows[name], err_msg=name)
        assert rows.dtype == want.adsl_rows[name].dtype


def test_rows_in_no_order_come_back_in_patient_order():
    table = pa.table({"patient_id": ["P3", "P1", "P2"], PATIENT_ORDER: [2, 0, 1]})
    ordered, rows = _in_patient_order(table, sort=True)
    assert ordered.column_names == ["patient_id"] and ordered.column("patient_id").to_pylist() == ["P1", "P2", "P3"]
    np.testing.assert_array_equal(rows, [0, 1, 2])
    # a patient without an order comes last, and no ADSL rows are claimed
    ordered, rows = _in_patient_order(pa.table({"patient_id": ["P9", "P1"], PATIENT_ORDER: [None, 0]}), sort=True)
    assert ordered.column("patient_id").to_pylist() == ["P1", "P9"] and rows is None
    # a dataset in its own order keeps it; its orders are its ADSL rows unless one is missing
    kept, rows = _in_patient_order(pa.table({"patient_id": ["P2", "P1"], PATIENT_ORDER: [1, 0]}), sort=False)
    assert kept.column("patient_id").to_pylist() == ["P2", "P1"] and list(rows) == [1, 0]
    assert _in_patient_order(pa.table({"patient_id": ["P2"], PATIENT_ORDER: pa.array([None], pa.int64())}),
                             sort=False)[1] is None


def test_an_untreated_study_has_adsl_rows_for_its_empty_adverse_events(duckdb_backend):
    """No adverse event at all: the (empty) dataset still has its (empty) ADSL rows, as pandas gives."""
    study = synthetic_cohort(20, 4)
    tables = {name: frame.iloc[:0] if name == "adverse_events" else frame for name, frame in study.tables.items()}
    from dataclasses import replace

    none = replace(study, tables=tables)
    got, want = derive_analysis_data(none, backend=duckdb_backend), derive.derive_analysis_data(none)
    assert len(got.adverse_events) == 0 and set(got.adsl_rows) == {"tte", "adverse_events"}
    for name, rows in got.adsl_rows.items():
        np.testing.assert_array_equal(rows, want.adsl_rows[name], err_msg=name)
