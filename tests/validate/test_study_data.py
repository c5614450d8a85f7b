"""StudyData checks its own shape (built by blinrwe, so violations are bugs)."""

import pytest

from blinrwe.model import ALL_TABLES
from blinrwe.validate import StudyData
from blinrwe.validate.study_data import empty_table


def test_empty_summary_study():
    s = StudyData({"patient_summary": empty_table(ALL_TABLES["patient_summary"])}, "summary", "x")
    assert s.n_patients == 0 and s.patient_table.empty


def test_wrong_columns_are_rejected():
    frame = empty_table(ALL_TABLES["patient_summary"]).drop(columns=["sex"])
    with pytest.raises(ValueError):
        StudyData({"patient_summary": frame}, "summary", "x")


def test_wrong_tables_are_rejected():
    with pytest.raises(ValueError):
        StudyData({"patients": empty_table(ALL_TABLES["patients"])}, "study", "x")
