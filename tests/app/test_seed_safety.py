"""Seeds 002 and 000 through the CLI pipeline: the safety and subsequent-therapy counts their abstracts print.

Both abstracts give counts, not patient rows; the cohorts below are written as a person fills the CSV
template, with dates and the spread of events ours and the counts the papers'. They check that the
pipeline counts by the papers' definitions (seed-targets.yaml):

* seed 002 (64 adults relapsed after allo-HSCT): worst grade 3 in 20 (31%) and worst grade 4 in 28 (44%)
  patients; neurologic events grade 3 in 8 and grade 4 in 2; CRS grade 3 in 2; 8 patients with fatal AEs,
  5 of them infections; GVHD (grade <= 3) in 7.
* seed 000 (19 patients): of the 16 in CR, 10 (62.5%) proceeded to allo-HSCT.
"""

from __future__ import annotations

import datetime as dt

import pytest

from .test_seed_reproduction import _ard, _cell, _run_written, _titled, _write_csv_study, write_seed000

SEED002_SPEC = """[study]
title = "Blinatumomab after allo-HSCT (seed 002)"

[data]
path = "data"

[endpoints]
names = ["OS"]

[subgroups]
variables = []
table1_by = ""

[cox]
endpoints = []

[report]
formats = ["xlsx", "csv"]
figure_formats = []
output = "out"
"""

#: patient number -> adverse events (term, grade); the others have a grade 1 fever at most
_FATAL = {i: ("infection" if i <= 5 else "other") for i in range(1, 9)}


def _seed002_events(i: int) -> list[tuple[str, int]]:
    events = []
    if i in _FATAL:
        events.append((_FATAL[i], 5))
    elif i <= 36:
        events.append(("neutropenia", 4))  # 28 with worst grade 4
    elif i <= 56:
        events.append(("anemia", 3))  # 20 with worst grade 3
    else:
        events.append(("fever", 1))
    if i in (9, 10):
        events.append(("neurologic_event", 4))
    if 37 <= i <= 44:
        events.append(("neurologic_event" if i <= 42 else "ICANS", 3))
    if i in (45, 46):
        events.append(("CRS", 3))
    gvhd = {57: 1, 58: 1, 59: 2, 60: 2, 61: 2, 45: 3, 47: 3}
    if i in gvhd:
        events.append(("GVHD", gvhd[i]))
    return events


def write_seed002(folder) -> None:
    rows = {k: [] for k in ("patients", "infusions", "events", "adverse_events")}
    for i in range(1, 65):
        pid, t0 = f"M{i:02d}", dt.date(2012, 1, 2) + dt.timedelta(days=9 * i)

        def day(n, t0=t0):
            return (t0 + dt.timedelta(days=n)).isoformat()
        rows["patients"].append(dict(patient_id=pid, sex="M" if i % 2 else "F", age_at_t0=20 + i % 50,
                                     disease_setting="relapsed_refractory", rr_type="relapsed", prior_allo_hsct="yes",
                                     ph_status="negative", disease_status_at_t0="non_CR", bm_blast_pct_at_t0=60))
        last = 19 if i in _FATAL else 27  # the infusion stops before a fatal event (day 20)
        for start, end, rate in ((0, 6, 9), (7, last, 28)):
            rows["infusions"].append(dict(patient_id=pid, cycle_number=1, start_date=day(start), end_date=day(end),
                                          dose_value=rate, dose_unit="ug/day"))
        for term, grade in _seed002_events(i):
            rows["adverse_events"].append(dict(patient_id=pid, term=term, grade=grade, onset_date=day(10),
                                               fatal="yes" if grade == 5 else "no"))
        if i in _FATAL:
            rows["events"].append(dict(patient_id=pid, event_type="death", event_date=day(20),
                                       cause_of_death="infection" if _FATAL[i] == "infection" else "other"))
        else:
            rows["events"].append(dict(patient_id=pid, event_type="last_contact", event_date=day(400)))
    _write_csv_study(folder, rows)


