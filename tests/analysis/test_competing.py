"""Competing-risk ARD rows and curves equal direct cumulative_incidence calls."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.competing import CAUSES, competing_risk_analyses
from blinrwe.analysis.survival import SurvivalOutput
from blinrwe.stats.competing_risks import cumulative_incidence

LANDMARKS = [6.0, 12.0]


@pytest.fixture(scope="module")
def run(analysis_data):
    out = competing_risk_analyses(analysis_data.tte, analysis_data.adsl, endpoints=["CIR"], variants=["none"],
                                  subgroups=["disease_setting"], time_unit="months", landmarks=LANDMARKS,
                                  out=SurvivalOutput())
    rows, curves, risk = out.frames()
    return pd.DataFrame(rows), curves, risk


def _cir(data):
    tte = data.tte
    return tte[(tte.endpoint == "CIR") & (tte.variant == "none")]


def test_overall_rows_equal_direct_call(analysis_data, run):
    ard, curves, _ = run
    sel = _cir(analysis_data)
    ci = cumulative_incidence(sel.time_months.to_numpy(), sel.event_type.to_numpy(), 1)
    for cause, name in CAUSES.items():
        rows = ard[(ard.variable == name) & (ard.group == "Overall")]
        events = rows[rows.statistic == "events"].iloc[0]
        assert (events.n, events.denominator) == (int((sel.event_type == cause).sum()), len(sel))
        direct = ci.at(LANDMARKS, cause=cause)
        got = rows[rows.statistic == "cif"].sort_values("time")
        np.testing.assert_array_equal(got.time, direct.time)
        np.testing.assert_array_equal(got.value, direct.estimate)
        np.testing.assert_array_equal(got.lower, direct.lower)
        np.testing.assert_array_equal(got.upper, direct.upper)
        assert set(got.method) == {ci.method}
        curve = curves[(curves.analysis == f"{name}:none:") & (curves.group == "Overall")]
        assert (curve.time.iloc[0], curve.estimate.iloc[0]) == (0.0, 0.0)
        table = ci.table[(ci.table.cause == cause)]
        np.testing.assert_array_equal(curve.estimate.iloc[1:], table.estimate)
        assert set(curve.kind) == {"cif"}


def test_gray_test_rows_equal_direct_call(analysis_data, run):
    ard, curves, risk = run
    sel = _cir(analysis_data)
    group = sel[["patient_id"]].merge(analysis_data.adsl[["patient_id", "disease_setting"]])["disease_setting"]
    ci = cumulative_incidence(sel.time_months.to_numpy(), sel.event_type.to_numpy(), 1, group=group.to_numpy())
    for rec in ci.gray_test.itertuples(index=False):
        name = CAUSES[int(rec.cause)]
        rows = ard[(ard.variable == name) & (ard.group_var == "disease_setting") & (ard.group == "")]
        stat = rows[rows.statistic == "gray_stat"].iloc[0]
        p = rows[rows.statistic == "gray_p"].iloc[0]
        assert (stat.value, p.value) == (rec.stat, rec.p)
        assert stat.method == ci.gray_method and p.denominator == len(sel)
    for g in ci.groups:
        direct = ci.at(LANDMARKS, cause=1)
        direct = direct[direct.group == g]
        got = ard[(ard.variable == "CIR") & (ard.group == g) & (ard.statistic == "cif")].sort_values("time")
        np.testing.assert_array_equal(got.value, direct.estimate)
    assert set(risk.group) == {"Overall", *ci.groups}
    assert (risk.groupby("analysis").time.min() == 0).all()


def test_no_rows_for_absent_endpoint(analysis_data):
    out = competing_risk_analyses(analysis_data.tte, analysis_data.adsl, endpoints=["NRM_absent"], variants=["none"],
                                  subgroups=[], time_unit="months", landmarks=LANDMARKS)
    rows, curves, _ = out.frames()
    assert rows == [] and curves.empty


def test_singular_gray_test_is_not_estimable_with_its_reason():
    """Group b is censored before any event: Gray's test rows carry NaN and the reason (cmprsk would print p = 1)."""
    from blinrwe.analysis.competing import _one

    out = SurvivalOutput()
    _one(np.array([1, 2, 3, 4, 0.5, 0.7]), np.array([1, 2, 1, 0, 0, 0]), np.array(list("aaaabb")), LANDMARKS,
         "months", 0.95, dict(), "none", "disease_setting", out, np.array([0.0, 6.0]))
    gray = [r for r in out.rows if r["statistic"] in ("gray_stat", "gray_p")]
    assert gray and all(np.isnan(r["value"]) and "variance of the score" in not_estimable_reason(r["note"])
                        for r in gray)


