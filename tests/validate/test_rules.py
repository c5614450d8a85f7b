"""Cross-table rules: one tiny scenario per finding, through the workbook and the CSV path, messages pinned."""

import pytest

from .scenarios import BASE, D, edit, run_both, scenario


def _p(**kw):
    return {**BASE["patients"][0], **kw}


def _inf(i, **kw):
    return {**BASE["infusions"][i], **kw}


def _ev(i, **kw):
    return {**BASE["events"][i], **kw}


# (id, scenario, validate kwargs, code, table, row, column, message)
CASES = [
    ("dup-patient", scenario(patients=[_p(), _p()]), {}, "PATIENT_DUPLICATE", "patients", 3, "patient_id",
     "patient id already used on row 2"),
    ("dup-row", scenario(events=[_ev(0), _ev(1), _ev(0)]), {}, "ROW_DUPLICATE", "events", 4, None,
     "same patient_id + event_type + event_date as an earlier row"),
    ("unknown-patient", edit("assessments", patient_id="P9"), {}, "PATIENT_UNKNOWN", "assessments", 2, "patient_id",
     "patient id is not in the patients sheet"),
    ("no-infusion", scenario(patients=[_p(), _p(patient_id="P2")]), {}, "PATIENT_WITHOUT_INFUSION", "patients", 3,
     "patient_id", "patient has no row in the infusions sheet (T0, the first infusion, is unknown)"),
    ("age-missing", edit("patients", age_at_t0=None), {}, "AGE_MISSING", "patients", 2, "age_at_t0",
     "neither birth_date nor age_at_t0 is given"),
    ("age-birth", edit("patients", birth_date=D(1990, 1, 1)), {}, "AGE_BIRTH_MISMATCH", "patients", 2, "age_at_t0",
     "age_at_t0 differs by more than a year from the age computed from birth_date and the first infusion (33.0 years)"),
    ("bmi", edit("patients", weight_kg=160, height_cm=120), {}, "BMI_IMPLAUSIBLE", "patients", 2, "weight_kg",
     "height and weight give a body-mass index of 111.1 kg/m2"),
    ("birth-after-dx", edit("patients", birth_date=D(2022, 6, 1), age_at_t0=None), {}, "BIRTH_AFTER_DIAGNOSIS",
     "patients", 2, "birth_date", "birth_date is after diagnosis_date (2022-01-10)"),
    ("dx-after-t0", edit("patients", diagnosis_date=D(2023, 2, 1)), {}, "DIAGNOSIS_AFTER_T0", "patients", 2,
     "diagnosis_date", "diagnosis_date is after the first infusion (2023-01-02)"),
    ("setting", edit("patients", disease_setting="newly_diagnosed", relapse_number=None), {}, "SETTING_INCONSISTENT",
     "patients", 2, "rr_type", "rr_type is given for a newly diagnosed patient"),
    ("cr-blasts", edit("patients", disease_status_at_t0="CR"), {}, "SETTING_INCONSISTENT", "patients", 2,
     "bm_blast_pct_at_t0", "in CR at T0 but more than 5 % marrow blasts"),
    ("mrd-status", edit("patients", mrd_status_at_t0="positive", mrd_at_t0=0.00001), {}, "MRD_STATUS_INCONSISTENT",
     "patients", 2, "mrd_status_at_t0", "mrd_status_at_t0 contradicts mrd_at_t0 (1e-05; negative means < 0.0001)"),
    ("death-before-t0", edit("events", 1, event_date=D(2022, 12, 1)), {}, "DEATH_BEFORE_T0", "events", 3,
     "event_date", "death before the first infusion (2023-01-02)"),
    ("event-before-t0", edit("events", 0, event_date=D(2022, 12, 15)), {}, "EVENT_BEFORE_T0", "events", 2,
     "event_date", "relapse dated before the first infusion (2023-01-02)"),
    ("assessment-before-t0", edit("assessments", assessment_date=D(2022, 12, 20)), {}, "ASSESSMENT_BEFORE_T0",
     "assessments", 2, "assessment_date", "assessment dated before the first infusion (2023-01-02)"),
    ("therapy-before-t0", edit("therapies", start_date=D(2022, 12, 1)), {}, "THERAPY_BEFORE_T0", "therapies", 2,
     "start_date", "subsequent therapy dated before the first infusion (2023-01-02)"),
    ("ae-before-t0", edit("adverse_events", onset_date=D(2022, 12, 30)), {}, "AE_BEFORE_T0", "adverse_events", 2,
     "onset_date", "adverse event dated before the first infusion (2023-01-02)"),
    ("after-death", edit("therapies", start_date=D(2024, 1, 1)), {}, "RECORD_AFTER_DEATH", "therapies", 2,
     "start_date", "start_date is after the death date (2023-12-01)"),
    ("two-deaths", scenario(events=[_ev(0), _ev(1), _ev(1, event_date=D(2023, 12, 2))]), {}, "DEATH_DUPLICATE",
     "events", 4, "event_type", "a second death row for this patient"),
    ("cutoff", BASE, {"data_cutoff": D(2023, 10, 1)}, "DATE_AFTER_CUTOFF", "events", 3, "event_date",
     "event_date is after the data cut-off (2023-10-01)"),
    ("future", BASE, {"today": D(2023, 11, 1)}, "DATE_IN_FUTURE", "events", 3, "event_date",
     "event_date is after today"),
    ("no-follow-up", scenario(events=[_ev(0)]), {}, "NO_FOLLOW_UP", "patients", 2, "patient_id",
     "no death and no last_contact row in the events sheet"),
    ("last-contact-early", scenario(events=[_ev(0), dict(patient_id="P1", event_type="last_contact",
                                                         event_date=D(2023, 5, 1))]), {},
     "LAST_CONTACT_EARLY", "events", 3, "event_date",
     "last contact is before another record of the patient (2023-08-01)"),
    ("infusion-end", edit("infusions", 0, end_date=D(2023, 1, 1)), {}, "INFUSION_END_BEFORE_START", "infusions", 2,
     "end_date", "end_date is before start_date (2023-01-02)"),
    ("overlap", edit("infusions", 1, start_date=D(2023, 1, 8)), {}, "INFUSION_OVERLAP", "infusions", 3, "start_date",
     "segment starts on or before the end of an earlier segment (row 2, ends 2023-01-08)"),
    ("infusion-long", edit("infusions", 1, end_date=D(2024, 1, 29)), {}, "INFUSION_LONG", "infusions", 3, "end_date",
     "segment of 386 days (from 2023-01-09), longer than a whole cycle of 42 days"),
    ("cycle-order", scenario(infusions=[_inf(0, cycle_number=2), _inf(1)]), {}, "CYCLE_ORDER", "infusions", 3,
     "cycle_number", "cycle_number is lower than that of an earlier segment (2)"),
    ("dose-fixed", edit("infusions", 1, dose_value=30), {}, "DOSE_ABOVE_LABEL", "infusions", 3, "dose_value",
     "daily dose 30.0 ug/day is above the label maximum of 28 ug/day"),
    ("dose-recorded", edit("infusions", 1, daily_dose_ug=56), {}, "DOSE_ABOVE_LABEL", "infusions", 3,
     "daily_dose_ug", "daily dose 56.0 ug/day is above the label maximum of 28 ug/day"),
    ("dose-bsa", scenario(patients=[_p(weight_kg=35, height_cm=140)],
                          infusions=[_inf(0, dose_value=5, dose_unit="ug/m2/day"),
                                     _inf(1, dose_value=20, dose_unit="ug/m2/day")]), {},
     "DOSE_ABOVE_LABEL", "infusions", 3, "dose_value",
     "dose_value above the label maximum of 15 ug/m2/day for a patient under 45 kg"),
    ("dose-m2-heavy", scenario(infusions=[_inf(0), _inf(1, dose_value=17, dose_unit="ug/m2/day")]), {},
     "DOSE_ABOVE_LABEL", "infusions", 3, "dose_value",
     "dose_value x BSA gives 28.19 ug/day, above 28 ug/day, for a patient of 45 kg or more (label: fixed dose)"),
    ("assessment-empty", scenario(assessments=[dict(patient_id="P1", assessment_date=D(2023, 2, 10))]), {},
     "ASSESSMENT_EMPTY", "assessments", 2, None, "assessment row without any result"),
    ("cr-with-blasts", edit("assessments", bm_blast_pct=12), {}, "RESPONSE_VS_BLASTS", "assessments", 2,
     "response_recorded", "remission recorded with 12.0 % marrow blasts (remission needs <= 5 %)"),
    ("relapse-no-remission", edit("assessments", response_recorded="NR", bm_blast_pct=40), {},
     "RELAPSE_WITHOUT_REMISSION", "events", 2, "event_type",
     "relapse without an earlier remission (no CR/CRi at T0 and no CR/CRh/CRi assessment before it)"),
    ("site-on-death", edit("events", 1, relapse_site="marrow"), {}, "EVENT_DETAIL_MISPLACED", "events", 3,
     "relapse_site", "relapse_site on a death row"),
    ("cause-missing", edit("events", 1, cause_of_death=None), {}, "DEATH_CAUSE_MISSING", "events", 3,
     "cause_of_death", "death without cause_of_death"),
    ("therapy-end", edit("therapies", end_date=D(2023, 3, 1)), {}, "END_BEFORE_START", "therapies", 2, "end_date",
     "end_date is before start_date (2023-03-15)"),
    ("ae-resolution", edit("adverse_events", resolution_date=D(2023, 1, 2)), {}, "END_BEFORE_START",
     "adverse_events", 2, "resolution_date", "resolution_date is before onset_date (2023-01-03)"),
    ("sequence", scenario(therapies=[dict(patient_id="P1", sequence_number=1, therapy_type="chemotherapy",
                                          start_date=D(2023, 5, 1)),
                                     dict(patient_id="P1", sequence_number=2, therapy_type="allo_hsct",
                                          start_date=D(2023, 3, 15))]), {},
     "THERAPY_SEQUENCE_ORDER", "therapies", 3, "sequence_number",
     "starts before a therapy with a lower sequence_number (2023-05-01)"),
    ("fatal-ae", edit("adverse_events", grade=5, fatal="no"), {}, "FATAL_AE_INCONSISTENT", "adverse_events", 2,
     "fatal", "grade 5 (death) but fatal = no"),
]

