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


def test_a_column_is_factorised_once_per_study_and_its_codes_are_read_only():
    from blinrwe.analysis.array_memo import remembering

    adsl = pd.DataFrame({"setting": ["nd", "rr", None, "rr"], "flag": pd.array([True, None, False, True],
                                                                              dtype="boolean")})
    with remembering():
        codes, labels = factor_levels(adsl["setting"])
        again, labels_again = factor_levels(adsl["setting"])
        assert again is codes and labels_again == labels == ["nd", "rr"] and labels_again is not labels
        assert not codes.flags.writeable and codes.tolist() == [0, 1, -1, 1]
        assert factor_levels(adsl["flag"])[1] == ["no", "yes"]  # an extension column: computed each time
    fresh, _ = factor_levels(adsl["setting"])
    assert fresh is not codes and fresh.tolist() == codes.tolist()


def test_codes_at_positions_found_or_not():
    from blinrwe.analysis.levels import codes_at

    codes = np.array([2, 0, 1, -1])
    assert codes_at(codes, np.array([3, 0, 2])).tolist() == [-1, 2, 1]  # every patient found: one take
    assert codes_at(codes, np.array([1, -1, 0])).tolist() == [0, -1, 2]
    assert codes_at(codes, np.zeros(0, dtype=np.int64)).tolist() == []
    assert codes_at(np.zeros(0, dtype=np.int64), np.array([0, -1])).tolist() == [-1, -1]


def test_present_categorical_keeps_the_levels_present_in_label_order():
    from blinrwe.analysis.levels import present_categorical

    every = present_categorical(np.array([1, 0, 1]), ["a", "b"])
    assert list(every.categories) == ["a", "b"] and every.codes.tolist() == [1, 0, 1]
    some = present_categorical(np.array([2, -1, 2, 0]), ["a", "b", "c"])
    assert list(some.categories) == ["a", "c"] and some.codes.tolist() == [1, 1, 0]
    empty = present_categorical(np.array([-1, -1]), ["a"])
    assert list(empty.categories) == [] and len(empty) == 0
