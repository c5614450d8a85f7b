"""Survival difference at fixed times against R (tests/stats/golden/survival_difference.R) and edge cases."""

import json
from pathlib import Path

import numpy as np
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.survival_difference import survival_difference

GOLDEN = json.loads((Path(__file__).parent / "golden" / "survival_difference.json").read_text())
CASES = {k: v for k, v in GOLDEN.items() if not k.startswith("_")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_survfit_summaries(name):
    c = CASES[name]
    fit = survival_difference(c["time"], c["status"], c["group"], c["times"])
    assert fit.groups == tuple(c["levels"])
    for column, key in (("survival_1", "surv1"), ("survival_2", "surv2"), ("difference", "difference"),
                        ("se", "se"), ("lower", "lower"), ("upper", "upper"), ("p", "p")):
        np.testing.assert_allclose(fit.table[column], c[key], rtol=1e-6, err_msg=column)


def test_beyond_follow_up_of_either_group_is_not_estimable():
    fit = survival_difference([1, 2, 3, 10, 12, 14], [1, 0, 1, 1, 0, 0], ["a"] * 3 + ["b"] * 3, [2, 5])
    assert fit.table["estimable"].tolist() == [True, False]
    assert np.isnan(fit.table.loc[1, ["difference", "se", "p"]].astype(float)).all()


def test_two_levels_are_required():
    with pytest.raises(StatisticalInputError, match="exactly two levels"):
        survival_difference([1, 2, 3], [1, 0, 1], ["a", "b", "c"], [1])
