"""blinrwe.derive.engine.outcomes: the Ibis outcome flags equal the pandas reference on every engine."""

import datetime as dt

import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive.engine.outcomes import derive_outcomes
from blinrwe.examples import synthetic_cohort

from .conftest import assert_same_table, engine_tables, pandas_steps


def _outcomes(steps, settings):
    t = engine_tables(steps, "patients", "events", "exposure")
    return derive_outcomes(t["patients"], t["events"], t["exposure"], settings)


def _settings(steps_settings=None, **changes):
    return (steps_settings or derive.DeriveSettings()).with_changes(**changes)


def test_outcomes_equal_pandas_on_each_engine(engine_backend, synthetic_steps):
    assert_same_table(engine_backend, _outcomes(synthetic_steps, derive.DeriveSettings()), synthetic_steps["outcomes"])


@pytest.mark.parametrize("n, seed", [(40, 1), (150, 11), (500, 23)])
def test_outcomes_equal_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    steps = pandas_steps(synthetic_cohort(n, seed))
    assert_same_table(duckdb_backend, _outcomes(steps, derive.DeriveSettings()), steps["outcomes"])


@pytest.mark.parametrize("settings", [
    derive.DeriveSettings().with_changes(data_cutoff=dt.date(2021, 6, 30)),
    derive.DeriveSettings().with_changes(data_cutoff=dt.date(2019, 1, 1)),
    derive.preset("003"),
])
def test_outcomes_follow_the_data_cutoff_and_presets(duckdb_backend, settings):
    study = synthetic_cohort(200, 5)
    steps = pandas_steps(study, settings)
    s = settings if settings.data_cutoff is not None else settings.with_changes(data_cutoff=study.data_cutoff)
    assert_same_table(duckdb_backend, _outcomes(steps, s), steps["outcomes"])


def test_no_events_gives_every_patient_no_outcome(duckdb_backend, synthetic_steps):
    steps = {**synthetic_steps, "events": synthetic_steps["events"].iloc[0:0]}
    want = derive.analysis_data.derive_outcomes(steps["patients"], steps["events"], steps["exposure"],
                                                derive.DeriveSettings())
    assert not want["death"].any()
    assert_same_table(duckdb_backend, _outcomes(steps, derive.DeriveSettings()), want)


def test_untreated_patient_and_same_day_events(duckdb_backend, synthetic_steps):
    ev = synthetic_steps["events"]
    exposure = synthetic_steps["exposure"]
    untreated = exposure["patient_id"].iloc[0]
    exposure = exposure.assign(t0_date=exposure["t0_date"].where(exposure["patient_id"] != untreated))
    # a second relapse and contact on the date of each patient's first event
    twins = ev.drop_duplicates("patient_id").assign(event_type="relapse")
    events = pd.concat([ev, twins, twins.assign(event_type="last_contact")], ignore_index=True)
    steps = {**synthetic_steps, "events": events, "exposure": exposure}
    s = derive.DeriveSettings()
    want = derive.analysis_data.derive_outcomes(steps["patients"], events, exposure, s)
    assert not want.loc[want["patient_id"] == untreated, "relapse"].any()
    assert_same_table(duckdb_backend, _outcomes(steps, s), want)


def test_two_deaths_on_one_date_give_the_cause_entered_first(engine_backend, synthetic_steps):
    ev = synthetic_steps["events"]
    deaths = ev.loc[ev["event_type"] == "death"].drop_duplicates("patient_id")
    # the same date again, a cause that sorts first in text, entered later (higher source row)
    twins = deaths.assign(cause_of_death="adverse_event", source_row=ev["source_row"].max() + 1
                          + pd.RangeIndex(len(deaths)))
    events = pd.concat([ev, twins], ignore_index=True)
    steps = {**synthetic_steps, "events": events}
    s = derive.DeriveSettings()
    want = derive.analysis_data.derive_outcomes(steps["patients"], events, steps["exposure"], s)
    assert len(deaths) and not want["cause_of_death"].eq("adverse_event").all()
    assert_same_table(engine_backend, _outcomes(steps, s), want)
