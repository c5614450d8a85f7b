"""blinrwe.derive.engine.endpoints: the Ibis patient dates and time-to-event table equal the pandas
reference on every engine, for every preset, cut-off and censoring variant."""

import datetime as dt

import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive import endpoints as reference
from blinrwe.derive.engine.endpoints import (decode_tte, derive_coded_endpoints, derive_endpoints,
                                           derive_patient_dates, patient_order)
from blinrwe.derive.engine.frames import as_dtype, to_engine, to_frame
from blinrwe.derive.settings import CENSORING_VARIANTS
from blinrwe.examples import synthetic_cohort

from .conftest import assert_same_table, engine_tables, pandas_steps

DATE_KEYS = ("patient_id", "kind", "date")
TTE_KEYS = ("endpoint", "variant", "patient_id")
STUDY_CUTOFF = synthetic_cohort(40, 1).data_cutoff  # the synthetic studies' cut-off (pandas_steps uses it)


def _with_cutoff(settings):
    """The settings ``pandas_steps`` derives with: the study's cut-off unless one is set."""
    return settings if settings.data_cutoff is not None else settings.with_changes(data_cutoff=STUDY_CUTOFF)


def _check_dates(backend, steps, settings):
    """Engine patient dates against the pandas derivation of the same inputs; returns both."""
    want = reference.derive_patient_dates(steps["adsl"], steps["events"], steps["assessments"],
                                          steps["therapies"], settings)
    t = engine_tables(steps, "adsl", "events", "assessments", "therapies")
    got = derive_patient_dates(t["adsl"], t["events"], t["assessments"], t["therapies"], settings)
    assert_same_table(backend, got, want, sort_by=DATE_KEYS)
    return want


def _check_endpoints(backend, patient_dates, settings, patient_ids=None):
    """Engine ``(tte, excluded)`` against pandas on the same patient dates; returns pandas'."""
    want_tte, want_ex = reference.derive_endpoints(patient_dates, settings, patient_ids)
    ids = None if patient_ids is None else to_engine(pd.DataFrame({"patient_id": pd.Series(patient_ids)}))
    tte, ex = derive_endpoints(to_engine(patient_dates), settings, ids)
    assert_same_table(backend, tte, want_tte, sort_by=TTE_KEYS)
    assert_same_table(backend, ex, want_ex, sort_by=TTE_KEYS)
    return want_tte, want_ex


def test_patient_dates_and_endpoints_equal_pandas_on_each_engine(engine_backend, synthetic_steps):
    t = engine_tables(synthetic_steps, "adsl", "events", "assessments", "therapies", "patients", "patient_dates")
    s = _with_cutoff(derive.DeriveSettings())
    dates = derive_patient_dates(t["adsl"], t["events"], t["assessments"], t["therapies"], s)
    assert_same_table(engine_backend, dates, synthetic_steps["patient_dates"], sort_by=DATE_KEYS)
    # every endpoint (CIR competing) of the study's settings
    tte, ex = derive_endpoints(t["patient_dates"], s, t["patients"].select("patient_id"))
    assert_same_table(engine_backend, tte, synthetic_steps["tte"], sort_by=TTE_KEYS)
    assert_same_table(engine_backend, ex, synthetic_steps["excluded"], sort_by=TTE_KEYS)


def test_engine_patient_dates_feed_the_engine_endpoints(duckdb_backend, synthetic_steps):
    t = engine_tables(synthetic_steps, "adsl", "events", "assessments", "therapies", "patients")
    s = _with_cutoff(derive.DeriveSettings())
    dates = derive_patient_dates(t["adsl"], t["events"], t["assessments"], t["therapies"], s)
    tte, ex = derive_endpoints(dates, s, t["patients"].select("patient_id"))
    assert_same_table(duckdb_backend, tte, synthetic_steps["tte"], sort_by=TTE_KEYS)
    assert_same_table(duckdb_backend, ex, synthetic_steps["excluded"], sort_by=TTE_KEYS)


@pytest.mark.parametrize("n, seed", [(40, 1), (500, 23)])
def test_endpoints_equal_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    steps = pandas_steps(synthetic_cohort(n, seed))
    s = _with_cutoff(derive.DeriveSettings())
    _check_dates(duckdb_backend, steps, s)
    _check_endpoints(duckdb_backend, steps["patient_dates"], s, steps["patients"]["patient_id"])


