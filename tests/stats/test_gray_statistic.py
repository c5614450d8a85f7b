"""Gray's test (blinrwe.stats.gray_statistic) against R cmprsk::cuminc (golden values from
tests/stats/golden/cif.R)."""

from __future__ import annotations

import numpy as np
import pytest

from blinrwe.stats.competing_risks import cumulative_incidence, gray_test

from .test_competing_risks import CASES, GOLDEN, RTOL, run_case


@pytest.mark.parametrize("case", [c for c in CASES if "tests" in c["expected"]],
                         ids=[c["name"] for c in CASES if "tests" in c["expected"]])
def test_gray_test_matches_r(case):
    tests = case["expected"]["tests"]
    got = run_case(case).gray_test
    assert list(got["cause"]) == tests["cause"]
    np.testing.assert_allclose(got["stat"], tests["stat"], rtol=RTOL)
    np.testing.assert_allclose(got["p"], tests["p"], rtol=RTOL)
    np.testing.assert_array_equal(got["df"], tests["df"])


def test_gray_test_function_and_labels():
    d = GOLDEN["datasets"]["bmt"]
    names = np.where(np.array(d["status"]) == 1, "relapse", np.where(np.array(d["status"]) == 2, "death", "censored"))
    res = cumulative_incidence(d["time"], names, "relapse", group=d["group"], censored="censored")
    assert res.causes == ("death", "relapse") and res.cause == "relapse"
    by_code = gray_test(d["time"], d["status"], 1, d["group"])
    np.testing.assert_allclose(res.gray_test.set_index("cause").loc["relapse", "stat"], by_code["stat"].iloc[0])
    assert "Gray" in res.gray_method and "Aalen-Johansen" in res.method


def test_gray_test_singular_variance_is_not_estimable():
    """Group b is censored before any event: no information (cmprsk prints stat -1, p 1); NaN with the reason."""
    res = cumulative_incidence([1, 2, 3, 4, 0.5, 0.7], [1, 2, 1, 0, 0, 0], 1, group=list("aaaabb"))
    gray = res.gray_test
    assert gray["stat"].isna().all() and gray["p"].isna().all()
    assert gray["note"].str.startswith("variance of the score is singular").all()
    ok = cumulative_incidence([1, 1, 2, 2], [1, 1, 2, 1], 1, group=list("abab")).gray_test
    assert (ok["note"] == "").all() and ok["p"].notna().all()
