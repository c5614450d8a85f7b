"""Landmark and time-dependent analyses of groupings defined after the start (analysis/post_baseline.py).

The numbers are the stats functions' (checked against R in tests/stats); here: the right patients, times
and states reach them, degenerate groupings are NE with a reason, the Simon-Makuch risk sets move between
the states, and the methods say what was done."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis import AnalysisSettings, analyse_study
from blinrwe.analysis.post_baseline import switch_times
from blinrwe.derive import derive_analysis_data
from blinrwe.examples import synthetic_cohort
from blinrwe.stats.cox import cox_ph
from blinrwe.derive.time_dependent import derive_counting_process
from blinrwe.stats.landmark import landmark
from blinrwe.stats.mantel_byar import mantel_byar


@pytest.fixture(scope="module")
def data():
    return derive_analysis_data(synthetic_cohort(150, 5))


def _settings(**changes):
    base = dict(endpoints=("OS",), cox_endpoints=(), subgroups=("allo_hsct_after",), within=(),
                postbaseline_landmarks=(3.0, 6.0))
    return AnalysisSettings(**{**base, **changes})


@pytest.fixture(scope="module")
def results(data):
    return analyse_study(data, _settings())


def _pb(res, group_var="allo_hsct_after", endpoint="OS"):
    a = res.ard
    return a[(a.section == "post_baseline") & (a.group_var == group_var) & (a.variable == endpoint)]


def _value(rows, statistic, group="", time=None):
    sel = rows[(rows.statistic == statistic) & (rows.group == group)]
    if time is not None:
        sel = sel[sel.time == time]
    assert len(sel) == 1, (statistic, group, time)
    return sel.iloc[0]


def _os(data):
    tte = data.tte[(data.tte.endpoint == "OS") & (data.tte.variant == "none")]
    return tte, tte["time_months"].to_numpy(float), tte["event"].to_numpy(int), switch_times(
        tte, data.adsl, "allo_hsct_after", "months")


def test_the_numbers_are_the_stats_functions_on_the_patients_days_and_states(data, results):
    tte, time, event, switch = _os(data)
    rows = _pb(results)
    mb = mantel_byar(time, event, switch)
    assert _value(rows, "mantel_byar_chisq")["value"] == pytest.approx(mb.chisq, rel=1e-12)
    assert _value(rows, "n_switched")["value"] == mb.n_switched > 0
    frame = pd.DataFrame({"id": tte["patient_id"].to_numpy(), "time": time, "event": event, "sw": switch})
    iv = derive_counting_process(frame, id="id", time="time", event="event", switches={"state": "sw"})
    fit = cox_ph(iv[iv.tstop > iv.tstart], "tstop", "event", ["state"], start="tstart")
    hr = _value(rows, "td_hr", "yes")
    assert (hr["value"], hr["lower"], hr["upper"]) == pytest.approx(tuple(fit.table.iloc[0][["hr", "lower", "upper"]]))
    for at in (3.0, 6.0):
        lm = landmark(time, event, switch, at)
        assert _value(rows, "landmark_logrank_p", time=at)["value"] == pytest.approx(lm.test.p, rel=1e-12)
        assert _value(rows, "landmark_n", "yes", at)["value"] == lm.n_at_risk[1]
        assert _value(rows, "landmark_n", "no", at)["value"] == lm.n_at_risk[0]
        assert _value(rows, "landmark_excluded", time=at)["value"] == lm.n_excluded


def test_the_switch_is_the_transplant_day_from_the_endpoint_origin(data):
    tte, _, _, switch = _os(data)
    adsl = data.adsl.set_index("patient_id").loc[tte["patient_id"]]
    days = (adsl["allo_hsct_date"] - tte["origin_date"].to_numpy()).dt.days.to_numpy(float)
    yes = adsl["allo_hsct_after"].fillna(False).to_numpy(bool)
    np.testing.assert_allclose(switch[yes], days[yes] / 30.4375)
    assert np.isnan(switch[~yes]).all()


def test_simon_makuch_risk_sets_move_between_the_states(data, results):
    """At every tick after 0 each patient still at risk is in exactly one state: the two risk rows add up to
    the whole cohort's number at risk, and the transplanted curve starts empty."""
    risk = results.risk_tables
    sm = risk[risk.analysis == "OS:none:allo_hsct_after:simon_makuch"]
    overall = risk[(risk.analysis == "OS:none:") & (risk.group == "Overall")].set_index("time")["n_risk"]
    by_time = sm.groupby("time")["n_risk"].sum()
    later = by_time.index[by_time.index > 0]
    assert (by_time[later] == overall.reindex(later)).all()
    first = sm[sm.time == 0].set_index("group")["n_risk"]
    tte, _, _, switch = _os(data)
    assert first["yes"] == int((switch == 0).sum())
    curves = results.curves
    assert set(curves.loc[curves.analysis.str.endswith(":simon_makuch"), "group"]) == {"no", "yes"}
    assert (curves.loc[curves.kind == "landmark", "analysis"].str.contains(":landmark=")).all()