@pytest.mark.parametrize("seed", sorted(derive.presets.PRESETS))
def test_every_preset_and_cutoff(duckdb_backend, seed):
    """Each seed's endpoints (RFS/DOR/CIR origins, EFS failure rule, PFS/DFS non-responders) under
    its own cut-off (or the study's), then under an earlier one, with every censoring variant."""
    s = _with_cutoff(derive.preset(seed)).with_changes(censoring_variants=CENSORING_VARIANTS)
    steps = pandas_steps(synthetic_cohort(120, 40 + int(seed)), s)
    _check_dates(duckdb_backend, steps, s)
    tte, _ = _check_endpoints(duckdb_backend, steps["patient_dates"], s, steps["patients"]["patient_id"])
    assert set(tte["endpoint"]) == set(s.endpoints)
    early = s.with_changes(data_cutoff=dt.date(2021, 6, 30))
    tte, ex = _check_endpoints(duckdb_backend, steps["patient_dates"], early, steps["patients"]["patient_id"])
    assert "data_cutoff" in set(tte["source"]) and (ex["reason"] == "origin after the data cut-off").any()


@pytest.mark.parametrize("changes", [
    {"rfs_origin_cr_at_t0": "exclude", "responder_definition": "cr_crh_cri"},
    {"nonresponder_fails_at_first_assessment": False, "efs_failure_window_days": 30, "efs_failure_time_days": 3},
    {"os_followup": ("last_contact",), "disease_followup": (), "pfs_followup": ("last_infusion", "last_contact"),
     "days_per_month": 30.0},
    {"data_cutoff": dt.date(2015, 1, 1)},  # before every origin: every patient excluded
    {"endpoints": ()},
])
def test_settings_change_the_rule_as_in_pandas(duckdb_backend, synthetic_steps, changes):
    s = _with_cutoff(derive.DeriveSettings()).with_changes(**changes)
    dates = (_check_dates(duckdb_backend, synthetic_steps, s) if any(k.startswith("efs") for k in changes)
             else synthetic_steps["patient_dates"])
    _check_endpoints(duckdb_backend, dates, s, synthetic_steps["patients"]["patient_id"])


def test_empty_inputs_and_patients_without_any_date(duckdb_backend, synthetic_steps):
    s = _with_cutoff(derive.DeriveSettings())
    steps = {**synthetic_steps, **{name: synthetic_steps[name].iloc[0:0]
                                   for name in ("events", "assessments", "therapies")}}
    dates = _check_dates(duckdb_backend, steps, s)
    assert not dates["kind"].isin(["death", "last_marrow_assessment", "new_therapy"]).any()
    # patients of the study who have no date at all (and one listed twice) are excluded from each endpoint
    ids = pd.concat([synthetic_steps["patients"]["patient_id"], pd.Series(["NO-DATES", "NO-DATES"])])
    _, ex = _check_endpoints(duckdb_backend, dates, s, ids)
    assert (ex["patient_id"] == "NO-DATES").sum() == len(s.endpoints)
    _, ex = _check_endpoints(duckdb_backend, dates.iloc[0:0], s, ids)
    assert len(ex) == len(s.endpoints) * ids.nunique()
    _check_endpoints(duckdb_backend, dates, s)  # the default universe: the patients with a date


def test_untreated_patients_and_all_missing_dates(duckdb_backend, synthetic_steps):
    s = _with_cutoff(derive.DeriveSettings())
    adsl = synthetic_steps["adsl"]
    untreated = adsl["patient_id"].iloc[:5]
    adsl = adsl.assign(t0_date=adsl["t0_date"].where(~adsl["patient_id"].isin(untreated)),
                       in_cr_at_t0=pd.array([pd.NA] * len(adsl), dtype="boolean"))
    events = synthetic_steps["events"].assign(event_date=pd.NaT)
    steps = {**synthetic_steps, "adsl": adsl, "events": events}
    dates = _check_dates(duckdb_backend, steps, s)
    # a first CR/CRi on the last day of the EFS window (no failure) or the day after (failure at day 1)
    window = pd.Timedelta(days=s.efs_failure_window_days)
    late = pd.Series([window, window + pd.Timedelta(days=1)] * len(adsl))[:len(adsl)].to_numpy()
    edge = adsl.assign(date_first_cr_cri=adsl["t0_date"] + late, in_cr_at_t0=synthetic_steps["adsl"]["in_cr_at_t0"])
    edge_dates = _check_dates(duckdb_backend, {**steps, "adsl": edge}, s)
    assert 0 < (edge_dates["kind"] == "efs_failure").sum() < (edge["t0_date"].notna() & ~edge["in_cr_at_t0"]).sum()
    _, ex = _check_endpoints(duckdb_backend, dates, s, adsl["patient_id"])
    assert set(untreated) <= set(ex.loc[ex["endpoint"] == "OS", "patient_id"])
    # dates without a kind and without a date are ignored (the universe still counts them)
    odd = pd.DataFrame({"patient_id": ["ODD-1", "ODD-2"], "kind": [None, "death"],
                        "date": [pd.Timestamp("2021-01-01"), pd.NaT]})
    _check_endpoints(duckdb_backend, pd.concat([dates, odd], ignore_index=True), s)


