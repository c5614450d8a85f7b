"""Exposure from infusion segments (domain-spec 1.3-1.6): doses, caps, days, vials, classes.

Expected values are computed by hand from the definitions quoted in each test.
"""

import math

import numpy as np
import pandas as pd
import pytest

from blinrwe.derive.body_surface import derive_bsa
from blinrwe.derive.exposure import classify, derive_exposure, derive_infusion_days, derive_segment_doses
from blinrwe.derive.presets import seed_003
from blinrwe.derive.settings import DeriveSettings
from blinrwe.derive.study_tables import conform
from blinrwe.errors import InputDataError

D = pd.Timestamp


def patients(rows):
    df = pd.DataFrame(rows, columns=["patient_id", "height_cm", "weight_kg", "bsa_m2"])
    return conform("patients", df.assign(disease_setting="relapsed_refractory"))


def infusions(rows):
    cols = ["patient_id", "cycle_number", "start_date", "end_date", "dose_value", "dose_unit", "daily_dose_ug"]
    df = pd.DataFrame([r + (None,) * (len(cols) - len(r)) for r in rows], columns=cols)
    return conform("infusions", df)


def exposure(pts, inf, settings=None):
    s = settings or DeriveSettings()
    return derive_exposure(pts, inf, derive_bsa(pts, s.bsa_formula), s)


def segment_doses(pts, inf, settings=None):
    s = settings or DeriveSettings()
    return derive_segment_doses(inf, pts, derive_bsa(pts, s.bsa_formula), s)


def test_bsa_based_daily_doses_match_the_domain_spec_fixtures():
    # domain-spec 1.6: 140 cm / 35 kg -> 17.50 ug/day at 15 ug/m2/day, 5.83 at 5 ug/m2/day;
    # 175 cm / 44 kg -> 21.94 (DuBois 22.76); 110 cm / 18 kg -> 11.12.
    pts = patients([("a", 140, 35, None), ("b", 175, 44, None), ("c", 110, 18, None)])
    inf = infusions([
        ("a", 1, D("2023-01-01"), D("2023-01-07"), 5, "ug/m2/day"),
        ("a", 1, D("2023-01-08"), D("2023-01-28"), 15, "ug/m2/day"),
        ("b", 1, D("2023-01-01"), D("2023-01-28"), 15, "ug/m2/day"),
        ("c", 1, D("2023-01-01"), D("2023-01-28"), 15, "ug/m2/day"),
    ])
    seg = segment_doses(pts, inf)
    assert seg["daily_dose_used_ug"].round(2).tolist() == [5.83, 17.50, 21.94, 11.12]
    dubois = segment_doses(pts, inf, DeriveSettings(bsa_formula="dubois"))
    assert round(dubois["daily_dose_used_ug"].iloc[2], 2) == 22.76


def test_caps_9_in_step_up_and_28_otherwise():
    # domain-spec 1.6: dose = rate * BSA, then min(dose, 9) in step-up, min(dose, 28) otherwise.
    pts = patients([("a", None, 40, 2.0)])  # recorded BSA 2.0 m2: 5 * 2 = 10 -> 9; 15 * 2 = 30 -> 28
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-07"), 5, "ug/m2/day"),
                     ("a", 1, D("2023-01-08"), D("2023-01-28"), 15, "ug/m2/day")])
    assert segment_doses(pts, inf)["daily_dose_used_ug"].tolist() == [9.0, 28.0]


def test_recorded_daily_dose_wins_and_fixed_dose_for_45_kg_and_more():
    pts = patients([("a", 170, 70, None), ("b", 140, 35, None)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-28"), 28, "ug/day"),
                     ("b", 1, D("2023-01-01"), D("2023-01-28"), 15, "ug/m2/day", 16.0)])
    seg = segment_doses(pts, inf)
    assert seg["daily_dose_used_ug"].tolist() == [28.0, 16.0]
    assert seg["dose_source"].tolist() == ["computed", "recorded"]


