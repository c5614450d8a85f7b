"""RMST and survival-difference ARD rows equal R (golden/competing_regression.R); tau beyond
follow-up and a landmark beyond follow-up are NE with the reason."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.summary_measures import rmst_rows, survival_difference_rows

from .golden_cohort import GOLDEN, golden_cohort, rows


@pytest.fixture(scope="module")
def cohort():
    return golden_cohort()


def _rmst(cohort, tau, subgroups=("ph",), tte=None):
    return pd.DataFrame(rmst_rows(cohort.tte if tte is None else tte, cohort.adsl, endpoints=["OS"],
                                  variants=["none"], subgroups=list(subgroups), time_unit="months", tau=tau))


def test_rmst_per_group_equals_survfit_rmean(cohort):
    expected = GOLDEN["rmst"][0]
    ard = _rmst(cohort, expected["tau"])
    for level, rmst, se in zip(("negative", "positive"), expected["rmst"], expected["se"]):
        assert rows(ard, group=level, statistic="rmst")["value"].iloc[0] == pytest.approx(rmst, rel=1e-10)
        assert rows(ard, group=level, statistic="rmst_se")["value"].iloc[0] == pytest.approx(se, rel=1e-10)
    diff = rows(ard, statistic="rmst_diff").iloc[0]
    assert diff.level == "negative|positive" and diff.group == ""
    assert diff.value == pytest.approx(expected["rmst"][0] - expected["rmst"][1], rel=1e-10)
    half = 1.959963984540054 * np.hypot(*expected["se"])
    assert (diff.lower, diff.upper) == pytest.approx((diff.value - half, diff.value + half), rel=1e-10)
    assert rows(ard, group="Overall", statistic="rmst")["denominator"].iloc[0] == len(cohort.adsl)


def test_tau_beyond_follow_up_is_not_estimable_where_r_extrapolates(cohort):
    expected = GOLDEN["rmst"][1]  # R: 24.29 and 14.15, the curves carried flat past the last time
    ard = _rmst(cohort, expected["tau"])
    rmst = rows(ard, statistic="rmst")
    assert rmst["value"].isna().all()
    assert all("beyond the follow-up" in not_estimable_reason(n) for n in rmst["note"])
    diff = rows(ard, statistic="rmst_diff_p").iloc[0]
    assert np.isnan(diff.value) and "beyond the follow-up" in not_estimable_reason(diff.note)


def test_a_curve_that_reached_zero_is_exact_to_any_tau():
    tte = pd.DataFrame({"patient_id": ["a", "b", "c"], "endpoint": "OS", "variant": "none",
                        "time_months": [1.0, 2.0, 4.0], "event": [1, 1, 1]})
    adsl = pd.DataFrame({"patient_id": ["a", "b", "c"]})
    ard = pd.DataFrame(rmst_rows(tte, adsl, endpoints=["OS"], variants=["none"], subgroups=[], time_unit="months",
                                 tau=10.0))
    assert rows(ard, statistic="rmst")["value"].iloc[0] == pytest.approx(7 / 3)  # mean of 1, 2, 4


def test_no_tau_no_rows(cohort):
    assert _rmst(cohort, None).empty


def test_survival_difference_equals_survfit_summaries(cohort):
    expected = GOLDEN["survival_difference"]
    ard = pd.DataFrame(survival_difference_rows(cohort.tte, cohort.adsl, endpoints=["OS"], variants=["none"],
                                                subgroups=["ph", "site"], time_unit="months",
                                                landmarks=expected["times"]))
    assert set(ard["group_var"]) == {"ph"}  # site has three levels: no two-group difference
    diff = rows(ard, statistic="surv_diff").sort_values("time")
    np.testing.assert_allclose(diff["value"], expected["difference"], rtol=1e-10)
    np.testing.assert_allclose(rows(ard, statistic="surv_diff_p").sort_values("time")["value"], expected["p"],
                               rtol=1e-8)
    assert set(diff["level"]) == {"negative|positive"}


def test_a_landmark_beyond_follow_up_is_not_estimable(cohort):
    ard = pd.DataFrame(survival_difference_rows(cohort.tte, cohort.adsl, endpoints=["OS"], variants=["none"],
                                                subgroups=["ph"], time_unit="months", landmarks=[500.0]))
    assert ard["value"].isna().all()
    assert all("beyond the follow-up" in not_estimable_reason(n) for n in ard["note"])


@given(st.lists(st.tuples(st.integers(1, 30), st.booleans(), st.booleans()), min_size=2, max_size=25),
       st.floats(0.5, 40))
def test_rmst_rows_are_finite_or_explained(patients, tau):
    tte = pd.DataFrame({"patient_id": [f"p{i}" for i in range(len(patients))], "endpoint": "OS", "variant": "none",
                        "time_months": [float(t) for t, _, _ in patients], "event": [int(e) for _, e, _ in patients]})
    adsl = pd.DataFrame({"patient_id": tte["patient_id"], "arm": ["x" if a else "y" for _, _, a in patients]})
    ard = pd.DataFrame(rmst_rows(tte, adsl, endpoints=["OS"], variants=["none"], subgroups=["arm"],
                                 time_unit="months", tau=tau))
    values = ard[ard.statistic.isin(["rmst", "rmst_diff", "rmst_diff_p"])]
    for rec in values.itertuples():
        assert np.isfinite(rec.value) or not_estimable_reason(rec.note)
    est = rows(ard, statistic="rmst")["value"].dropna()
    assert ((est >= 0) & (est <= tau + 1e-12)).all()


def test_r_extends_an_all_censored_curve_flat_to_tau_which_is_ne_here():
    case = GOLDEN["rmst_flat_beyond"]  # R: group b (no event, last time 4) has rmean 10 = tau, se 0
    ids = [f"p{i}" for i in range(4)]
    tte = pd.DataFrame({"patient_id": ids, "endpoint": "OS", "variant": "none",
                        "time_months": [float(t) for t in case["time"]], "event": case["event"]})
    adsl = pd.DataFrame({"patient_id": ids, "arm": case["group"]})
    ard = pd.DataFrame(rmst_rows(tte, adsl, endpoints=["OS"], variants=["none"], subgroups=["arm"],
                                 time_unit="months", tau=case["tau"]))
    b = rows(ard, group="b", statistic="rmst").iloc[0]
    assert case["rmst"][1] == case["tau"] and np.isnan(b.value)
    assert "extrapolate the curve flat" in not_estimable_reason(b.note)
    a = rows(ard, group="a", statistic="rmst").iloc[0]  # a: the event at 2 takes the curve to 0: exact, as R
    assert a.value == pytest.approx(case["rmst"][0], rel=1e-12)


def test_the_survival_analyses_tabulations_give_the_rows_tabulating_again_would(cohort):
    """survival_difference_rows and rmst_rows reuse SurvivalOutput.counts: the same rows to the digit."""
    from blinrwe.analysis.survival import SurvivalOutput, survival_analyses

    common = dict(endpoints=["OS"], variants=["none"], subgroups=["ph"], time_unit="months")
    out = survival_analyses(cohort.tte, cohort.adsl, landmarks=[6, 12], out=SurvivalOutput(), **common)
    for fn, extra in ((survival_difference_rows, dict(landmarks=[6, 12])), (rmst_rows, dict(tau=12))):
        again = pd.DataFrame(fn(cohort.tte, cohort.adsl, **common, **extra))
        shared = pd.DataFrame(fn(cohort.tte, cohort.adsl, counts=out.counts, **common, **extra))
        assert len(again)
        pd.testing.assert_frame_equal(shared, again, check_exact=True)
    other_unit = pd.DataFrame(survival_difference_rows(cohort.tte, cohort.adsl, counts=out.counts, landmarks=[180],
                                                       **{**common, "time_unit": "days"}))
    direct = pd.DataFrame(survival_difference_rows(cohort.tte, cohort.adsl, landmarks=[180],
                                                   **{**common, "time_unit": "days"}))
    pd.testing.assert_frame_equal(other_unit, direct, check_exact=True)  # other times: tabulated here
