"""AE counts by worst grade per patient and term."""

import pandas as pd

from blinrwe.analysis.safety import safety_table


def test_worst_grade_counting():
    ae = pd.DataFrame({"patient_id": ["a", "a", "b", "c"], "term": ["CRS", "CRS", "CRS", "infection"],
                       "worst_grade": [1, 3, 2, 4]})
    ard = safety_table(ae, ["a", "b", "c", "d"]).set_index(["variable", "statistic"])
    assert ard.loc[("CRS", "grade_any"), "value"] == 2
    assert ard.loc[("CRS", "grade_1_2"), "value"] == 1  # b only: a's worst grade is 3
    assert ard.loc[("CRS", "grade_3plus"), "value"] == 1
    assert ard.loc[("CRS", "grade_3"), "value"] == 1
    assert ard.loc[("any", "grade_any"), "value"] == 3
    assert ard.loc[("any", "grade_any"), "denominator"] == 4
    assert ard.loc[("infection", "grade_3plus_pct"), "value"] == 25.0
