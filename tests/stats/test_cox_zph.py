"""cox_zph against R survival::cox.zph (golden values from tests/stats/golden/cox.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.cox import cox_ph
from blinrwe.stats.cox_zph import cox_zph
from tests.stats.test_cox import GOLDEN, fit_case

CASES = [c for c in GOLDEN["cases"] if c["name"] != "monotone"]


@pytest.mark.parametrize("transform", ["km", "identity", "rank"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_r_cox_zph(case, transform):
    fit, _ = fit_case(case)
    result = cox_zph(fit, transform=transform)
    exp = case["expected"]["zph"][transform]
    table = result.table
    assert list(table["term"]) == [t for t in exp["term"]]
    np.testing.assert_array_equal(table["df"].to_numpy(), exp["df"])
    np.testing.assert_allclose(table["chisq"].to_numpy(), exp["chisq"], rtol=1e-6)
    np.testing.assert_allclose(table["p"].to_numpy(), exp["p"], rtol=1e-6)
    assert result.transform == transform
    assert transform in result.method


def test_km_is_the_default_transform():
    case = CASES[0]
    fit, _ = fit_case(case)
    pd.testing.assert_frame_equal(cox_zph(fit).table, cox_zph(fit, transform="km").table)


def test_errors():
    with pytest.raises(StatisticalInputError, match="result of blinrwe.stats.cox_ph"):
        cox_zph({"coef": [1.0]})
    fit, _ = fit_case(CASES[0])
    with pytest.raises(StatisticalInputError, match="transform must be one of"):
        cox_zph(fit, transform="log10")


def test_row_order_does_not_matter():
    case = next(c for c in CASES if c["name"] == "tied_strata_site")
    frame = pd.DataFrame(GOLDEN["datasets"]["tied"])
    a = cox_zph(cox_ph(frame, "time", "status", ["x1", "x2", "x3"], strata="site")).table
    b = cox_zph(cox_ph(frame.iloc[::-1], "time", "status", ["x1", "x2", "x3"], strata="site")).table
    np.testing.assert_allclose(a["chisq"], b["chisq"], rtol=1e-8)
    np.testing.assert_allclose(a["chisq"], case["expected"]["zph"]["km"]["chisq"], rtol=1e-6)
