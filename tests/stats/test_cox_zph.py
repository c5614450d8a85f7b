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


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_the_fits_own_likelihood_gives_the_test_a_new_one_would(ties):
    """cox_zph reuses the fit's likelihood of the same rows (its last evaluation was at the estimate);
    the test is that of a likelihood built again, to the last digit."""
    from dataclasses import replace

    rng = np.random.default_rng(2)
    n = 300
    data = pd.DataFrame({"time": rng.integers(1, 50, n).astype(float), "event": rng.integers(0, 2, n),
                         "age": rng.normal(50, 10, n), "arm": rng.choice(["a", "b"], n)})
    fit = cox_ph(data, "time", "event", ["age", "arm"], ties=ties)
    assert fit._design.likelihood is not None
    alone = replace(fit, _design=replace(fit._design, likelihood=None))
    for transform in ("km", "rank"):
        pd.testing.assert_frame_equal(cox_zph(fit, transform).table, cox_zph(alone, transform).table,
                                      check_exact=True)
    many = pd.concat([data] * 10, ignore_index=True)
    merged = cox_ph(many.assign(age=0.0 + (many["age"] > 50)), "time", "event", ["age"], ties=ties)
    assert merged._design.likelihood is None  # merged rows: the test builds the likelihood of every row
    assert np.isfinite(cox_zph(merged).table["chisq"]).all()
