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


def test_from_counts_equals_the_difference_from_the_rows():
    """The analysis passes the Kaplan-Meier curves' tabulation (tabulated once): the same table."""
    import pandas as pd

    from blinrwe.stats.counts import grouped_event_counts
    from blinrwe.stats.survival_difference import survival_difference_from_counts

    rng = np.random.default_rng(3)
    time, event, group = rng.integers(1, 30, 200).astype(float), rng.integers(0, 2, 200), rng.choice(["a", "b"], 200)
    want = survival_difference(time, event, group, [5, 10, 40])
    got = survival_difference_from_counts(grouped_event_counts(time, event, group), [5, 10, 40])
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    assert got.groups == want.groups
    with pytest.raises(StatisticalInputError, match="exactly two levels"):
        survival_difference_from_counts(grouped_event_counts(time, event, rng.choice(["a", "b", "c"], 200)), [5])
    censored = survival_difference_from_counts(grouped_event_counts(time, np.zeros(200, int), group), [5])
    assert censored.table["difference"].tolist() == [0.0]  # all censored: both curves at 1