def test_every_row_is_free_of_the_immortal_time_flag_and_methods_say_why(results):
    rows = results.ard[results.ard.section == "post_baseline"]
    assert not rows["note"].str.contains("immortal_time", regex=False).any()
    text = " ".join(results.methods["text"])
    assert "without immortal time" in text and "Mantel-Byar" in text and "landmark" in text
    assert "were not applied" not in text


@pytest.mark.parametrize("method, tables", [("time_dependent", {"post_baseline_td"}),
                                            ("landmark", {"post_baseline_landmark"}), ("none", set()),
                                            ("both", {"post_baseline_td", "post_baseline_landmark"})])
def test_the_method_chooses_the_analyses(data, method, tables):
    res = analyse_study(data, _settings(postbaseline_method=method))
    assert set(res.ard.loc[res.ard.section == "post_baseline", "table"]) == tables


def _with(data, **adsl_columns):
    return replace(data, adsl=data.adsl.assign(**adsl_columns))


def test_nobody_switches_is_not_estimable_with_reasons(data):
    res = analyse_study(_with(data, allo_hsct_after=False), _settings())
    rows = _pb(res)
    assert np.isnan(_value(rows, "mantel_byar_p")["value"])
    assert "nobody enters the state" in _value(rows, "mantel_byar_p")["note"]
    assert "nobody enters the state" in _value(rows, "td_hr", "yes")["note"]
    assert "no patient at risk at the landmark has entered" in _value(rows, "landmark_logrank_p", time=3.0)["note"]


def test_everyone_in_the_state_from_the_start_is_not_estimable(data):
    res = analyse_study(_with(data, allo_hsct_after=True, allo_hsct_date=data.adsl["t0_date"]), _settings())
    rows = _pb(res)
    assert "every patient is in the state from the start" in _value(rows, "td_hr", "yes")["note"]
    assert "every patient at risk at the landmark has entered" in _value(rows, "landmark_logrank_p",
                                                                          time=3.0)["note"]


def test_a_landmark_beyond_follow_up_is_not_estimable(data):
    res = analyse_study(data, _settings(postbaseline_landmarks=(500.0,), postbaseline_method="landmark"))
    rows = _pb(res)
    assert "nobody is event-free under follow-up beyond the landmark" in _value(
        rows, "landmark_logrank_p", time=500.0)["note"]
    assert _value(rows, "landmark_n", "yes", 500.0)["value"] == 0
    assert _value(rows, "landmark_excluded", time=500.0)["value"] == len(_os(data)[0])


def test_within_a_subset_only_its_patients_and_not_twice(data):
    res = analyse_study(data, _settings(within=(("responder", "allo_hsct_after"),), subgroups=("disease_setting",),
                                        endpoints=("OS", "DOR")))
    responders = int(data.adsl["responder"].fillna(False).sum())
    rows = _pb(res, "allo_hsct_after|responder")
    assert _value(rows, "n_switched")["denominator"] == responders
    # DOR counts only responders: by HSCT among responders is DOR by HSCT, given once
    both = analyse_study(data, _settings(within=(("responder", "allo_hsct_after"),), endpoints=("DOR",)))
    groups = set(both.ard.loc[both.ard.section == "post_baseline", "group_var"])
    assert groups == {"allo_hsct_after"}


def test_a_subset_alone_gives_the_endpoint_among_it(data):
    res = analyse_study(data, _settings(within=(("best_response=CR",),), subgroups=(), endpoints=("DOR",)))
    rows = res.ard[(res.ard.group_var == "best_response|best_response=CR") & (res.ard.statistic == "events")]
    n_cr = int((data.adsl["best_response"] == "CR").sum())
    assert set(rows["group"]) == {"CR"} and 0 < rows["denominator"].iloc[0] <= n_cr
    assert not (res.ard.section == "post_baseline").any()  # no grouping after the start: nothing to add
    assert not res.ard.loc[res.ard.group_var == "best_response|best_response=CR", "note"].str.contains(
        "immortal_time").any()  # nothing is compared


def test_a_state_entered_before_the_origin_holds_from_the_start(data):
    """DOR starts at the first response; MRD negativity found with it (or before) is the state from day 0."""
    dor = data.tte[(data.tte.endpoint == "DOR") & (data.tte.variant == "none")]
    switch = switch_times(dor, data.adsl, "mrd_negative_overall", "days")
    assert np.nanmin(switch) >= 0
    res = analyse_study(data, _settings(endpoints=("DOR",), subgroups=("mrd_negative_overall",)))
    assert (res.ard.section == "post_baseline").any()