# --- tests that cannot be computed; bounds while F = 0 (issue 7) -------------------------


def _tiny(times, types, groups, endpoint="CIR", landmarks=(0.5, 6.0)):
    ids = [f"P{i}" for i in range(len(times))]
    tte = pd.DataFrame({"patient_id": ids, "endpoint": endpoint, "variant": "none", "time_months": times,
                        "event": [int(t > 0) for t in types], "event_type": types})
    adsl = pd.DataFrame({"patient_id": ids, "arm": pd.Series(groups, dtype=object)})
    out = competing_risk_analyses(tte, adsl, endpoints=[endpoint], variants=["none"], subgroups=["arm"],
                                  time_unit="months", landmarks=list(landmarks), out=SurvivalOutput())
    rows, curves, _ = out.frames()
    return pd.DataFrame(rows), curves


def test_gray_test_that_cannot_be_computed_is_not_estimable_with_a_reason():
    # one relapse per group at the same time and nobody else: zero variance, R cuminc gives NaN
    ard, _ = _tiny([1.0, 1.0], [1, 1], ["a", "b"])
    for statistic in ("gray_stat", "gray_p"):
        row = ard[(ard.statistic == statistic) & (ard.variable == "CIR")].iloc[0]
        assert np.isnan(row.value) and "Gray's test of CIR" in not_estimable_reason(row.note)


def test_failed_grouped_analysis_is_labelled_by_its_endpoint(monkeypatch):
    # the grouped estimate cannot fail on data analysis itself prepares, so the stats error is injected
    from blinrwe.analysis import competing
    from blinrwe.errors import StatisticalInputError

    def grouped_fails(time, event_type, cause, group=None, **kwargs):
        if group is not None:
            raise StatisticalInputError("injected failure of the grouped estimate")
        return cumulative_incidence(time, event_type, cause, group=group, **kwargs)

    monkeypatch.setattr(competing, "cumulative_incidence", grouped_fails)
    ard, _ = _tiny([1.0, 2.0, 3.0, 4.0], [1, 2, 0, 2], ["a", "a", "b", "b"], endpoint="CIR_CR")
    failed = ard[(ard.statistic == "gray_p") & (ard.group_var == "arm")]
    assert list(failed.variable) == ["CIR_CR"] and np.isnan(failed.value.item())  # was "CIR" whatever the endpoint
    assert not_estimable_reason(failed.note.item()) == "injected failure of the grouped estimate"


def test_incidence_of_zero_has_bounds_zero_zero():
    # F = 0 before the first event of the cause: (0, 0), the counterpart of S = 1 with (1, 1)
    ard, curves = _tiny([1.0, 2.0, 8.0, 9.0, 10.0], [0, 2, 1, 0, 1], ["a"] * 5)
    cif = ard[(ard.statistic == "cif") & (ard.group == "Overall")]
    zero = cif[cif.value == 0]
    assert len(zero) == 3 and (zero[["lower", "upper"]].to_numpy() == 0).all()  # CIR at 0.5, 6; NRM at 0.5
    start = curves[curves.estimate == 0]
    assert len(start) and (start[["lower", "upper"]].to_numpy() == 0).all()