def test_ties_every_variant_and_an_early_cutoff_on_each_engine(engine_backend, synthetic_steps):
    """Same-day rows: an event with censorings, relapse with death, a follow-up date on the cut-off
    with one beyond it, two follow-up kinds, a second origin; pandas decides by declared order, the
    engine must too. The cut-off is inside accrual: later origins are excluded."""
    dates = synthetic_steps["patient_dates"]
    cutoff = pd.Timestamp(2022, 6, 30)
    day = pd.Timedelta(days=1)
    t0 = dates.loc[dates["kind"] == "t0"].drop_duplicates("patient_id")
    t0 = t0.loc[t0["date"] < cutoff - 60 * day]
    events, on_cutoff, followups = t0.iloc[::3], t0.iloc[1::3], t0.iloc[2::3]
    on = events["date"] + 40 * day
    ties = pd.concat([
        *[events.assign(kind=kind, date=on) for kind in ("relapse", "death", "allo_hsct", "car_t", "new_therapy")],
        events.assign(kind="t0", date=events["date"] + day),  # a second, later origin of the same kind
        events.assign(kind="first_response_active", date=events["date"]),
        on_cutoff.assign(kind="last_contact", date=cutoff),
        on_cutoff.assign(kind="last_disease_assessment", date=cutoff + 5 * day),
        followups.assign(kind="last_infusion", date=followups["date"] + 9 * day),
        followups.assign(kind="last_contact", date=followups["date"] + 9 * day),
    ], ignore_index=True)
    s = derive.DeriveSettings(censoring_variants=CENSORING_VARIANTS, data_cutoff=cutoff.date())
    tte, ex = _check_endpoints(engine_backend, pd.concat([dates, ties], ignore_index=True), s,
                               synthetic_steps["patients"]["patient_id"])
    assert {"data_cutoff", "allo_hsct", "car_t", "new_therapy", "death_without_relapse"} <= set(tte["source"])
    assert (ex["reason"] == "origin after the data cut-off").any()
    tied = tte.merge(events.assign(on=on)[["patient_id", "on"]], on="patient_id")
    same_day = tied.loc[(tied["endpoint"] == "EFS") & (tied["variant"] == "allo_hsct") & (tied["end_date"] == tied["on"])]
    assert len(same_day) and same_day["source"].isin(["relapse"]).all()


def test_dates_before_1970_rank_as_in_pandas(duckdb_backend, synthetic_steps):
    """Ranks pack negative epoch seconds too: a study moved 60 years back gives the same endpoints."""
    back = pd.Timedelta(days=60 * 365)
    dates = synthetic_steps["patient_dates"].assign(date=synthetic_steps["patient_dates"]["date"] - back)
    s = derive.DeriveSettings(censoring_variants=("none", "allo_hsct"),
                              data_cutoff=(pd.Timestamp(2022, 6, 30) - back).date())
    tte, _ = _check_endpoints(duckdb_backend, dates, s, synthetic_steps["patients"]["patient_id"])
    assert (tte["end_date"] < pd.Timestamp(1970, 1, 1)).all()


def test_patients_with_dates_beyond_the_listed_ones_still_count(duckdb_backend, synthetic_steps):
    """``patient_ids`` adds the study's patients without a date; it restricts nothing (as in pandas)."""
    s = _with_cutoff(derive.DeriveSettings())
    listed = pd.concat([synthetic_steps["patients"]["patient_id"].iloc[:7], pd.Series(["NO-DATES"])])
    tte, ex = _check_endpoints(duckdb_backend, synthetic_steps["patient_dates"], s, listed)
    assert tte["patient_id"].nunique() > len(listed)
    assert set(ex["patient_id"]) <= set(listed) and "NO-DATES" in set(ex["patient_id"])


def test_the_coded_endpoints_decode_in_order_to_the_pandas_tte(engine_backend, synthetic_steps):
    """``derive_coded_endpoints`` read back in no order and decoded in this process (``decode_tte``, as
    ``analysis_data`` does) is the pandas ``tte``, rows in its order."""
    t = engine_tables(synthetic_steps, "patients", "patient_dates")
    s = _with_cutoff(derive.DeriveSettings())
    ids = t["patients"].select("patient_id")
    order = patient_order(t["patient_dates"].select("patient_id").union(ids, distinct=False))
    coded, _ = derive_coded_endpoints(t["patient_dates"], s, ids, order)
    got = decode_tte(to_frame(engine_backend, coded).sample(frac=1, random_state=3), to_frame(engine_backend, order), s)
    want = synthetic_steps["tte"].reset_index(drop=True)
    got = pd.DataFrame({name: as_dtype(got[name], want[name].dtype) for name in want.columns})
    pd.testing.assert_frame_equal(got, want, check_exact=True)
