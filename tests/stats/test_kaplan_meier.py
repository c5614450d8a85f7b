"""Kaplan-Meier against R survival golden values (tests/stats/golden/km_logrank.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.counts import event_counts_from_table
from blinrwe.stats.kaplan_meier import kaplan_meier, kaplan_meier_from_counts

GOLDEN = json.loads((Path(__file__).parent / "golden" / "km_logrank.json").read_text())
CASES = GOLDEN["km"]
REL = 1e-6


def _arr(values):
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), _arr(expected), rtol=REL, atol=1e-12, equal_nan=True)


def _none_or(x):
    return np.nan if x is None else x


def _fit(case):
    return kaplan_meier(np.atleast_1d(case["time"]), np.atleast_1d(case["event"]), conf_type=case["conf_type"])


def _id(case):
    return f"{case['name']}-{case['conf_type']}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_table_equals_survfit(case):
    if case["table"]["time"] is None:
        pytest.skip("empty")
    fit = _fit(case)
    table = fit.table
    exp = case["table"]
    assert list(table.columns) == ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]
    for col in ("time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper"):
        _close(table[col], exp[col])
    # JSON writes R's Inf (everyone at risk had the event) as null.
    _close(np.where(np.isinf(fit.se_log), np.nan, fit.se_log), exp["se_cumhaz"])
    # R's survfit std.err is the SE of the cumulative hazard; ours is of S.
    with np.errstate(invalid="ignore"):
        _close(table["std_err"], _arr(exp["survival"]) * _arr(exp["se_cumhaz"]))


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_quantiles_equal_quantile_survfit(case):
    fit = _fit(case)
    q = case["quantiles"]
    for i, p in enumerate(q["p"]):
        got = fit.quantile(p)
        _close([_none_or(got.estimate), _none_or(got.lower), _none_or(got.upper)],
               [_arr(q["estimate"])[i], _arr(q["lower"])[i], _arr(q["upper"])[i]])


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_landmarks_equal_summary_times(case):
    fit = _fit(case)
    lm = case["landmarks"]
    got = fit.at(lm["time"])
    last = np.max(case["time"])
    final_zero = fit.table["survival"].iloc[-1] == 0
    within = (got["time"] <= last).to_numpy() | final_zero
    assert got["estimable"].tolist() == within.tolist()
    for col in ("n_risk", "survival", "std_err", "lower", "upper"):
        _close(got[col][within], _arr(lm[col])[within])
    # Beyond the last observation R carries the estimate forward; we return NaN (not estimable).
    assert got.loc[~within, ["survival", "std_err", "lower", "upper"]].isna().all().all()


NEAR_TIES = json.loads((Path(__file__).parent / "golden" / "near_ties.json").read_text())


def test_near_ties_are_one_time_as_survfit():
    """Issue 7: 0.1 + 0.2 and 0.3 are one time with 2 events (R survfit's timefix), not two rows."""
    tab = kaplan_meier([0.1 + 0.2, 0.3, 1], [1, 1, 0]).table
    assert tab["time"].tolist() == [0.3, 1.0]
    assert tab["n_event"].tolist() == [2, 0] and tab["n_risk"].tolist() == [3, 1]


@pytest.mark.parametrize("case", NEAR_TIES["km"], ids=lambda c: c["name"])
def test_near_ties_equal_survfit(case):
    fit = kaplan_meier([float(t) for t in case["time"]], case["event"])  # times as "%.17g" text: exact
    exp = case["table"]
    for col in ("time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper"):
        _close(fit.table[col], exp[col])
    _close(np.where(np.isinf(fit.se_log), np.nan, fit.se_log), exp["se_cumhaz"])
    q = case["quantiles"]
    for i, p in enumerate(q["p"]):
        got = fit.quantile(p)
        _close([_none_or(got.estimate), _none_or(got.lower), _none_or(got.upper)],
               [_arr(q["estimate"])[i], _arr(q["lower"])[i], _arr(q["upper"])[i]])


def test_hand_example():
    # 6 subjects: events at 2, 3, 5, 9; censored at 3 and 7.
    fit = kaplan_meier([2, 3, 3, 5, 7, 9], [1, 1, 0, 1, 0, 1])
    s = fit.table["survival"].to_numpy()
    np.testing.assert_allclose(s, [5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 4 / 9, 0])
    greenwood = 4 / 9 * np.sqrt(1 / (6 * 5) + 1 / (5 * 4) + 1 / (3 * 2))
    assert fit.table["std_err"].iloc[2] == pytest.approx(greenwood)
    assert fit.median().estimate == 5
    assert fit.method == "Kaplan-Meier; Greenwood variance; log-log CI; Brookmeyer-Crowley quantile CI"


def test_flat_at_half_midpoint_rule_and_sas_rule():
    fit = kaplan_meier([1, 2, 3, 5, 6, 7], [1] * 6)
    assert fit.median().estimate == 4.0  # midpoint of the flat segment [3, 5)
    assert fit.median(rule="sas").estimate == 4.0  # SAS documents the same midpoint
    to_end = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0])
    assert to_end.median().estimate == 4.5  # R: midpoint with the last observation time
    assert to_end.median(rule="sas").estimate is None  # SAS: no later event time