def test_label_check_flag():
    # label: >= 45 kg fixed 9/28 ug/day; < 45 kg 5/15 ug/m2/day; missing weight -> unknown
    pts = patients([("a", 170, 70, None), ("b", 170, 70, None), ("c", 140, 35, None), ("d", 140, None, 1.2)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-28"), 28, "ug/day"),
                     ("b", 1, D("2023-01-01"), D("2023-01-28"), 15, "ug/m2/day"),
                     ("c", 1, D("2023-01-01"), D("2023-01-28"), 15, "ug/m2/day"),
                     ("d", 1, D("2023-01-01"), D("2023-01-28"), 15, "ug/m2/day")])
    exp, _ = exposure(pts, inf)
    assert exp["dose_per_label"].tolist() == [True, False, True, pd.NA]


def test_label_rr_cycle_1_651_ug_and_vials():
    # domain-spec 1.3: R/R cycle 1 = 7 x 9 + 21 x 28 = 651 ug; vials = ceil(651 / 35) = 19 (US),
    # ceil(651 / 38.5) = 17 (EU).
    pts = patients([("a", 170, 70, None)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-07"), 9, "ug/day"),
                     ("a", 1, D("2023-01-08"), D("2023-01-28"), 28, "ug/day")])
    exp, cycles = exposure(pts, inf)
    row = exp.iloc[0]
    assert (row["t0_date"], row["last_infusion_date"]) == (D("2023-01-01"), D("2023-01-28"))
    assert row["cumulative_dose_ug"] == 651.0 and row["vials_min"] == 19
    assert (row["infusion_days_total"], row["step_up_days"], row["full_dose_days"]) == (28, 7, 21)
    assert row["regimen_class"] == "label" and row["cycles_class"] == "1"
    assert row["duration_class_total"] == "15-28 d"
    assert cycles["label_cycle"].tolist() == [True]
    eu, _ = exposure(pts, inf, DeriveSettings(vial_strength_ug=38.5))
    assert eu["vials_min"].iloc[0] == 17


