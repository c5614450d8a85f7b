"""Fine-Gray model against cmprsk::crr (tests/stats/golden/fine_gray.R), a naive loop, and invariants."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.fine_gray import fine_gray

GOLDEN = json.loads((Path(__file__).parent / "golden" / "fine_gray.json").read_text())
CASES = {k: v for k, v in GOLDEN.items() if not k.startswith("_")}


def _frame(case):
    frame = pd.DataFrame({"time": case["time"], "status": case["status"], **case["covariates"]})
    for name, levels in (case["levels"] or {}).items():
        frame[name] = pd.Categorical(frame[name], categories=levels)
    return frame


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_crr(name):
    case = CASES[name]
    fit = fine_gray(_frame(case), "time", "status", cause=case["failcode"], covariates=list(case["covariates"]))
    assert fit.converged
    np.testing.assert_allclose(fit.table["coef"], case["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.table["se"], case["se"], rtol=1e-6)
    np.testing.assert_allclose(fit.table["p"], case["p"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, (case["loglik_null"], case["loglik"]), rtol=1e-9)


def test_table_columns_terms_and_counts():
    case = CASES["bmt_relapse"]
    fit = fine_gray(_frame(case), "time", "status", cause=1, covariates=["group", "age"])
    assert list(fit.table.columns) == ["term", "coef", "se", "hr", "lower", "upper", "z", "p"]
    assert fit.table["term"].tolist() == ["group[AML_low]", "group[AML_high]", "age"]
    row = fit.table.iloc[0]
    assert row["hr"] == pytest.approx(np.exp(row["coef"]))
    assert row["lower"] == pytest.approx(np.exp(row["coef"] - 1.959963984540054 * row["se"]))
    status = np.array(case["status"])
    assert (fit.n_events, fit.n_competing, fit.n) == ((status == 1).sum(), (status == 2).sum(), status.size)


def test_a_cause_with_no_events_is_refused_with_the_reason():
    frame = pd.DataFrame({"time": [1, 2, 3, 4], "status": [2, 0, 2, 0], "x": [0.1, 0.2, 0.3, 0.4]})
    with pytest.raises(StatisticalInputError, match="no event of cause 1"):
        fine_gray(frame, "time", "status", cause=1, covariates=["x"])


def test_missing_covariates_drop_the_row_and_are_counted():
    case = CASES["tiny_ties"]
    frame = _frame(case)
    with_missing = pd.concat([frame, pd.DataFrame({"time": [2.5], "status": [1], "x": [np.nan]})], ignore_index=True)
    fit = fine_gray(with_missing, "time", "status", covariates=["x"])
    assert fit.n_dropped == 1 and fit.table["coef"].iloc[0] == pytest.approx(case["coef"], rel=1e-9)


# --- a naive second implementation ---------------------------------------------------------


def _g_before(time, status, t):
    """Censoring Kaplan-Meier just before t, one subject at a time."""
    g = 1.0
    for u in sorted(set(time)):
        if u >= t:
            break
        n = sum(1 for x in time if x >= u)
        c = sum(1 for x, s in zip(time, status) if x == u and s == 0)
        g *= 1 - c / n
    return g


def fine_gray_loglik_reference(time, status, x, beta):
    """Weighted partial log likelihood of one covariate, written from Fine & Gray's definition."""
    total = 0.0
    for ti, si, xi in zip(time, status, x):
        if si != 1:
            continue
        s0 = 0.0
        for tk, sk, xk in zip(time, status, x):
            if tk >= ti:
                s0 += np.exp(beta * xk)
            elif sk == 2:
                s0 += np.exp(beta * xk) * _g_before(time, status, ti) / _g_before(time, status, tk)
        total += beta * xi - np.log(s0)
    return total


_patients = st.lists(st.tuples(st.integers(1, 12), st.sampled_from([0, 1, 1, 2]), st.floats(-2, 2)),
                     min_size=4, max_size=20)


@settings(max_examples=40, deadline=None)
@given(_patients)
def test_the_fitted_likelihood_equals_the_naive_one_and_is_its_maximum(patients):
    time = [float(t) for t, _, _ in patients]
    status = [s for _, s, _ in patients]
    x = [round(v, 3) for _, _, v in patients]
    frame = pd.DataFrame({"time": time, "status": status, "x": x})
    try:
        fit = fine_gray(frame, "time", "status", covariates=["x"])
    except StatisticalInputError as err:  # degenerate data are refused with a reason, never a crash
        assert "cause 1" in str(err) or "collinear" in str(err)
        return
    b = fit.coef[0]
    if fit.note:  # monotone likelihood: the sHR is infinite, reported without se or p
        assert "may be infinite" in fit.note and np.isnan(fit.table["p"]).all()
        return
    assert fit.loglik[1] == pytest.approx(fine_gray_loglik_reference(time, status, x, b), rel=1e-9, abs=1e-9)
    for delta in (-1e-3, 1e-3) if fit.converged else ():
        assert fine_gray_loglik_reference(time, status, x, b + delta) <= fit.loglik[1] + 1e-9


