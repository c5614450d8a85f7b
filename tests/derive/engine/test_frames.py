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
