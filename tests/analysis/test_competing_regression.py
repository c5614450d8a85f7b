"""Cause-specific Cox beside Fine-Gray for CIR: ARD rows equal R coxph and cmprsk::crr
(golden/competing_regression.R), degenerate cohorts give NE with the reason."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.competing_regression import competing_regression

from .golden_cohort import GOLDEN, golden_cohort, rows


@pytest.fixture(scope="module")
def cohort():
    return golden_cohort()


def _fit(cohort, covariates=("age", "ph"), **kw):
    return competing_regression(cohort.tte, cohort.adsl, endpoints=["CIR", "OS"], covariates=list(covariates), **kw)


def test_cause_specific_cox_equals_coxph_with_deaths_censored(cohort):
    ard = _fit(cohort)
    expected = GOLDEN["cause_specific"]
    cs = rows(ard, table="cause_specific_cox")
    for term, coef, p in zip(("age", "ph[positive]"), expected["coef"], expected["p"]):
        got = rows(cs, level=term)
        assert got.loc[got.statistic == "coef", "value"].iloc[0] == pytest.approx(coef, rel=1e-8)
        assert got.loc[got.statistic == "hr", "value"].iloc[0] == pytest.approx(np.exp(coef), rel=1e-8)
        assert got.loc[got.statistic == "cox_p", "value"].iloc[0] == pytest.approx(p, rel=1e-6)
    assert rows(cs, level="ph[negative]", statistic="hr")["note"].iloc[0] == "reference"
    relapses = int((cohort.data.status == 1).sum())
    assert set(rows(cs, statistic="hr")["n"]) == {relapses}
    competing = rows(cs, statistic="events", level="competing")
    assert competing["value"].iloc[0] == int((cohort.data.status == 2).sum())


def test_fine_gray_equals_crr(cohort):
    ard = _fit(cohort)
    expected = GOLDEN["fine_gray"]
    fg = rows(ard, table="fine_gray")
    for term, coef, se, p in zip(("age", "ph[positive]"), expected["coef"], expected["se"], expected["p"]):
        got = rows(fg, level=term)
        assert got.loc[got.statistic == "coef", "value"].iloc[0] == pytest.approx(coef, rel=1e-6)
        shr = got[got.statistic == "shr"].iloc[0]
        assert shr.value == pytest.approx(np.exp(coef), rel=1e-6)
        assert shr.lower == pytest.approx(np.exp(coef - 1.959963984540054 * se), rel=1e-6)
        assert got.loc[got.statistic == "fg_p", "value"].iloc[0] == pytest.approx(p, rel=1e-5)


def test_only_competing_risk_endpoints_are_modelled(cohort):
    ard = _fit(cohort)
    assert set(ard["variable"]) == {"CIR"}
    assert set(ard["section"]) == {"competing_regression"}


def test_a_level_without_relapses_is_not_estimable_with_the_reason(cohort):
    assert GOLDEN["cause_specific_rare"]["relapses_in_yes"] == 0  # R: coef -18 (monotone likelihood)
    ard = _fit(cohort, covariates=("rare",))
    for table, statistic in (("cause_specific_cox", "hr"), ("fine_gray", "shr")):
        row = rows(ard, table=table, level="rare[yes]", statistic=statistic).iloc[0]
        assert np.isnan(row.value)
        assert "no relapses in level yes of rare" in not_estimable_reason(row.note) or \
            "no events in level yes of rare" in not_estimable_reason(row.note)


def test_no_relapses_at_all_gives_one_not_estimable_row_per_model(cohort):
    tte = cohort.tte.copy()
    cir = tte.endpoint == "CIR"
    tte.loc[cir, "event_type"] = tte.loc[cir, "event_type"].replace(1, 0)
    tte.loc[cir, "event"] = 0
    ard = competing_regression(tte, cohort.adsl, endpoints=["CIR"], covariates=["age", "ph"])
    for table in ("cause_specific_cox", "fine_gray"):
        got = rows(ard, table=table)
        assert len(got) == 1 and got.value.isna().all()
        assert "no relapses" in not_estimable_reason(got.note.iloc[0])


def test_a_constant_covariate_is_not_estimable_and_nothing_raises(cohort):
    adsl = cohort.adsl.assign(ph="negative")
    ard = competing_regression(cohort.tte, adsl, endpoints=["CIR"], covariates=["ph"])
    assert ard["value"].isna().all()
    assert all(not_estimable_reason(n) for n in ard["note"])


def test_no_covariates_no_rows(cohort):
    assert competing_regression(cohort.tte, cohort.adsl, endpoints=["CIR"], covariates=[]).empty
    assert competing_regression(cohort.tte, cohort.adsl, endpoints=["CIR"], covariates=["absent"]).empty


def test_strata_go_to_the_cause_specific_model_and_are_not_covariates(cohort):
    ard = _fit(cohort, covariates=("age", "site"), strata=("site",))
    cs = rows(ard, table="cause_specific_cox", statistic="hr")
    assert list(cs["level"]) == ["age"] and "stratified by site" in cs["method"].iloc[0]
    assert list(rows(ard, table="fine_gray", statistic="shr")["level"]) == ["age"]


def test_rows_are_patients_with_every_covariate_known(cohort):
    adsl = cohort.adsl.copy()
    adsl.loc[:9, "ph"] = None
    ard = competing_regression(cohort.tte, adsl, endpoints=["CIR"], covariates=["age", "ph"])
    assert set(rows(ard, table="fine_gray", statistic="shr")["denominator"]) == {len(adsl) - 10}
    assert isinstance(ard, pd.DataFrame)


def test_where_crr_stops_on_a_cause_without_events_the_report_gets_ne(cohort):
    assert GOLDEN["crr_no_cause_events_fails"]  # R: "system is exactly singular"
    tte = cohort.tte.copy()
    cir = tte.endpoint == "CIR"
    tte.loc[cir, "event_type"] = tte.loc[cir, "event_type"].replace(1, 0)
    ard = competing_regression(tte, cohort.adsl, endpoints=["CIR"], covariates=["age", "ph"])
    assert "no relapses" in not_estimable_reason(rows(ard, table="fine_gray")["note"].iloc[0])