SUMMARY_ROW = dict(patient_id="S1", age_years=40, sex="M", disease_status="1R", best_response="NR",
                   mrd_negative="no", next_therapy="car_t", relapse="yes", death_cause="alive")

SUMMARY_CASES = [
    ("summary-relapse-nr", {"patient_summary": [SUMMARY_ROW]}, "SUMMARY_INCONSISTENT", "patient_summary", 2,
     "relapse", "relapse = yes for a non-responder (relapse needs a remission)"),
    ("summary-none", {"patient_summary": [{**SUMMARY_ROW, "relapse": None, "next_therapy": "none;car_t"}]},
     "SUMMARY_INCONSISTENT", "patient_summary", 2, "next_therapy", "'none' together with therapies in next_therapy"),
]

CODES_PINNED = {c[3] for c in CASES} | {c[2] for c in SUMMARY_CASES}


def test_base_scenario_is_clean(tmp_path):
    for study, report in run_both(BASE, tmp_path):
        assert report.findings == ()
        assert study is not None


def _check(report, code, table, row, column, message, kind):
    hits = [f for f in report.findings if f.code == code and f.row == row and f.column == column]
    assert hits, report.to_text()
    f = hits[0]
    assert f.message == message
    assert f.table == table
    if kind == "xlsx":
        assert (f.file, f.sheet) == ("study.xlsx", table)
    else:
        assert (f.file, f.sheet) == (f"{table}.csv", None)
    assert f.hint
    return f


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_finding(case, tmp_path):
    _, tables, kwargs, code, table, row, column, message = case
    for (study, report), kind in zip(run_both(tables, tmp_path, **kwargs), ("xlsx", "csv")):
        f = _check(report, code, table, row, column, message, kind)
        assert f.patient_id in ("P1", "P2", "P9")
        if f.severity.value == "error":
            assert study is None


