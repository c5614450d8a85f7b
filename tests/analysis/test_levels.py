"""ARD level labels of ADSL columns: one "yes"/"no" convention for every yes/no variable."""

import numpy as np
import pandas as pd

from blinrwe.analysis.levels import factor_levels, level_labels


def test_yes_no_whatever_the_boolean_dtype():
    plain = pd.Series([True, False, True])
    nullable = pd.Series(pd.array([True, None, False], dtype="boolean"))
    as_object = pd.Series(np.array([True, None, False], dtype=object))  # e.g. a nullable column via to_numpy()
    for values in (plain, nullable, as_object):
        codes, labels = factor_levels(values)
        assert labels == ["no", "yes"], values.dtype
    assert level_labels(as_object).tolist() == ["yes", None, "no"]
    assert level_labels(nullable).tolist() == ["yes", None, "no"]


def test_text_levels_keep_their_text():
    codes, labels = factor_levels(pd.Series(["CR", None, "NR", "CR"]))
    assert labels == ["CR", "NR"] and codes.tolist() == [0, -1, 1, 0]
    # an object column mixing booleans and text is not a yes/no variable
    assert factor_levels(pd.Series([True, "unknown"], dtype=object))[1] == ["True", "unknown"]


def test_subset_mask_of_a_yes_no_column_or_a_level():
    import pandas as pd

    from blinrwe.analysis.levels import subset_mask, subset_variable

    adsl = pd.DataFrame({"responder": pd.array([True, False, None], dtype="boolean"),
                         "best_response": ["CR", "CRi", None]})
    assert subset_mask(adsl, "responder").tolist() == [True, False, False]
    assert subset_mask(adsl, "best_response=CR").tolist() == [True, False, False]
    assert subset_mask(adsl, "responder=no").tolist() == [False, True, False]  # yes/no levels as the ARD labels
    assert (subset_variable("best_response=CR"), subset_variable("responder")) == ("best_response", "responder")


def test_patient_positions_follow_the_adsl_they_are_asked_of():
    """The Index is reused for one ADSL, rebuilt for another or for its ids replaced."""
    from blinrwe.analysis.levels import patient_positions

    adsl = pd.DataFrame({"patient_id": ["A", "B", "C"]})
    other = pd.DataFrame({"patient_id": ["C", "A"]})
    assert patient_positions(adsl, pd.Series(["C", "X", "A"])).tolist() == [2, -1, 0]
    assert patient_positions(adsl, ["B"]).tolist() == [1]
    assert patient_positions(other, ["A", "B"]).tolist() == [1, -1]
    adsl["patient_id"] = ["C", "B", "A"]
    assert patient_positions(adsl, ["A"]).tolist() == [2]
    assert patient_positions(adsl.iloc[::-1].reset_index(drop=True), ["A"]).tolist() == [0]
