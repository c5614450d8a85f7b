"""The test between groups chosen by the spec: weighted, stratified (equal to R survdiff, golden
golden/competing_regression.R), the trend test, and NE with a reason when it cannot be done."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.group_tests import group_tests
from blinrwe.analysis.survival import SurvivalOutput, survival_analyses
from blinrwe.errors import SpecificationError
from blinrwe.stats.logrank import logrank, logrank_trend

from .golden_cohort import GOLDEN, golden_cohort, rows


@pytest.fixture(scope="module")
def cohort():
    return golden_cohort()


def _tests(cohort, subgroups=("ph",), **kw):
    test = group_tests(cohort.adsl, **kw)
    out = survival_analyses(cohort.tte, cohort.adsl, endpoints=["OS"], variants=["none"], subgroups=list(subgroups),
                            time_unit="months", landmarks=[], out=SurvivalOutput(), group_test=test)
    ard = pd.DataFrame(out.rows)
    return ard[ard.statistic.isin(["logrank_chisq", "logrank_p", "trend_chisq", "trend_p"])]


def test_the_default_is_the_log_rank_test_of_survival_py():
    assert group_tests(pd.DataFrame({"patient_id": []})) is None


def test_stratified_peto_peto_equals_survdiff_rho_1_with_strata(cohort):
    ard = _tests(cohort, rho=1.0, strata=("site",))
    expected = GOLDEN["peto_stratified"]
    assert rows(ard, statistic="logrank_chisq")["value"].iloc[0] == pytest.approx(expected["chisq"], rel=1e-10)
    p = rows(ard, statistic="logrank_p").iloc[0]
    assert p.value == pytest.approx(expected["p"], rel=1e-8)
    assert "Peto-Peto" in p.method and "stratified by site" in p.method


def test_fleming_harrington_rho_is_passed_through(cohort):
    d = cohort.data
    ard = _tests(cohort, rho=0.5)
    direct = logrank(d.os_time, d.os_event, d.ph, rho=0.5)
    assert rows(ard, statistic="logrank_p")["value"].iloc[0] == pytest.approx(direct.p, rel=1e-12)
    assert "G(0.5)" in rows(ard, statistic="logrank_p")["method"].iloc[0]


def test_trend_is_given_beside_the_test_for_ordered_groupings(cohort):
    d = cohort.data
    ard = _tests(cohort, subgroups=("site", "ph"), trend=("site",))
    trend = rows(ard, statistic="trend_p", group_var="site").iloc[0]
    direct = logrank_trend(d.os_time, d.os_event, d.site.map({"A": 1, "B": 2, "C": 3}))
    assert trend.value == pytest.approx(direct.p, rel=1e-12)
    assert "A, B, C" in trend.method
    assert rows(ard, statistic="trend_p", group_var="ph").empty  # not ordered: no trend test
    assert len(rows(ard, statistic="logrank_p", group_var="site")) == 1


def test_stratifying_by_the_grouping_itself_is_not_estimable(cohort):
    ard = _tests(cohort, subgroups=("site",), strata=("site",))
    p = rows(ard, statistic="logrank_p").iloc[0]
    assert np.isnan(p.value) and "stratified by site" in not_estimable_reason(p.note)


def test_unknown_strata_are_left_out_and_said(cohort):
    adsl = cohort.adsl.copy()
    adsl.loc[:4, "site"] = None
    test = group_tests(adsl, strata=("site",))
    out = survival_analyses(cohort.tte, adsl, endpoints=["OS"], variants=["none"], subgroups=["ph"],
                            time_unit="months", landmarks=[], out=SurvivalOutput(), group_test=test)
    p = rows(pd.DataFrame(out.rows), statistic="logrank_p").iloc[0]
    assert p.denominator == len(adsl) - 5 and "5 patients with an unknown stratum left out" in p.method


def test_a_stratum_the_data_do_not_have_is_a_specification_error(cohort):
    with pytest.raises(SpecificationError, match="survival.strata"):
        group_tests(cohort.adsl, strata=("nope",))
