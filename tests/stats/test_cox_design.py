"""The design matrix of a proportional-hazards model as R's model.matrix builds it (treatment contrasts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.cox_design import _design_matrix, _strata_codes


def test_a_categorical_covariate_gets_one_column_per_level_after_the_reference():
    frame = pd.DataFrame({"age": [40.0, 50.0, 60.0, 70.0], "ph": ["pos", "neg", "unknown", "neg"],
                          "setting": pd.Categorical(["rr", "nd", "rr", "rr"], categories=["rr", "nd", "other"])})
    x, names, terms = _design_matrix(frame, ["age", "ph", "setting"])
    assert names == ["age", "ph[pos]", "ph[unknown]", "setting[nd]"]  # sorted text: neg first; categories: rr
    assert terms == {"age": ["age"], "ph": ["ph[pos]", "ph[unknown]"], "setting": ["setting[nd]"]}
    np.testing.assert_array_equal(x, [[40, 1, 0, 0], [50, 0, 0, 1], [60, 0, 1, 0], [70, 0, 0, 0]])


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"ph": ["neg", "neg"]}), "single category"),
    (pd.DataFrame({"ph": [1.0, np.inf]}), "infinite value at row position 1"),
])
def test_a_covariate_without_information_is_refused_with_its_name(frame, message):
    with pytest.raises(StatisticalInputError, match=message):
        _design_matrix(frame, ["ph"])


def test_strata_of_several_columns_are_their_combinations_in_sorted_order():
    frame = pd.DataFrame({"a": ["y", "x", "y", "x"], "b": [1, 1, 2, 1]})
    np.testing.assert_array_equal(_strata_codes(frame, ["a", "b"]), [1, 0, 2, 0])
    np.testing.assert_array_equal(_strata_codes(frame, []), [0, 0, 0, 0])
