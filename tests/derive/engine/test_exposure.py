"""blinrwe.derive.engine.exposure: the Ibis exposure and cycle tables equal the pandas reference on every engine."""

import datetime as dt

import pandas as pd
import pytest

import blinrwe.derive as derive
from blinrwe.derive import exposure as reference
from blinrwe.derive.engine.exposure import derive_exposure, invalid_segments
from blinrwe.derive.engine.frames import to_engine, to_frame
from blinrwe.errors import InputDataError
from blinrwe.examples import synthetic_cohort

from .conftest import assert_same_table, engine_tables, pandas_steps

CYCLE_KEYS = ("patient_id", "cycle_number")


def _check(backend, steps, settings):
    """Engine exposure and cycles against the pandas derivation of the same inputs."""
    want_exposure, want_cycles = reference.derive_exposure(steps["patients"], steps["infusions"], steps["bsa"],
                                                           settings)
    t = engine_tables(steps, "patients", "infusions", "bsa")
    exposure, cycles = derive_exposure(t["patients"], t["infusions"], t["bsa"], settings)
    assert_same_table(backend, exposure, want_exposure)
    assert_same_table(backend, cycles, want_cycles, sort_by=CYCLE_KEYS)
    return want_exposure, want_cycles


def _with_infusions(steps, extra: pd.DataFrame) -> dict:
    """``steps`` with ``extra`` infusion rows entered after the others (higher source rows, as intake numbers them)."""
    inf = steps["infusions"]
    extra = extra.assign(source_row=inf["source_row"].max() + 1 + pd.RangeIndex(len(extra)))
    return {**steps, "infusions": pd.concat([inf, extra], ignore_index=True).astype(inf.dtypes.to_dict())}


def test_exposure_equals_pandas_on_each_engine(engine_backend, synthetic_steps):
    t = engine_tables(synthetic_steps, "patients", "infusions", "bsa")
    exposure, cycles = derive_exposure(t["patients"], t["infusions"], t["bsa"], derive.DeriveSettings())
    assert_same_table(engine_backend, exposure, synthetic_steps["exposure"])
    want_cycles = synthetic_steps["cycles"].drop(columns=["vials_per_bag", "vials_shared"])
    assert_same_table(engine_backend, cycles, want_cycles, sort_by=CYCLE_KEYS)


@pytest.mark.parametrize("n, seed", [(40, 4), (150, 19), (500, 37)])
def test_exposure_equals_pandas_across_synthetic_studies(duckdb_backend, n, seed):
    want, _ = _check(duckdb_backend, pandas_steps(synthetic_cohort(n, seed)), derive.DeriveSettings())
    assert want["regimen_class"].nunique() > 1


@pytest.mark.parametrize("settings", [
    derive.preset("001"), derive.preset("003"), derive.preset("004"),
    derive.DeriveSettings().with_changes(vial_strength_ug=38.5, weight_threshold_kg=60.0),
    derive.DeriveSettings().with_changes(bsa_formula="recorded", data_cutoff=dt.date(2020, 6, 30)),
    derive.DeriveSettings().with_changes(label_cycle_days=21, label_step_up_days=5, fixed_course_days=21,
                                         duration_classes=derive.settings.CutPoints((7.0, 21.0), ("a", "b", "c"))),
])
def test_exposure_follows_the_settings_and_presets(duckdb_backend, settings):
    steps = pandas_steps(synthetic_cohort(200, 5), settings)
    _check(duckdb_backend, steps, settings)


def test_no_infusions_leaves_every_patient_untreated(duckdb_backend, synthetic_steps):
    steps = {**synthetic_steps, "infusions": synthetic_steps["infusions"].iloc[0:0]}
    want, cycles = _check(duckdb_backend, steps, derive.DeriveSettings())
    assert want["t0_date"].isna().all() and cycles.empty