@pytest.mark.parametrize("case", SUMMARY_CASES, ids=[c[0] for c in SUMMARY_CASES])
def test_summary_rule_finding(case, tmp_path):
    _, tables, code, table, row, column, message = case
    for (study, report), kind in zip(run_both(tables, tmp_path), ("xlsx", "csv")):
        _check(report, code, table, row, column, message, kind)
        assert study is not None  # warnings only


def test_partial_relapse_date_still_after_remission(tmp_path):
    # '2023-08' is imputed to 2023-08-15 ('mid'), well after the CR of 2023-02-10.
    for study, report in run_both(edit("events", 0, event_date="2023-08"), tmp_path):
        assert report.codes() == {"DATE_PARTIAL_IMPUTED": 1}
        assert study.tables["events"].loc[0, "event_date"].isoformat() == "2023-08-15T00:00:00"


def test_findings_never_stop_at_the_first(tmp_path):
    tables = edit("infusions", 1, start_date=D(2023, 1, 8), dose_value=30)
    tables["events"][1]["cause_of_death"] = None
    (_, report), _ = run_both(tables, tmp_path)
    assert {"INFUSION_OVERLAP", "DOSE_ABOVE_LABEL", "DEATH_CAUSE_MISSING"} <= set(report.codes())


def test_details_of_an_unreadable_event_type_are_not_judged(tmp_path):
    # 'Death' is not a code: one CODE_INVALID finding, not also "relapse_site on a None row".
    tables = edit("events", 1, event_type="Death", relapse_site="marrow")
    for _, report in run_both(tables, tmp_path):
        assert "CODE_INVALID" in report.codes()
        assert "EVENT_DETAIL_MISPLACED" not in report.codes()