@pytest.fixture(scope="module")
def seed002(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed002")
    write_seed002(folder / "data")
    return _run_written(folder, SEED002_SPEC)


def _grades(run, term_label):
    table = _titled(run, "Adverse events by worst grade")
    row = next(r for r in table if r[0] == term_label)
    columns = next(r for r in table if "Grade 1" in r)
    return dict(zip(columns[1:], row[1:]))


def test_seed002_worst_grade_3_in_20_and_grade_4_in_28_of_64(seed002):
    any_ae = dict(table="safety", variable="any", level="")
    assert _ard(seed002, statistic="grade_3", **any_ae)["value"] == 20
    assert _ard(seed002, statistic="grade_4", **any_ae)["value"] == 28
    grades = _grades(seed002, "Any adverse event")
    assert (grades["Grade 3"], grades["Grade 4"], grades["Grade 5"]) == ("20 (31.3)", "28 (43.8)", "8 (12.5)")


def test_seed002_neurologic_events_grade_3_in_8_and_grade_4_in_2_crs_grade_3_in_2(seed002):
    grades = _grades(seed002, "Neurologic events (ICANS or other neurologic event)")
    assert (grades["Grade 3"], grades["Grade 4"]) == ("8 (12.5)", "2 (3.1)")
    assert _grades(seed002, "Cytokine release syndrome")["Grade 3"] == "2 (3.1)"


def test_seed002_eight_fatal_adverse_events_five_infections(seed002):
    assert _ard(seed002, "deaths", "fatal_ae", "n", level="yes")["value"] == 8
    assert _ard(seed002, "deaths", "fatal_ae_term", "n", level="infection")["value"] == 5
    table = _titled(seed002, "Deaths and fatal adverse events")
    column = "Overall (N = 64)"
    assert _cell(table, "Fatal adverse event", column) == "8 (12.5)"
    assert _cell(table, "Infection", column, section="Fatal adverse event") == "5 (7.8)"
    # relatedness to blinatumomab was not recorded: NE, with the reason under the table
    assert _cell(table, "Fatal adverse event related to blinatumomab (treatment-related death)", column) == "NE"
    assert any(isinstance(r[0], str) and r[0].startswith("NE: relatedness to blinatumomab") for r in table)


def test_seed002_gvhd_grade_3_or_less_in_7_among_the_transplanted(seed002):
    gvhd = _ard(seed002, "safety", "GVHD", "grade_any", level="prior_allo_hsct")
    assert (gvhd["value"], gvhd["denominator"]) == (7, 64)
    assert _ard(seed002, "safety", "GVHD", "grade_4", level="prior_allo_hsct")["value"] == 0
    table = _titled(seed002, "Adverse events by worst grade")
    assert any(isinstance(r[0], str) and "Graft-versus-host disease: among patients with prior allo-HSCT (N = 64)"
               in r[0] for r in table)


SEED000_SPEC = """[study]
title = "Blinatumomab in R/R B-ALL (seed 000)"

[data]
path = "data"

[endpoints]
preset = "000"
names = ["OS"]

[subgroups]
variables = []
table1_by = ""

[cox]
endpoints = []

[report]
formats = ["xlsx", "csv"]
figure_formats = []
output = "out"
"""


@pytest.fixture(scope="module")
def seed000_therapies(tmp_path_factory):
    """Seed 000's cohort (test_seed_reproduction.write_seed000) with 10 of the 16 patients in CR (W01-W08 of
    the overt-disease CRs and two of the four in CR at the start) transplanted on day 60."""
    import csv

    folder = tmp_path_factory.mktemp("seed000_therapies")
    write_seed000(folder / "data")
    transplanted = [f"W{i:02d}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 16, 17)]
    with open(folder / "data" / "patients.csv", encoding="utf-8") as f:
        written = {r["patient_id"] for r in csv.DictReader(f)}
    rows = []
    for pid in transplanted:
        i = int(pid[1:])
        start = dt.date(2022, 1, 3) + dt.timedelta(days=30 * i + 60)
        rows.append(dict(patient_id=pid, sequence_number=1, therapy_type="allo_hsct", start_date=start.isoformat(),
                         intent="consolidation"))
    assert set(transplanted) <= written
    _write_csv_study(folder / "data", {"therapies": rows})
    return _run_written(folder, SEED000_SPEC)


def test_seed000_allo_hsct_in_10_of_16_patients_in_cr_62_5_percent(seed000_therapies):
    run = seed000_therapies
    row = _ard(run, "subsequent_therapy_by_response", "allo_hsct_after", "n", level="yes", group_var="responder",
               group="yes")
    assert (row["value"], row["denominator"]) == (10, 16)
    table = _titled(run, "Therapy after blinatumomab by response")
    column = next(v for r in table for v in r if isinstance(v, str) and v.startswith("Responder (N = 16)"))
    assert _cell(table, "Allo-HSCT after blinatumomab, n (%)", column) == "10 (62.5)"
    assert _cell(table, "Consolidation", column,
                 section="Recorded intent of the first therapy after blinatumomab, n (%)") == "10 (100.0)"
