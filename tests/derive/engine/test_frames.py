"""blinrwe.derive.engine.frames: study tables into an engine and back with their pandas dtypes."""

from blinrwe.derive.engine.frames import to_engine

from .conftest import assert_same_table


def test_every_study_table_goes_through_each_engine_unchanged(engine_backend, synthetic_steps):
    for name in ("patients", "infusions", "assessments", "events", "therapies", "adverse_events"):
        frame = synthetic_steps[name]
        assert_same_table(engine_backend, to_engine(frame), frame, sort_by=("patient_id", "source_row"))


def test_derived_tables_go_through_unchanged(duckdb_backend, synthetic_steps):
    for name in ("adsl", "tte", "responses", "cycles"):
        frame = synthetic_steps[name]
        keys = [c for c in ("patient_id", "endpoint", "variant", "assessment_date", "cycle_number") if c in frame]
        assert_same_table(duckdb_backend, to_engine(frame), frame, sort_by=keys)


def test_an_arrow_result_comes_back_as_the_pandas_derivation_holds_it():
    """Timestamps in nanoseconds, lists of codes as tuples (a missing list stays missing), whole numbers with
    gaps as nullable integers, exactly."""
    import datetime as dt

    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from blinrwe.derive.engine.frames import arrow_to_frame, as_dtype

    table = pa.table({"day": pa.array([dt.datetime(2021, 3, 4), None], pa.timestamp("us")),
                      "codes": pa.array([["KMT2A", "TP53"], None], pa.list_(pa.string())),
                      "event_type": pa.array([2**53, None], pa.int64())})
    frame = arrow_to_frame(table)
    assert frame["day"].dtype == np.dtype("datetime64[ns]") and frame["day"].iloc[0] == pd.Timestamp(2021, 3, 4)
    assert frame["codes"].tolist() == [("KMT2A", "TP53"), None]
    whole = as_dtype(frame["event_type"], pd.Int64Dtype())
    assert whole.dtype == pd.Int64Dtype() and whole.iloc[0] == 2**53 and whole.isna().tolist() == [False, True]


def test_a_parquet_file_comes_back_with_its_text_as_the_plain_conversion_gives_it(tmp_path):
    """Text read dictionary-encoded (each row group its own dictionary, missing values, an all-missing
    column) comes back as the plain read gives it: ``object`` with None, the columns asked for in order."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from blinrwe.derive.engine.frames import arrow_to_frame, read_parquet_frame

    table = pa.table({"patient_id": ["P1", "P2", None, "P4", "P1"], "time_days": [1, 2, 3, 4, 5],
                      "reason": pa.array([None] * 5, pa.string()), "endpoint": ["OS", "EFS", "OS", None, "RFS"]})
    path = tmp_path / "tte.parquet"
    pq.write_table(table, path, row_group_size=2)
    plain = arrow_to_frame(pq.read_table(path))
    read = read_parquet_frame(path, ["endpoint", "patient_id", "time_days", "reason"])
    pd.testing.assert_frame_equal(read, plain[["endpoint", "patient_id", "time_days", "reason"]], check_exact=True)
    assert read["patient_id"].tolist() == ["P1", "P2", None, "P4", "P1"] and read["reason"].tolist() == [None] * 5
    assert read["patient_id"].iloc[0] is read["patient_id"].iloc[4]  # one string per distinct text