def test_exact_multiple_of_vial_strength_does_not_round_up():
    # 70 ug = 2 vials exactly (ceil with floating-point tolerance)
    pts = patients([("a", 170, 70, None)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-10"), 7, "ug/day")])
    assert exposure(pts, inf)[0]["vials_min"].iloc[0] == 2


def test_overlapping_segments_count_each_day_once_at_the_latest_rate():
    # segments are inclusive of both dates; day 7 is in both -> counted once, at 28 (latest start)
    pts = patients([("a", 170, 70, None)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-07"), 9, "ug/day"),
                     ("a", 1, D("2023-01-07"), D("2023-01-14"), 28, "ug/day")])
    days = derive_infusion_days(segment_doses(pts, inf))
    assert len(days) == 14
    assert days.loc[days["infusion_date"] == D("2023-01-07"), "daily_dose_used_ug"].item() == 28.0
    exp, _ = exposure(pts, inf)
    assert exp["cumulative_dose_ug"].item() == 6 * 9 + 8 * 28
    assert (exp["step_up_days"].item(), exp["full_dose_days"].item()) == (6, 8)


def test_cycles_duration_classes_per_definition():
    # cycle 1: 14 days, cycle 2: 28 days -> cycle-1 duration "<=14 d", total 42 days ">28 d", ">=2" cycles
    pts = patients([("a", 170, 70, None)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-14"), 28, "ug/day"),
                     ("a", 2, D("2023-02-12"), D("2023-03-11"), 28, "ug/day")])
    exp, cycles = exposure(pts, inf)
    row = exp.iloc[0]
    assert (row["infusion_days_cycle1"], row["infusion_days_total"], row["cycles_started"]) == (14, 42, 2)
    assert (row["duration_class_cycle1"], row["duration_class_total"], row["cycles_class"]) == ("<=14 d", ">28 d", ">=2")
    assert cycles["infusion_days"].tolist() == [14, 28]
    assert row["regimen_class"] == "other"


@pytest.mark.parametrize("days, label", [(14, "<=14 d"), (15, "15-28 d"), (28, "15-28 d"), (29, ">28 d")])
def test_duration_class_boundaries(days, label):
    assert classify(pd.Series([days]), DeriveSettings().duration_classes).item() == label


def test_regimen_classes_short_course_and_fixed_14_day():
    # seed 003: 9 ug/day for 3 days then 28 ug/day; short course = full dose < 10 days (step-up excluded)
    # seed 004: 14-day course.
    pts = patients([("s", 170, 70, None), ("t", 170, 70, None), ("f", 120, 25, None)])
    inf = infusions([
        ("s", 1, D("2023-01-01"), D("2023-01-03"), 9, "ug/day"),
        ("s", 1, D("2023-01-04"), D("2023-01-11"), 28, "ug/day"),  # 8 full-dose days
        ("t", 1, D("2023-01-01"), D("2023-01-03"), 9, "ug/day"),
        ("t", 1, D("2023-01-04"), D("2023-01-13"), 28, "ug/day"),  # 10 full-dose days
        ("f", 1, D("2023-01-01"), D("2023-01-14"), 15, "ug/m2/day"),  # 14 days
    ])
    exp, _ = exposure(pts, inf)
    assert exp["regimen_class"].tolist() == ["short_course_<10d_full_dose", "other", "fixed_14_day"]
    # seed 003 preset: its 6-10-day range counts 10 full-dose days as short course
    exp3, _ = exposure(pts, inf, seed_003())
    assert exp3["regimen_class"].tolist()[:2] == ["short_course_<10d_full_dose", "short_course_<10d_full_dose"]


def test_patient_without_infusions_has_zero_exposure_and_no_t0():
    pts = patients([("a", 170, 70, None), ("b", 170, 70, None)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-28"), 28, "ug/day")])
    exp, _ = exposure(pts, inf)
    b = exp.set_index("patient_id").loc["b"]
    assert pd.isna(b["t0_date"]) and b["infusion_days_total"] == 0 and b["regimen_class"] is None
    exp_empty, cycles = exposure(pts, infusions([]))
    assert exp_empty["cycles_started"].tolist() == [0, 0] and cycles.empty


def test_missing_bsa_leaves_cumulative_dose_missing():
    pts = patients([("a", None, 30, None)])
    inf = infusions([("a", 1, D("2023-01-01"), D("2023-01-28"), 15, "ug/m2/day")])
    exp, _ = exposure(pts, inf)
    assert np.isnan(exp["cumulative_dose_ug"].item()) and pd.isna(exp["vials_min"].item())


def test_end_before_start_is_a_user_error_naming_the_row():
    pts = patients([("a", 170, 70, None)])
    inf = infusions([("a", 1, D("2023-01-10"), D("2023-01-01"), 28, "ug/day")]).assign(source_row=4)
    with pytest.raises(InputDataError, match="table 'infusions', row 4: end_date is before start_date"):
        exposure(pts, inf)


# --- equivalence with the first (repeat, sort, drop_duplicates, group-by) implementation ---------------------

def naive_infusion_days(segments):
    n_days = ((segments["end_date"] - segments["start_date"]) // pd.Timedelta(days=1) + 1).astype(int).to_numpy()
    days = segments.loc[segments.index.repeat(n_days),
                        ["patient_id", "start_date", "cycle_number", "rate_class", "daily_dose_used_ug", "dose_source"]]
    offset = days.groupby(level=0).cumcount().to_numpy()
    days = days.reset_index(drop=True)
    days["infusion_date"] = days["start_date"] + pd.to_timedelta(offset, unit="D")
    days = days.sort_values(["patient_id", "infusion_date", "start_date", "daily_dose_used_ug"],
                            ascending=[True, True, False, False], kind="mergesort")
    days = days.drop_duplicates(["patient_id", "infusion_date"], keep="first")
    return days.drop(columns="start_date").reset_index(drop=True)


def dose_in_units(dose):
    """A daily dose in whole 1e-9 ug (the derivation's exact dose sums), in plain Python."""
    return 0 if dose != dose else math.floor(dose * 10**9 + 0.5)


def naive_cycles(days, s):
    d = days.assign(full=days["rate_class"].eq("full"), step=days["rate_class"].eq("step_up"),
                    dose_missing=days["daily_dose_used_ug"].isna(),
                    units=[dose_in_units(x) for x in days["daily_dose_used_ug"]])
    cyc = d.groupby(["patient_id", "cycle_number"], sort=True).agg(
        cycle_start=("infusion_date", "min"), cycle_end=("infusion_date", "max"),
        infusion_days=("infusion_date", "size"), full_dose_days=("full", "sum"), step_up_days=("step", "sum"),
        units=("units", "sum"), dose_missing=("dose_missing", "any")).reset_index()
    cyc.insert(7, "cumulative_dose_ug", cyc.pop("units") / 10**9)
    cyc.loc[cyc["dose_missing"], "cumulative_dose_ug"] = np.nan
    first = cyc.groupby("patient_id")["cycle_number"].transform("min") == cyc["cycle_number"]
    full_length = cyc["infusion_days"] == s.label_cycle_days
    step_then_full = first & (cyc["step_up_days"] == s.label_step_up_days) & (
        cyc["full_dose_days"] == s.label_cycle_days - s.label_step_up_days)
    cyc["label_cycle"] = full_length & (((cyc["step_up_days"] == 0) & (cyc["full_dose_days"] == s.label_cycle_days))
                                        | step_then_full)
    return cyc.drop(columns="dose_missing")


def test_days_and_cycles_equal_the_naive_implementation_with_overlaps_and_gaps():
    # synthetic cohort plus overlapping re-recorded bags (later start, half rate), exact duplicates, recorded
    # doses, missing cycle numbers and missing BSA (dose unknown), rows shuffled
    from blinrwe.derive.study_tables import study_tables
    from blinrwe.examples import synthetic_cohort

    t = study_tables(synthetic_cohort(300, 12))
    inf = t["infusions"]
    bag = inf.iloc[::6].assign(start_date=lambda d: d["start_date"] + pd.Timedelta(days=2),
                               dose_value=lambda d: d["dose_value"] * 0.5)
    inf = pd.concat([inf, bag, inf.iloc[::9]], ignore_index=True).sample(frac=1.0, random_state=3).reset_index(drop=True)
    inf.loc[inf.index[::11], "daily_dose_ug"] = 7.0
    inf.loc[inf.index[::13], "cycle_number"] = pd.NA
    pts = t["patients"].copy()
    pts.loc[pts.index[::8], ["bsa_m2", "height_cm"]] = np.nan
    s = DeriveSettings()
    seg = segment_doses(pts, inf, s)
    days = derive_infusion_days(seg)
    pd.testing.assert_frame_equal(days, naive_infusion_days(seg), check_exact=True)
    _, cycles = exposure(pts, inf, s)
    pd.testing.assert_frame_equal(cycles, naive_cycles(days, s), check_exact=True)


@pytest.mark.parametrize("doses", [[28.0, 9.0, 20.25, 1 / 3], [4e6, 4e6, 4e6, 1e-9], [1e7, 0.1, float("nan"), 7.0]])
def test_dose_totals_are_the_exact_sums_of_the_doses_in_whole_units(doses):
    """Whatever the order and the size (past 2**53 units the sum is taken in integers), each total is the
    plain-Python integer sum of the rounded doses."""
    from blinrwe.derive.exposure import dose_sum_per_group

    group = np.array([0, 1, 0, 0])
    got = dose_sum_per_group(np.array(doses), group, 2)
    want = [sum(dose_in_units(d) for d, g in zip(doses, group) if g == k) / 10**9 for k in (0, 1)]
    assert got.tolist() == want
    assert dose_sum_per_group(np.array(doses)[::-1], group[::-1], 2).tolist() == want
