"""blinrwe.derive.engine.response: the Ibis response windows, per-assessment responses, best response
and response populations equal the pandas reference on every engine."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive import response as reference
from blinrwe.derive.engine import response as engine
from blinrwe.derive.engine.frames import to_engine
from blinrwe.examples import synthetic_cohort
from blinrwe.examples.synthetic import DEFAULT_CUTOFF

from .conftest import assert_same_table, pandas_steps

#: rows of one patient may share a date: sort the per-assessment tables by every distinguishing column
RESPONSE_ORDER = ("patient_id", "assessment_date", "timepoint", "response", "bm_blast_pct", "mrd_value")


def _base(steps):
    """The ``patients`` argument of the best response, built as the pandas derivation builds it."""
    return steps["exposure"][["patient_id", "t0_date"]].merge(
        steps["setting"][["patient_id", "in_cr_at_t0", "mrd_status_at_t0"]], on="patient_id")


def _without_populations(adsl):
    return adsl.drop(columns=[c for c in adsl.columns if c.startswith("response_population_")])


def _check_chain(backend, exposure, cycles, paths, assessments, base, settings):
    """Each step on the engine from the pandas inputs of that step; returns the pandas results."""
    t0 = exposure[["patient_id", "t0_date"]]
    windows = reference.derive_windows(t0, cycles, paths, settings)
    assert_same_table(backend, engine.derive_windows(to_engine(t0), to_engine(cycles), to_engine(paths), settings),
                      windows)
    responses = reference.derive_responses(assessments, windows, settings)
    assert_same_table(backend, engine.derive_responses(to_engine(assessments), to_engine(windows), settings),
                      responses, sort_by=RESPONSE_ORDER)
    best = reference.derive_best_response(responses, base, settings)
    assert_same_table(backend, engine.derive_best_response(to_engine(responses), to_engine(base), settings), best)
    return windows, responses, best


def _check_steps(backend, steps, settings):
    return _check_chain(backend, steps["exposure"], steps["cycles"], steps["paths"], steps["assessments"],
                        _base(steps), settings)


def test_windows_responses_and_best_equal_pandas_on_each_engine(engine_backend, synthetic_steps):
    s = derive.DeriveSettings().with_changes(data_cutoff=DEFAULT_CUTOFF)
    windows, responses, best = _check_steps(engine_backend, synthetic_steps, s)
    pd.testing.assert_frame_equal(windows, synthetic_steps["windows"])
    pd.testing.assert_frame_equal(best, synthetic_steps["best"])
    # without a cut-off or next-therapy bound the overall window is open (the last representable day)
    open_ended = derive.DeriveSettings().with_changes(response_before_next_therapy=False)
    t = {name: synthetic_steps[name] for name in ("cycles", "paths")}
    t0 = synthetic_steps["exposure"][["patient_id", "t0_date"]]
    windows = reference.derive_windows(t0, t["cycles"], t["paths"], open_ended)
    assert windows["overall_end"].eq(reference.NO_END).all()
    assert_same_table(engine_backend, engine.derive_windows(to_engine(t0), to_engine(t["cycles"]),
                                                            to_engine(t["paths"]), open_ended), windows)


def test_response_populations_equal_pandas_on_each_engine(engine_backend, synthetic_steps):
    adsl = _without_populations(synthetic_steps["adsl"])
    adsl = adsl.assign(bm_blast_pct_at_t0=adsl["bm_blast_pct_at_t0"].where(adsl.index % 7 != 0))
    s = derive.DeriveSettings()
    assert_same_table(engine_backend, engine.derive_response_populations(to_engine(adsl), s),
                      reference.derive_response_populations(adsl, s))


@pytest.mark.parametrize("n, seed", [(40, 4), (250, 37)])
def test_chain_equals_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    study = synthetic_cohort(n, seed)
    steps = pandas_steps(study)
    _, _, best = _check_steps(duckdb_backend, steps, derive.DeriveSettings().with_changes(
        data_cutoff=study.data_cutoff))
    assert best["responder"].any() and not best["responder"].all()


@pytest.mark.parametrize("settings", [
    *[derive.preset(seed) for seed in ("001", "002", "003")],
    derive.DeriveSettings().with_changes(data_cutoff=dt.date(2021, 9, 30)),
    derive.DeriveSettings().with_changes(data_cutoff=dt.date(2019, 1, 1)),
    derive.DeriveSettings().with_changes(response_before_next_therapy=False, cr_blast_inclusive=False,
                                         crh_counts_as_cri=False, responder_definition="cr_crh",
                                         primary_response_window="12_weeks", cycle_days=28,
                                         response_window_cycles=3, response_window_days=56, mrd_threshold=1e-3),
], ids=["001", "002", "003", "cutoff_2021", "cutoff_before_all", "other_definitions"])
def test_chain_follows_presets_cutoffs_and_definitions(duckdb_backend, synthetic_steps, settings):
    """The response settings of the presets (blast rule, CRh, responder, primary window), cut-offs and
    window lengths (the presets set no cut-off: open windows); each step's pandas reference is computed
    here from the same inputs."""
    _check_steps(duckdb_backend, synthetic_steps, settings)


def test_untreated_patients_and_missing_inputs(duckdb_backend, synthetic_steps):
    """An untreated patient (no T0) with assessments, patients without cycles or paths, an assessment
    of a patient outside the windows and one on the day of T0."""
    st = synthetic_steps
    ids = st["exposure"]["patient_id"]
    untreated, no_cycles, no_path = ids.iloc[0], ids.iloc[1], ids.iloc[2]
    exposure = st["exposure"].assign(t0_date=st["exposure"]["t0_date"].where(ids != untreated))
    cycles = st["cycles"].loc[~st["cycles"]["patient_id"].isin([untreated, no_cycles])]
    paths = st["paths"].loc[st["paths"]["patient_id"] != no_path]
    a = st["assessments"]
    stranger = a.iloc[[0]].assign(patient_id="NOT-IN-STUDY")
    on_t0 = a.iloc[[5]].assign(assessment_date=st["exposure"].set_index("patient_id").loc[a["patient_id"].iloc[5],
                                                                                          "t0_date"])
    assessments = pd.concat([a, stranger, on_t0], ignore_index=True)
    base = _base(st).assign(t0_date=lambda b: b["t0_date"].where(b["patient_id"] != untreated))
    windows, responses, best = _check_chain(duckdb_backend, exposure, cycles, paths, assessments, base,
                                            derive.DeriveSettings().with_changes(data_cutoff=DEFAULT_CUTOFF))
    assert windows.loc[windows["patient_id"] == untreated, "end_2_cycles"].isna().all()
    assert not best.loc[best["patient_id"] == untreated, "mrd_denominator_all_treated"].any()
    assert responses["study_day"].isna().any() and (responses["study_day"] == 0).any()


def test_empty_tables(duckdb_backend, synthetic_steps):
    st = synthetic_steps
    s = derive.DeriveSettings()
    _, responses, best = _check_chain(duckdb_backend, st["exposure"], st["cycles"].iloc[0:0], st["paths"].iloc[0:0],
                                      st["assessments"].iloc[0:0], _base(st), s)
    assert responses.empty and best["best_response"].isna().all()
    _check_chain(duckdb_backend, st["exposure"].iloc[0:0], st["cycles"], st["paths"], st["assessments"],
                 _base(st).iloc[0:0], s)


def test_same_day_ties_every_category_and_all_missing_values(duckdb_backend, synthetic_steps):
    """Several assessments of one patient on one date with different categories (in both entry orders),
    every category of the hierarchy and one outside it, and columns with no value at all."""
    st = synthetic_steps
    a = st["assessments"]
    # 90 patients keep only three assessments on the date of their first one post T0: categories
    # i, i+1, i+2 of the hierarchy (and two outside it), entered in both orders
    post = a.merge(st["exposure"][["patient_id", "t0_date"]], on="patient_id")
    first = post.loc[post["assessment_date"] > post["t0_date"]].drop_duplicates("patient_id").iloc[:90]
    first = first[a.columns].reset_index(drop=True)
    categories = [*reference.RESPONSE_RANK, "not_evaluable", "unknown"]
    twins = [first.assign(response_recorded=[categories[(i + k) % len(categories)] for i in range(len(first))],
                          timepoint=f"tie {k}", mrd_value=np.where(np.arange(len(first)) % 3 == k % 3, 0.0, 2e-4))
             for k in range(3)]
    rest = a.loc[~a["patient_id"].isin(first["patient_id"])]
    tied = pd.concat([rest, *twins, *reversed(twins)], ignore_index=True)
    s = derive.DeriveSettings().with_changes(data_cutoff=DEFAULT_CUTOFF)
    _, responses, best = _check_steps(duckdb_backend, {**st, "assessments": tied}, s)
    assert set(reference.RESPONSE_RANK) <= set(best["best_response_overall"].dropna())
    blank = a.assign(response_recorded=None, mrd_value=np.nan, mrd_method=None, timepoint=None,
                     circulating_blasts=pd.array([pd.NA] * len(a), dtype="boolean"),
                     extramedullary_disease=pd.array([pd.NA] * len(a), dtype="boolean"), anc=np.nan)
    blank.loc[blank.index[::4], "bm_blast_pct"] = np.nan
    _, responses, best = _check_steps(duckdb_backend, {**st, "assessments": blank}, s)
    assert set(responses["response_source"]) == {"derived", "missing"}
    assert not best["mrd_assessed_overall"].any()


def test_populations_without_their_columns_and_with_missing_values(duckdb_backend, synthetic_steps):
    adsl = _without_populations(synthetic_steps["adsl"])
    s = derive.DeriveSettings().with_changes(overt_disease_blast_pct=25.0)
    some_missing = adsl.assign(bm_blast_pct_at_t0=adsl["bm_blast_pct_at_t0"].where(adsl.index % 3 != 0),
                               in_cr_at_t0=adsl["in_cr_at_t0"].where(adsl.index % 4 != 0))
    for frame in (some_missing, adsl.drop(columns=["bm_blast_pct_at_t0", "in_cr_at_t0"])[["patient_id"]],
                  adsl.iloc[0:0]):
        want = reference.derive_response_populations(frame, s)
        assert_same_table(duckdb_backend, engine.derive_response_populations(to_engine(frame), s), want)