def test_sas_rule_interval_from_event_times():
    fit = kaplan_meier(GOLDEN["km"][8]["time"], GOLDEN["km"][8]["event"], conf_type="log-log")  # aml
    q = fit.median(rule="sas")
    events = set(fit.table.loc[fit.table["n_event"] > 0, "time"])
    assert q.estimate in events and q.lower in events and (q.upper is None or q.upper in events)
    assert q.lower <= q.estimate and (q.upper is None or q.estimate <= q.upper)
    assert q.rule == "sas" and "SAS" in q.method


SAS = json.loads((Path(__file__).parent / "golden" / "sas_lifetest.json").read_text())


def _sas_fit(case):
    d = SAS["datasets"][case["data"]]
    if case["data"] == "whas500":
        keep = np.array(d["afb"]) == case["afb"]
        return kaplan_meier(np.array(d["lenfoly"])[keep], np.array(d["fstat"])[keep])
    return kaplan_meier(d["time"], d["event"])


def _as_printed(got, printed, decimals):
    """A value equals SAS's printed one to its last printed digit; None (SAS '.' / NE) is not estimable."""
    if printed is None:
        assert got is None or np.isnan(got), (got, printed)
    else:
        assert got is not None and abs(got - printed) <= 0.5 * 10.0 ** -decimals + 1e-9, (got, printed)


@pytest.mark.parametrize("case", SAS["cases"], ids=lambda c: c["name"])
def test_sas_rule_equals_published_proc_lifetest(case):
    """rule="sas" quartiles with their CIs, and landmarks (also beyond follow-up), equal SAS PROC LIFETEST
    output published by the CAMIS project (golden/sas_lifetest.json cites it); CONFTYPE=LOGLOG."""
    fit = _sas_fit(case)
    dec = case["decimals"]
    for q in case["quartiles"]:
        got = fit.quantile(q["percent"] / 100, rule="sas")
        for key in ("estimate", "lower", "upper"):
            _as_printed(getattr(got, key), q[key], dec["time"])
    at = fit.at([lm["time"] for lm in case["landmarks"]])
    for lm, row in zip(case["landmarks"], at.itertuples(index=False)):
        _as_printed(row.survival, lm["survival"], dec["survival"])
        if "std_err" in lm:
            _as_printed(row.std_err, lm["std_err"], dec["std_err"])
        _as_printed(row.lower, lm["lower"], dec["ci"])
        _as_printed(row.upper, lm["upper"], dec["ci"])


def test_sas_upper_bound_is_ne_when_the_last_event_takes_the_curve_to_0():
    """Issue 7: the upper bound came out as the last event time (SAS prints NE)."""
    q = kaplan_meier([54, 75, 77, 84, 87, 92, 103, 105, 112, 118], [1] * 5 + [0] * 4 + [1]).quantile(0.75, rule="sas")
    assert (q.estimate, q.lower, q.upper) == (118, 87, None)


def test_not_reached_is_none():
    q = kaplan_meier([2, 4, 6], [0, 0, 0]).median()
    assert q.estimate is None and not q.reached and q.lower is None and q.upper is None


def test_from_aggregated_counts_equals_individual():
    time = GOLDEN["km"][16]["time"]  # tied whole days
    event = GOLDEN["km"][16]["event"]
    df = pd.DataFrame({"time": time, "event": event})
    agg = df.groupby("time")["event"].agg(n_event="sum", n_censor=lambda e: int((e == 0).sum())).reset_index()
    a = kaplan_meier_from_counts(event_counts_from_table(agg)).table
    b = kaplan_meier(time, event).table
    pd.testing.assert_frame_equal(a, b)


