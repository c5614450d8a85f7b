"""Conforming inline frames to the declared tables."""

import pandas as pd
import pytest

from blinrwe.derive.study_tables import conform, study_form, study_tables
from blinrwe.errors import InputDataError


def test_conform_adds_every_declared_column_with_its_dtype():
    out = conform("infusions", pd.DataFrame({"patient_id": [1], "start_date": ["2023-01-01"]}))
    assert out["patient_id"].tolist() == ["1"]
    assert str(out["start_date"].dtype) == "datetime64[ns]"
    assert str(out["daily_dose_ug"].dtype) == "float64"
    assert str(out["cycle_number"].dtype) == "Int64"


def test_missing_patient_id_names_the_row():
    with pytest.raises(InputDataError, match="table 'events', row 7: patient_id is empty"):
        conform("events", pd.DataFrame({"patient_id": [None], "source_row": [7]}))


def test_study_without_patients_is_a_user_error_and_form_is_detected():
    with pytest.raises(InputDataError, match="no 'patients' table"):
        study_tables({"infusions": pd.DataFrame()})
    assert study_form({"patient_summary": pd.DataFrame()}) == "summary"
    assert study_form({"patients": pd.DataFrame()}) == "study"
