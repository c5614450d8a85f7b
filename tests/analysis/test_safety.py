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


def test_derived_any_term_not_counted_twice():
    """AnalysisData.adverse_events already holds an "any" row per patient; it must not add to the count."""
    ae = pd.DataFrame({"patient_id": ["a", "a", "a", "b", "b"], "term": ["CRS", "fever", "any", "CRS", "any"],
                       "worst_grade": [1, 3, 3, 2, 2]})
    ard = safety_table(ae, ["a", "b", "c"]).set_index(["variable", "statistic"])
    assert ard.loc[("any", "grade_any"), "value"] == 2
    assert ard.loc[("any", "grade_3plus"), "value"] == 1 and ard.loc[("any", "grade_1_2"), "value"] == 1
    assert ard.loc[("any", "grade_any_pct"), "value"] == 100.0 * 2 / 3
    assert list(ard.index.get_level_values(0).unique()) == ["any", "CRS", "fever"]


def test_no_adverse_events():
    ae = pd.DataFrame({"patient_id": pd.Series(dtype=object), "term": pd.Series(dtype=object),
                       "worst_grade": pd.Series(dtype="Int64")})
    ard = safety_table(ae, ["a", "b"]).set_index(["variable", "statistic"])
    assert ard.loc[("any", "grade_any"), "value"] == 0 and ard.loc[("any", "grade_any"), "denominator"] == 2
