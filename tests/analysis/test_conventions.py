"""The R-versus-SAS rows (analysis/conventions.py): each other-convention number is the stats function called with
the other option, on cases where the two conventions give different numbers by hand."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.ard import ard_frame, ard_row
from blinrwe.analysis.conventions import KINDS, convention_rows
from blinrwe.analysis.settings import AnalysisSettings


def tte(times, events):
    n = len(times)
    return pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)], "endpoint": "OS", "variant": "none",
                         "time_days": np.asarray(times, float), "time_months": np.asarray(times, float) / 30.4375,
                         "event": events, "event_type": np.nan})


def rows(frame, kind, statistic):
    return frame[(frame.variable == kind) & (frame.statistic == statistic)]


def test_median_flat_at_half_to_the_end_and_landmark_beyond_follow_up():
    """Events at days 1 and 2, censored at 3 and 4: S = 0.5 from day 2 to the end. R's rule: the midpoint of
    day 2 and the last time, 3; SAS: not estimable. Day 10 is beyond follow-up: NE here (SAS), R carries S(4) =
    0.5 forward. Day 1: S = 0.75 with log-log vs log CIs."""
    s = AnalysisSettings(endpoints=("OS",), cox_endpoints=(), time_unit="days", landmarks=(1.0, 10.0),
                         conventions_appendix=True)
    out = convention_rows(ard_frame([]), tte([1, 2, 3, 4], [1, 1, 0, 0]), pd.DataFrame({"patient_id": []}), s)
    assert set(out.loc[out.statistic == "convention", "variable"]) == set(KINDS)
    r, sas = rows(out, "median_rule", "as_reported").iloc[0], rows(out, "median_rule", "other_convention").iloc[0]
    assert r["value"] == 3.0 and np.isnan(sas["value"]) and sas["note"] == "not_reached"
    used, other = rows(out, "landmark_beyond", "as_reported").iloc[0], rows(out, "landmark_beyond", "other_convention").iloc[0]
    assert np.isnan(used["value"]) and other["value"] == 0.5 and other["time"] == 10.0
    a, b = rows(out, "ci_transform", "as_reported").iloc[0], rows(out, "ci_transform", "other_convention").iloc[0]
    assert a["value"] == b["value"] == 0.75 and a["lower"] != b["lower"] and a["time"] == 1.0
    # log CI by hand: 0.75 * exp(-/+ 1.96 * sqrt(1 / (4 * 3))); its upper bound is clipped at 1
    assert b["lower"] == pytest.approx(0.75 * np.exp(-1.959963984540054 * np.sqrt(1 / 12)), rel=1e-9)
    assert b["upper"] == 1.0


def test_wald_beside_clopper_pearson_for_each_response_rate():
    ard = ard_frame([ard_row("response", "response", "cr_cri", "proportion", 0.8, lower=0.519, upper=0.957, n=12,
                             denominator=15, level="overall", method="Clopper-Pearson exact binomial interval, 95% CI")])
    out = convention_rows(ard, None, pd.DataFrame({"patient_id": []}), AnalysisSettings())
    wald = rows(out, "binomial_ci", "other_convention").iloc[0]
    half = 1.959963984540054 * np.sqrt(0.8 * 0.2 / 15)
    assert (wald["lower"], wald["upper"]) == (pytest.approx(0.8 - half), 1.0)
    assert rows(out, "binomial_ci", "as_reported").iloc[0]["lower"] == 0.519


def test_cox_other_ties_and_other_stopping_rule():
    rng = np.random.default_rng(4)
    n = 40
    age = rng.normal(50, 10, n)
    t = np.round(rng.exponential(300, n)) + 1
    frame = tte(t, (rng.uniform(size=n) < 0.7).astype(int))
    adsl = pd.DataFrame({"patient_id": frame["patient_id"], "age_at_t0": age})
    s = AnalysisSettings(endpoints=(), cox_endpoints=("OS",), cox_covariates=("age_at_t0",), time_unit="days")
    out = convention_rows(ard_frame([]), frame, adsl, s)
    from blinrwe.stats.cox import cox_ph
    data = pd.DataFrame({"time_days": frame["time_days"], "event": frame["event"], "age_at_t0": age})
    breslow = cox_ph(data, "time_days", "event", ["age_at_t0"], ties="breslow")
    gconv = cox_ph(data, "time_days", "event", ["age_at_t0"], convergence="phreg_gconv")
    assert rows(out, "cox_ties", "other_convention").iloc[0]["value"] == pytest.approx(breslow.table["hr"][0], rel=1e-12)
    conv = rows(out, "cox_convergence", "other_convention").iloc[0]
    assert conv["value"] == pytest.approx(gconv.coef[0], rel=1e-12) and conv["n"] == gconv.iterations
    assert rows(out, "cox_convergence", "as_reported").iloc[0]["n"] > conv["n"]


def test_the_cox_tables_fit_refitted_gives_the_rows_a_fit_of_its_own_would():
    """The appendix refits the Cox table's model (SharedCoxModels), computed right after that table."""
    from blinrwe.analysis.conventions import convention_cox_rows, primary_model_key
    from blinrwe.analysis.regression import SharedCoxModels, cox_models
    from blinrwe.analysis.survival import split_endpoints

    rng = np.random.default_rng(7)
    n = 120
    frame = tte(np.round(rng.exponential(300, n)) + 1, (rng.uniform(size=n) < 0.6).astype(int))
    adsl = pd.DataFrame({"patient_id": frame["patient_id"], "age_at_t0": rng.normal(50, 10, n),
                         "sex": rng.choice(["F", "M"], n)})
    for ties, convergence in (("efron", "r"), ("breslow", "phreg_gconv")):
        s = AnalysisSettings(endpoints=("OS",), cox_endpoints=("OS",), cox_covariates=("age_at_t0", "sex"),
                             time_unit="days", cox_ties=ties, cox_convergence=convergence)
        parts = split_endpoints(frame, ["OS"])
        shared = SharedCoxModels([primary_model_key(adsl, s)])
        cox_models(frame, adsl, endpoints=["OS"], covariates=list(s.cox_covariates), time_column="time_days",
                   ties=ties, convergence=convergence, parts=parts, shared=shared)
        assert shared.models
        reused = ard_frame(convention_cox_rows(parts, adsl, s, shared))
        alone = ard_frame(convention_cox_rows(parts, adsl, s))
        assert len(reused) == 8
        pd.testing.assert_frame_equal(reused, alone, check_exact=True)
        whole = convention_rows(ard_frame([]), frame, adsl, s, parts=parts, cox=convention_cox_rows(parts, adsl, s))
        pd.testing.assert_frame_equal(whole, convention_rows(ard_frame([]), frame, adsl, s), check_exact=True)
    assert primary_model_key(adsl, AnalysisSettings(cox_endpoints=())) is None