def test_untreated_patient_missing_measures_and_cycle_numbers(duckdb_backend, synthetic_steps):
    steps = dict(synthetic_steps)
    inf = steps["infusions"]
    untreated = inf["patient_id"].iloc[0]
    inf = inf.loc[inf["patient_id"] != untreated].reset_index(drop=True)
    # per-m2 rates without BSA (missing dose), no weight (label unknown), off-label rates, no cycle number
    ids = inf["patient_id"].drop_duplicates()
    no_bsa, no_weight, no_cycle = ids.iloc[1:40:3], ids.iloc[2:40:3], ids.iloc[3:60:4]
    inf = inf.assign(
        dose_unit=inf["dose_unit"].mask(inf["patient_id"].isin(no_bsa), "ug/m2/day"),
        daily_dose_ug=inf["daily_dose_ug"].mask(inf["patient_id"].isin(no_bsa)),
        dose_value=inf["dose_value"].mask(inf.index % 17 == 0, 20.0).mask(inf.index % 23 == 0),
        cycle_number=inf["cycle_number"].mask(inf["patient_id"].isin(no_cycle) & (inf.index % 2 == 0)),
    )
    p = steps["patients"].assign(weight_kg=steps["patients"]["weight_kg"].mask(
        steps["patients"]["patient_id"].isin(no_weight)))
    bsa = steps["bsa"].assign(bsa_m2_used=steps["bsa"]["bsa_m2_used"].mask(steps["bsa"]["patient_id"].isin(no_bsa)))
    want, _ = _check(duckdb_backend, {**steps, "patients": p, "bsa": bsa, "infusions": inf}, derive.DeriveSettings())
    assert want.loc[want["patient_id"] == untreated, "t0_date"].isna().all()
    assert want["cumulative_dose_ug"].isna().any() and want["dose_per_label"].isna().any()
    assert (~want["dose_per_label"].fillna(True)).any()


def test_overlapping_segments_take_the_latest_start_then_higher_dose_then_first_entered(engine_backend,
                                                                                      synthetic_steps):
    inf = synthetic_steps["infusions"]
    first = inf.drop_duplicates("patient_id")
    n = pd.RangeIndex(len(first))
    # the same start as the first segment: a higher or lower recorded dose, another cycle number and unit
    same_start = first.assign(daily_dose_ug=first["daily_dose_ug"].fillna(20.0) + (n % 3 - 1) * 4.0,
                              cycle_number=7, dose_unit="ug/day", dose_value=13.0)
    # the same start and dose (or both missing): the segment entered first gives the day
    twin = first.assign(cycle_number=8, dose_value=first["dose_value"] + 0.0)
    # starting two days later inside the first segment, ending after it: the new rate from that day
    later = first.assign(start_date=first["start_date"] + pd.Timedelta(days=2),
                         end_date=first["end_date"] + pd.Timedelta(days=3), dose_value=5.0, cycle_number=1)
    # the same start and a missing dose (a ug/day rate without a value): the known dose gives the day
    no_dose = first.assign(dose_value=float("nan"), daily_dose_ug=float("nan"), dose_unit="ug/day", cycle_number=6)
    # a one-day cycle wholly covered by a segment of another cycle with the same start and a higher dose
    hidden = first.assign(start_date=first["start_date"] + pd.Timedelta(days=1),
                          end_date=first["start_date"] + pd.Timedelta(days=1), cycle_number=9)
    cover = hidden.assign(cycle_number=10, daily_dose_ug=1000.0)
    extra = pd.concat([same_start, twin, no_dose, later, hidden, cover], ignore_index=True)
    steps = _with_infusions(synthetic_steps, extra)
    _, cycles = _check(engine_backend, steps, derive.DeriveSettings())
    assert cycles["cycle_number"].isin([7, 8]).any() and not cycles["cycle_number"].eq(9).any()


def test_foreign_patient_and_reversed_segment(duckdb_backend, synthetic_steps):
    inf = synthetic_steps["infusions"]
    foreign = inf.iloc[:2].assign(patient_id="SYN-9999")
    steps = _with_infusions(synthetic_steps, foreign)
    _, cycles = _check(duckdb_backend, steps, derive.DeriveSettings())
    assert cycles["patient_id"].eq("SYN-9999").any()
    reversed_ = steps["infusions"].assign(end_date=steps["infusions"]["start_date"] - pd.Timedelta(days=1))
    with pytest.raises(InputDataError):
        reference.derive_segment_doses(reversed_.iloc[:3], steps["patients"], steps["bsa"], derive.DeriveSettings())
    found = to_frame(duckdb_backend, invalid_segments(to_engine(reversed_.iloc[:3])))
    assert list(found["source_row"]) == list(reversed_["source_row"].iloc[:3])
    assert to_frame(duckdb_backend, invalid_segments(to_engine(inf))).empty


def test_all_missing_recorded_doses_weights_and_bsa(duckdb_backend, synthetic_steps):
    steps = {**synthetic_steps,
             "infusions": synthetic_steps["infusions"].assign(daily_dose_ug=float("nan")),
             "patients": synthetic_steps["patients"].assign(weight_kg=float("nan")),
             "bsa": synthetic_steps["bsa"].assign(bsa_m2_used=float("nan"))}
    want, _ = _check(duckdb_backend, steps, derive.DeriveSettings())
    assert want["dose_per_label"].isna().all() and want["dose_source"].eq("computed").all()