def test_invariant_to_row_order_and_to_shifting_a_covariate():
    case = CASES["leukemia_like_relapse"]
    frame = _frame(case)
    fit = fine_gray(frame, "time", "status", covariates=["age", "ph", "mrd"])
    shuffled = frame.sample(frac=1, random_state=3).assign(age=lambda f: f["age"] + 100)
    other = fine_gray(shuffled, "time", "status", covariates=["age", "ph", "mrd"])
    np.testing.assert_allclose(other.table[["coef", "se"]], fit.table[["coef", "se"]], rtol=1e-9)


def test_a_large_cohort_converges_despite_rounding_in_the_likelihood():
    """Every patient repeated 1,000 times: the same coefficients (score and information scale
    with the copies), and the fit converges. The log likelihood (about -1.7e6 here) then carries
    rounding noise larger than the gain of the last Newton step; a strict step-halving rule
    rejected that step, halved 21 times per iteration and stopped unconverged."""
    case = CASES["leukemia_like_relapse"]
    frame = _frame(case)
    fit = fine_gray(frame, "time", "status", covariates=["age", "ph", "mrd"])
    big = fine_gray(pd.concat([frame] * 1000, ignore_index=True), "time", "status", covariates=["age", "ph", "mrd"])
    assert big.converged and big.iterations <= fit.iterations + 1
    np.testing.assert_allclose(big.table["coef"], fit.table["coef"], rtol=1e-7)


def test_a_covariate_constant_in_every_risk_set_is_refused_not_fitted_with_zero_se():
    """The one event of the cause has only x = 0.3 at risk: no information, whatever round-off
    leaves (matrix_rank judged a 1e-19 remainder against itself and gave coef 0, se 0)."""
    data = pd.DataFrame({"t": range(1, 8), "e": [0, 1, 0, 2, 0, 0, 0], "x": [0.7] + [0.3] * 6})
    with pytest.raises(StatisticalInputError, match="collinear, or constant among the patients at risk"):
        fine_gray(data, "t", "e", 1, ["x"])


def _competing_frame(n=3000, seed=6):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"time": rng.integers(1, 400, n) / 30.4375, "status": rng.choice([0, 1, 2], n, p=[.6, .3, .1]),
                         "age": np.round(rng.normal(50, 10, n), 1), "arm": rng.choice(["a", "b", "c"], n)})


def test_sums_formed_a_chunk_of_patients_at_a_time_give_every_digit_of_one_pass(monkeypatch):
    """The weighted moments are formed and summed some thousands of patients at a time (in cache): the
    fit, robust variance included, is that of one pass over all patients to the last bit."""
    import importlib

    fg = importlib.import_module("blinrwe.stats.fine_gray")
    data = _competing_frame()
    monkeypatch.setattr(fg, "_BLOCK_ROWS", 10**9)
    whole = fine_gray(data, "time", "status", cause=1, covariates=["age", "arm"])
    monkeypatch.setattr(fg, "_BLOCK_ROWS", 50)
    chunked = fine_gray(data, "time", "status", cause=1, covariates=["age", "arm"])
    pd.testing.assert_frame_equal(chunked.table, whole.table, check_exact=True)
    np.testing.assert_array_equal(chunked.var, whole.var)
    assert chunked.loglik == whole.loglik and chunked.iterations == whole.iterations


def test_evaluations_are_remembered_and_handed_out_as_copies():
    import importlib

    fg = importlib.import_module("blinrwe.stats.fine_gray")
    data = _competing_frame(300)
    t = data["time"].to_numpy()
    order = np.argsort(t, kind="stable")
    x = np.column_stack([data["age"].to_numpy()[order]]) - data["age"].mean()
    kind = data["status"].to_numpy()[order]
    lik = fg._WeightedLikelihood(t[order], kind == 1, kind == 2, kind == 0, x)
    beta = np.array([0.01])
    first = lik(beta)
    first[1][:] = 5.0
    again = lik(beta)
    fresh = fg._WeightedLikelihood(t[order], kind == 1, kind == 2, kind == 0, x)(beta)
    for got, want in zip(again, fresh):
        np.testing.assert_array_equal(got, want)
    assert lik.sums(beta) is lik.sums(beta)


def test_one_patient_with_the_event_only_is_refused():
    one = pd.DataFrame({"time": [1.0], "status": [1], "age": [50.0]})
    with pytest.raises(StatisticalInputError):
        fine_gray(one, "time", "status", cause=1, covariates=["age"])