def test_an_unknown_id_that_differs_only_in_case_spaces_or_width_names_the_listed_one(tmp_path):
    """'p1' and the full-width 'Ｐ１' (a Chinese input method) are P1 of the patients sheet, said in the hint;
    'P9' resembles no listed id and gets the general hint."""
    tables = edit("assessments", 0, patient_id="p1")
    tables["events"][0]["patient_id"] = "Ｐ１"
    tables["events"][1]["patient_id"] = "P9"
    for _, report in run_both(tables, tmp_path):
        hints = {(f.table, f.value): f.hint for f in report.findings if f.code == "PATIENT_UNKNOWN"}
        assert hints[("assessments", "p1")] == "correct the id to 'P1' as the patients sheet has it (ids must match exactly)"
        assert hints[("events", "Ｐ１")] == hints[("assessments", "p1")]
        assert hints[("events", "P9")] == "add the patient to the patients sheet or correct the id (ids must match exactly)"


# --- the rules' shared pieces, against the pandas they replace ------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["P1", "p1", "P10", "P2", " P1", "中"]))))
def test_patient_codes_are_pandas_sorted_codes(ids):
    import numpy as np
    import pandas as pd

    from blinrwe.validate.rule_context import _sorted_codes

    ids = np.array(ids, dtype=object)
    assert _sorted_codes(ids).tolist() == pd.factorize(ids, sort=True)[0].tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 6), st.one_of(st.none(), st.integers(-(10**9), 10**9))), max_size=40),
       st.sampled_from(["min", "max"]))
def test_dates_per_patient_are_those_of_a_groupby(rows, how):
    import pandas as pd

    from blinrwe.validate.rule_context import PATIENT, _dates_per_patient

    patients = pd.Series([p for p, _d in rows], dtype="int64", name=PATIENT)
    dates = pd.Series(pd.to_datetime([None if d is None else d * 10**9 for _p, d in rows]), dtype="datetime64[ns]",
                      name="event_date")
    want = dates.groupby(patients).agg(how)
    want = want[want.index >= 0].dropna()
    pd.testing.assert_series_equal(_dates_per_patient(dates, patients, how), want)


def test_codes_compare_as_pandas_compares_them():
    import pandas as pd

    from blinrwe.validate.rule_context import is_code, is_not_code
    from blinrwe.validate.rules import _starts_with

    codes = pd.Series(["death", None, "relapse", "death", float("nan"), "rr_first"], index=[5, 3, 9, 2, 7, 1])
    pd.testing.assert_series_equal(is_code(codes, "death"), codes == "death", check_names=False)
    pd.testing.assert_series_equal(is_not_code(codes, "death"), codes != "death", check_names=False)
    pd.testing.assert_series_equal(_starts_with(codes, "rr_"), codes.fillna("").str.startswith("rr_"),
                                   check_names=False)