def test_result_is_frozen():
    fit = kaplan_meier([1, 2, 3], [1, 0, 1])
    with pytest.raises(ValueError):
        fit.surv[0] = 0.5


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: kaplan_meier([1, 2], [1, 2]), "event has value 2 at position 1"),
        (lambda: kaplan_meier([1, -1], [1, 1]), "time has a negative value at position 1"),
        (lambda: kaplan_meier([], []), "no subjects"),
        (lambda: kaplan_meier([1], [1], level=1.5), "level must be between 0 and 1"),
        (lambda: kaplan_meier([1], [1]).quantile(2), "p must be between 0 and 1"),
        (lambda: kaplan_meier([1], [1]).quantile(0.5, rule="stata"), "rule must be 'r' or 'sas'"),
        (lambda: kaplan_meier([1], [1]).at([-1]), "times must be landmark times >= 0"),
        (lambda: kaplan_meier_from_counts([1, 2]), "counts must be an EventCounts"),
    ],
)
def test_errors(call, message):
    with pytest.raises(StatisticalInputError) as err:
        call()
    assert message in str(err.value)


# --- properties against the naive reference (hypothesis) ----------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.stats.reference import kaplan_meier_reference  # noqa: E402

_subjects = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1)), min_size=1, max_size=40)


@settings(max_examples=50, deadline=None)
@given(_subjects, st.sampled_from(["plain", "log", "log-log", "arcsine"]))
def test_properties(subjects, conf_type):
    time = [t for t, _ in subjects]
    event = [e for _, e in subjects]
    fit = kaplan_meier(time, event, conf_type=conf_type)
    tab = fit.table
    s = tab["survival"].to_numpy()
    # survival is monotone non-increasing in [0, 1]
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) <= 1e-15)
    # the CI contains the estimate wherever it is defined
    ok = tab["lower"].notna() & tab["upper"].notna()
    assert np.all(tab.loc[ok, "lower"] <= tab.loc[ok, "survival"] + 1e-12)
    assert np.all(tab.loc[ok, "survival"] <= tab.loc[ok, "upper"] + 1e-12)
    # naive == fast
    ref = np.array(kaplan_meier_reference(time, event), dtype=float)
    np.testing.assert_allclose(tab[["time", "n_risk", "n_event", "n_censor", "survival"]].to_numpy(), ref[:, :5],
                               rtol=1e-12)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(tab["std_err"].to_numpy(), np.where(np.isinf(ref[:, 5]), np.nan, ref[:, 5]),
                                   rtol=1e-10, equal_nan=True)
    # invariant to row order
    rev = kaplan_meier(time[::-1], event[::-1], conf_type=conf_type).table
    pd.testing.assert_frame_equal(tab, rev)
    # counts from an aggregate == counts from individuals
    df = pd.DataFrame({"time": time, "event": event})
    agg = df.groupby("time")["event"].agg(n_event="sum", n_censor=lambda e: int((e == 0).sum())).reset_index()
    pd.testing.assert_frame_equal(kaplan_meier_from_counts(event_counts_from_table(agg), conf_type=conf_type).table, tab)
    # the median CI brackets the median
    q = fit.median()
    if q.estimate is not None and q.lower is not None:
        assert q.lower <= q.estimate
    if q.estimate is not None and q.upper is not None:
        assert q.estimate <= q.upper


# --- whole-number float days (the counting pass) give the general path's curve ----------------

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1)), min_size=1, max_size=60))
@example([(0, 0)])  # one subject, censored at 0
@example([(4, 0), (4, 0), (7, 0)])  # all censored, ties
@example([(0, 1), (0, 1)])  # everyone dies at day 0
def test_whole_float_days_give_the_general_path_km(rows):
    """float64 days = int64 days = the sorting path (forced by + 0.5 days, times shifted back)."""
    days = np.array([r[0] for r in rows], dtype=np.int64)
    event = np.array([r[1] for r in rows])
    general = kaplan_meier(days + 0.5, event)
    for km in (kaplan_meier(days.astype(float), event), kaplan_meier(days, event)):
        shifted = general.table.assign(time=general.table["time"] - 0.5)
        pd.testing.assert_frame_equal(km.table, shifted)
        a, b = km.median(), general.median()
        for x, y in ((a.estimate, b.estimate), (a.lower, b.lower), (a.upper, b.upper)):
            assert (x is None and y is None) or x + 0.5 == y
        pd.testing.assert_frame_equal(km.at([0.0, 10.0, 20.0]).drop(columns="time"),
                                      general.at([0.5, 10.5, 20.5]).drop(columns="time"))
