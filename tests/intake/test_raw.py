"""RawSheet helpers."""

import pandas as pd

from blinrwe.intake import RawSheet


def test_column_by_name_and_location():
    cells = pd.DataFrame([["S1", "M"]], index=pd.Index([2]), columns=[0, 1], dtype=object)
    sheet = RawSheet("patient_summary", "p.csv", None, ("patient_id", "sex"), cells)
    assert sheet.column("sex").tolist() == ["M"]
    assert sheet.column("age") is None
    assert sheet.where == "p.csv"
