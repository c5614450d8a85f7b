"""Seed 003 through the pipeline: every count its text states, as the report prints it.

The bundled study ``examples/studies/seed003.toml`` (the 30 published patients of
Yin et al. 2024, Tables 1-2, summary form) is run once through
:func:`blinrwe.app.pipeline.run_study` into a temporary folder, and each count of the
text (seed-targets.yaml ``seed003_patient_level_checks`` and the ``s003_*`` targets) is
read back from the long results table (``results.csv``) and from the rendered tables
(``tables.xlsx``, read with openpyxl).

The shipped specification reports response, MRD, therapy paths and Table 1 by
response (CR/CRi yes/no) with further treatment, relapse, death and cause of death
as rows. For the counts by further treatment the same study is run once more with
only the Table 1 grouping changed (by further treatment). Only the report formats
are narrowed to XLSX + CSV (no HTML/DOCX/figures) for speed.

Where the text disagrees with its own Table 2 (seed-targets.yaml ``inconsistencies``)
the test pins what the listing gives and names the printed number.

Not checkable from this example (no dates, no adverse events in the published
listing): the survival estimates and log-rank p-values (their arithmetic is checked
from risk sets in tests/stats/test_seed_targets.py), median follow-up, the adverse
events of Table 3, "four relapsed patients received additional treatment" and
multilineage recurrence (not in the tables).
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

from blinrwe.app.pipeline import Progress, bundled_spec, load_spec, run_study
from blinrwe.report.formatting import format_percent

OUTCOMES = ("relapse", "death")


def _run(folder, **subgroups):
    spec = load_spec(bundled_spec("seed003"))
    spec = replace(
        spec,
        subgroups=replace(spec.subgroups, **subgroups),
        report=replace(spec.report, formats=("xlsx", "csv"), figure_formats=()),
    )
    return _outputs(run_study(spec, folder, progress=Progress(enabled=False)))


def _outputs(out):
    """What a reader gets: results.csv as a frame, every tables.xlsx sheet by its title row, the folder."""
    ard = pd.read_csv(out / "results.csv", dtype={"level": str, "group": str, "group_var": str})
    workbook = openpyxl.load_workbook(out / "tables.xlsx", read_only=True)
    tables = {}
    for sheet in workbook.worksheets:
        rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
        if rows and isinstance(rows[0][0], str):
            tables[rows[0][0]] = rows
    workbook.close()
    return SimpleNamespace(ard=ard, tables=tables, folder=out)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("seed003")
    shipped = _run(base / "shipped")
    return SimpleNamespace(
        shipped=shipped,
        by_response=shipped,  # the shipped Table 1 is by response
        by_further=_run(base / "by_further", table1_by="further_treatment_group",
                        table1_variables=("responder", *OUTCOMES)),
    )


# --- reading the outputs back -----------------------------------------------------------

def _ard(run, table, variable, statistic, level=None, group_var="", group="Overall"):
    """The one ARD row of a statistic (yes/no variables have the levels "yes" and "no")."""
    a = run.ard
    rows = a[(a["table"] == table) & (a["variable"] == variable) & (a["statistic"] == statistic)
             & (a["group_var"].fillna("") == group_var) & (a["group"].fillna("") == group)]
    if level is not None:
        rows = rows[rows["level"].fillna("") == level]
    assert len(rows) == 1, f"{table}/{variable}/{statistic}/{level}/{group_var}={group}: {len(rows)} rows"
    return rows.iloc[0]


def _table(run, title_start):
    matches = [rows for title, rows in run.tables.items() if title.startswith(title_start)]
    assert len(matches) == 1, f"one table titled {title_start!r} expected; have {list(run.tables)}"
    return matches[0]


def _cell(rows, label, column, section=None):
    """Text of the cell in row ``label`` (within ``section`` if given) under the header ``column``;
    the "Yes" level of a yes/no ``section`` is the section's own row (one row per yes/no variable)."""
    col = next(i for r in rows for i, v in enumerate(r) if v == column)
    start = 0
    if section is not None:
        start = next(i for i, r in enumerate(rows) if r[0] == section) + 1
        if label == "Yes" and rows[start - 1][col] is not None:
            return rows[start - 1][col]  # a yes/no variable prints its "yes" counts on its own row
    for r in rows[start:]:
        if section is not None and r[0] is not None and r[0] != label and r[col] is None:
            break  # next section heading (no count in its row)
        if r[0] == label:
            return r[col]
    raise AssertionError(f"no row {label!r} in section {section!r}")


def _header(rows, start):
    return [v for r in rows for v in r if isinstance(v, str) and v.startswith(start)]


ALL = "Overall (N = 30)"


# --- response ------------------------------------------------------------------------


def test_shipped_spec_reports_table_1_by_response_with_outcomes(runs):
    spec = load_spec(bundled_spec("seed003"))
    assert spec.subgroups.table1_by == "responder"
    assert {"further_treatment_group", *OUTCOMES, "cause_of_death"} <= set(spec.subgroups.table1_variables)
    baseline = _table(runs.shipped, "Table 2. Baseline")
    assert _header(baseline, "Responder (N = ") == ["Responder (N = 25)"] and _header(baseline, "Non-responder (N = ") == ["Non-responder (N = 5)"]
    # cause of death: not applicable for the 24 patients alive, none missing
    assert _cell(baseline, "Not applicable, n", ALL, section="Cause of death, n (%)") == "24"
    assert _ard(runs.shipped, "table1", "cause_of_death", "missing")["value"] == 0


def test_25_of_30_responders_83_3_percent_cr_16_cri_9(runs):
    run = runs.shipped
    for variable, k in (("cr_cri", 25), ("CR", 16), ("CRi", 9)):
        row = _ard(run, "response", variable, "proportion", level="overall")
        assert (row["n"], row["denominator"]) == (k, 30)
    response = _table(run, "Table 3. Response to blinatumomab by disease status")
    # s003_abs_cr / s003_d_ccr "25 patients (83.3%)"; s003_cr "CR n = 16"; s003_cri "CRi n = 9"
    assert _cell(response, "CR/CRi", ALL) == "25/30 (83.3%)"
    assert _cell(response, "CR", ALL) == "16/30 (53.3%)"
    assert _cell(response, "CRi", ALL) == "9/30 (30.0%)"
    # s003_hem_tox prints 25/30 as "83.8%": the report prints 83.3 (a misprint in the seed)
    assert format_percent(25 / 30, 1) == "83.3"


def test_5_non_responders(runs):
    flow_row = _ard(runs.shipped, "attrition", "MRD response: responders", "n", level="excluded: not a responder")
    assert flow_row["value"] == 5
    flow = _table(runs.shipped, "Table 1. Patient flow")
    assert _cell(flow, "Excluded: not a responder", "Patients included, n") == "5"
    assert _header(_table(runs.by_response, "Table 2. Baseline"), "Non-responder (N = ") == ["Non-responder (N = 5)"]


def test_12_of_30_mrd_negative(runs):
    row = _ard(runs.shipped, "response", "mrd_negative", "proportion", level="overall|all_treated")
    assert (row["n"], row["denominator"]) == (12, 30)
    response = _table(runs.shipped, "Table 3. Response to blinatumomab by disease status")
    assert _cell(response, "MRD negativity (of all treated patients)", ALL) == "12/30 (40.0%)"
    assert format_percent(row["value"], 0) == "40"  # s003_abs_mrdneg "Twelve patients (40%)"


def test_13_high_load_patients_9_responded_6_mrd_negative(runs):
    high = dict(group_var="burden_t0_gt50", group=">50")
    assert _ard(runs.shipped, "response", "evaluable", "n", level="overall", **high)["value"] == 13
    responders = _ard(runs.shipped, "response", "cr_cri", "proportion", level="overall", **high)
    mrd = _ard(runs.shipped, "response", "mrd_negative", "proportion", level="overall|all_treated", **high)
    assert (responders["n"], responders["denominator"], mrd["n"], mrd["denominator"]) == (9, 13, 6, 13)
    response = _table(runs.shipped, "Table 4. Response to blinatumomab by burden")
    assert ">50 (N = 13)" in _header(response, ">50")
    assert _cell(response, "CR/CRi", ">50 (N = 13)") == "9/13 (69.2%)"  # s003_highload_resp "Nine (69.2%)"
    assert _cell(response, "MRD negativity (of all treated patients)", ">50 (N = 13)") == "6/13 (46.2%)"  # six (46.2%)
    # s003_highload / s003_abs_highload "Thirteen patients (43.3%)"
    baseline = _table(runs.by_response, "Table 2. Baseline")
    assert _cell(baseline, ">50", ALL) == "13 (43.3)"


def test_high_load_non_responders_are_4_not_5(runs):
    """s003_nonresp "Five patients (38.5%) showed no response" among the 13 high-load patients:
    the listing gives 4 (6, 9, 11, 24; 30.8%); the fifth non-responder (26) had 6% blasts.
    The abstract's "13 (43.3%) with a high leukemic load achieved CR" is likewise 9."""
    high = dict(group_var="burden_t0_gt50", group=">50")
    evaluable = _ard(runs.shipped, "response", "evaluable", "n", level="overall", **high)["value"]
    responders = _ard(runs.shipped, "response", "cr_cri", "proportion", level="overall", **high)["n"]
    assert evaluable - responders == 4
    assert format_percent(4 / 13, 1) == "30.8" != "38.5"


# --- baseline ----------------------------------------------------------------------------


def test_baseline_counts(runs):
    baseline = _table(runs.shipped, "Table 2. Baseline")
    expected = {  # Table 1 / section 3.1: 14 men, 16 women; 9 primary refractory, 12 1R, 6 2R, 3 3R; 17/13 risk
        ("Sex, n (%)", "Female"): "16 (53.3)", ("Sex, n (%)", "Male"): "14 (46.7)",
        ("Disease status, n (%)", "Primary refractory"): "9 (30.0)",
        ("Disease status, n (%)", "1R"): "12 (40.0)", ("Disease status, n (%)", "2R"): "6 (20.0)",
        ("Disease status, n (%)", "3R"): "3 (10.0)",
        ("Genetic risk group, n (%)", "Standard"): "17 (56.7)", ("Genetic risk group, n (%)", "Poor"): "13 (43.3)",
        # 3 relapsed after allo-HSCT before blinatumomab + 1 after allo-HSCT and CAR-T
        ("Prior therapy, n (%)", "Chemotherapy+allo-HSCT"): "3 (10.0)",
        ("Prior therapy, n (%)", "Chemotherapy+allo-HSCT+CART"): "1 (3.3)",
    }
    for (section, label), text in expected.items():
        assert _cell(baseline, label, ALL, section=section) == text, (section, label)
    relapsed = sum(_ard(runs.shipped, "table1", "disease_status", "n", level=s)["value"] for s in ("1R", "2R", "3R"))
    assert relapsed == 21  # s003_relapsed "21/30"


def test_printed_medians_disagree_with_the_listing(runs):
    """s003_age "38 years (range, 18-77 years)" and s003_blast_median "49.06% (range: 6%-99%)":
    the listing gives medians 33.5 and 36.5 (means 38.6 and 46.5); the ranges agree."""
    baseline = _table(runs.shipped, "Table 2. Baseline")
    assert _cell(baseline, "Median (range)", ALL, section="Age at first infusion, years") == "33.5 (18.0-77.0)"
    assert _cell(baseline, "Median (range)", ALL, section="Marrow blasts before blinatumomab, %") == "36.5 (6.0-99.0)"
    assert _ard(runs.shipped, "table1", "age_at_t0", "median")["value"] == 33.5
    assert _ard(runs.shipped, "table1", "age_at_t0", "mean")["value"] == pytest.approx(38.6)
    assert _ard(runs.shipped, "table1", "bm_blast_pct_at_t0", "median")["value"] == 36.5


# --- further treatment ----------------------------------------------------------------------


def test_24_with_and_6_without_further_treatment(runs):
    # Table 2 prints the further-treatment groups of the whole cohort, so their own table
    # (the same numbers under the same labels) is not printed a second time
    assert not [t for t in runs.shipped.tables if "Further treatment after blinatumomab" in t]
    baseline = _table(runs.shipped, "Table 2. Baseline")
    assert _cell(baseline, "None", ALL, section="Further treatment, n (%)") == "6 (20.0)"  # Fig. 2a-b: 24 vs 6
    assert _ard(runs.shipped, "further_treatment", "further_treatment_group", "n", level="none")["value"] == 6
    # patient 3 (CAR-T then allo-HSCT) is counted under allo-HSCT, as the text does
    paths = _table(runs.shipped, "Table 6. Sequences of therapies")  # after Table 5, deaths (issue 9)
    assert _cell(paths, "CAR-T -> allo-HSCT", ALL) == "1 (3.3)"


def test_further_treatment_among_responders_8_3_3_8_and_3_none(runs):
    run = runs.by_response
    yes = dict(group_var="responder", group="yes")
    expected = {"chemotherapy": 8, "blinatumomab": 3, "car_t": 3, "allo_hsct": 8, "none": 3}
    for level, k in expected.items():
        assert _ard(run, "table1", "further_treatment_group", "n", level=level, **yes)["value"] == k, level
    baseline = _table(run, "Table 2. Baseline")
    section = "Further treatment, n (%)"
    cells = {label: _cell(baseline, label, "Responder (N = 25)", section=section)
             for label in ("Chemotherapy", "Further blinatumomab", "CAR-T", "Allo-HSCT", "None")}
    assert cells == {"Chemotherapy": "8 (32.0)", "Further blinatumomab": "3 (12.0)", "CAR-T": "3 (12.0)",
                     "Allo-HSCT": "8 (32.0)", "None": "3 (12.0)"}  # s003_resp_nofurther "three (12.0%)"
    assert format_percent((25 - 3) / 25, 1) == "88.0"  # s003_resp_further "Twenty-two (88.0%)"
    # s003_d_nonresp_further "40%": the two non-responders given CAR-T (6, 26)
    assert _cell(baseline, "CAR-T", "Non-responder (N = 5)", section=section) == "2 (40.0)"


# --- relapses and deaths ----------------------------------------------------------------------


def test_5_relapses_all_among_responders(runs):
    run = runs.by_response
    assert _ard(run, "table1", "relapse", "n", level="yes")["value"] == 5
    assert _ard(run, "table1", "relapse", "n", level="yes", group_var="responder", group="yes")["value"] == 5
    baseline = _table(run, "Table 2. Baseline")
    assert _cell(baseline, "Yes", "Responder (N = 25)", section="Relapse, n (%)") == "5 (20.0)"  # s003_d_resp_relapsed 20%
    # non-responders: relapse cell empty for 9, 11, 24, 26 (not applicable without a response); patient 6 "No"
    assert _cell(baseline, "Not applicable, n", "Non-responder (N = 5)", section="Relapse, n (%)") == "4"
    assert _ard(run, "table1", "relapse", "missing")["value"] == 0
    # s003_relapse "five (22.7%)" of the 22 responders with further treatment: no relapse without it
    none = dict(group_var="further_treatment_group", group="none")
    assert _ard(runs.by_further, "table1", "relapse", "n", level="yes", **none)["value"] == 0
    assert format_percent(5 / 22, 1) == "22.7"


def test_relapses_by_further_treatment_are_2_1_2_not_3_1_1(runs):
    """s003_relapse_by_tx prints 3 after chemotherapy, 1 after allo-HSCT, 1 after CAR-T; Table 2
    gives 2 (7, 13), 1 (21), 2 (17, 18)."""
    by = {g: _ard(runs.by_further, "table1", "relapse", "n", level="yes", group_var="further_treatment_group",
                  group=g)["value"] for g in ("chemotherapy", "allo_hsct", "car_t")}
    assert by == {"chemotherapy": 2, "allo_hsct": 1, "car_t": 2}
    baseline = _table(runs.by_further, "Table 2. Baseline")
    assert _cell(baseline, "Yes", "Chemotherapy (N = 8)", section="Relapse, n (%)") == "2 (25.0)"


def test_deaths_all_5_non_responders_and_6_in_total(runs):
    run = runs.by_response
    deaths = {g: _ard(run, "table1", "death", "n", level="yes", group_var=gv, group=g)["value"]
              for gv, g in (("", "Overall"), ("responder", "no"), ("responder", "yes"))}
    assert deaths == {"Overall": 6, "no": 5, "yes": 1}  # the one responder death is patient 13 (relapsed)
    baseline = _table(run, "Table 2. Baseline")
    assert _cell(baseline, "Yes", "Non-responder (N = 5)", section="Death, n (%)") == "5 (100.0)"  # s003_nonresp_died
    assert _cell(baseline, "Yes", ALL, section="Death, n (%)") == "6 (20.0)"
    assert _cell(baseline, "Infection", ALL, section="Cause of death, n (%)") == "1 (16.7)"  # patient 6
    assert _cell(baseline, "Leukaemia", ALL, section="Cause of death, n (%)") == "5 (83.3)"


def test_deaths_by_further_treatment_match_the_survival_subgroups(runs):
    """3 deaths among the 24 with further treatment (6, 26 after CAR-T; 13 after chemotherapy) and 3
    among the 6 without (9, 11, 24): the counts behind s003_os2y_further 87.30% (risk sets 24, 23, 21)
    and s003_os2y_nofurther 50.0% (6, 5, 4)."""
    deaths = {g: _ard(runs.by_further, "table1", "death", "n", level="yes", group_var="further_treatment_group",
                      group=g)["value"] for g in ("allo_hsct", "blinatumomab", "car_t", "chemotherapy", "none")}
    assert deaths == {"allo_hsct": 0, "blinatumomab": 0, "car_t": 2, "chemotherapy": 1, "none": 3}


# --- seed 004 (Xie et al. 2023, abstract): a dated study built from the published counts ---------------------
#
# The abstract gives counts, not dates. The 33 children are written as a person fills the CSV template:
# 11 primary refractory (10 CR) and 22 relapsed (16 CR) assessed at day 15 of a 14-day course; 15 of the
# 26 children in CR bridged to allo-HSCT on day 45, one of them died (day 150); of the 7 without CR 3 died
# (days 35, 50, 70) and 1 progressed (day 30); everyone else followed for more than a year. These choices
# are ours (the paper has no dates); the counts are the paper's. CRS 18 (2 grade 3), ICANS 1.

import csv  # noqa: E402
import datetime as dt  # noqa: E402

SEED004_SPEC = """[study]
title = "Short-course blinatumomab in children (seed 004)"

[data]
path = "data"

[endpoints]
preset = "004"
names = ["OS", "DFS"]

[subgroups]
variables = ["responder", "rr_type"]
table1_by = "rr_type"

[survival]
landmarks = [12.0]
within = ["responder by allo_hsct_after"]

[cox]
endpoints = []

[report]
formats = ["xlsx", "csv"]
figure_formats = []
output = "out"
"""


def _write_csv_study(folder, rows: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in rows.items():
        columns = list(dict.fromkeys(k for r in table for k in r))
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, columns)
            writer.writeheader()
            writer.writerows(table)


def write_seed004(folder) -> None:
    """The 33 children of seed 004 as CSV tables (see the comment above)."""
    rows = {k: [] for k in ("patients", "infusions", "assessments", "events", "therapies", "adverse_events")}
    children = ([("primary_refractory", True)] * 10 + [("primary_refractory", False)]
                + [("relapsed", True)] * 16 + [("relapsed", False)] * 6)
    in_cr = not_cr = 0
    for i, (rr_type, cr) in enumerate(children, 1):
        pid, t0 = f"X{i:02d}", dt.date(2021, 9, 1) + dt.timedelta(days=7 * i)

        def day(n, t0=t0):
            return (t0 + dt.timedelta(days=n)).isoformat()
        rows["patients"].append(dict(patient_id=pid, sex="M" if i % 2 else "F", age_at_t0=4 + i % 12, weight_kg=20,
                                     height_cm=115, disease_setting="relapsed_refractory", rr_type=rr_type,
                                     disease_status_at_t0="non_CR", bm_blast_pct_at_t0=30 + i))
        for start, end, rate in ((0, 6, 5), (7, 13, 15)):  # < 45 kg: 5 then 15 ug/m2/day, 14 days
            rows["infusions"].append(dict(patient_id=pid, cycle_number=1, start_date=day(start), end_date=day(end),
                                          dose_value=rate, dose_unit="ug/m2/day"))
        blasts, anc, platelets = (1.0, 1.5, 150) if cr else (40.0, 0.4, 20)
        rows["assessments"].append(dict(patient_id=pid, assessment_date=day(15), timepoint="day 15",
                                        bm_blast_pct=blasts, anc=anc, platelets=platelets))
        event = None
        if cr:
            in_cr += 1
            if in_cr <= 15:
                rows["therapies"].append(dict(patient_id=pid, sequence_number=1, therapy_type="allo_hsct",
                                              start_date=day(45)))
            event = ("death", 150) if in_cr == 1 else None
        else:
            not_cr += 1
            event = {1: ("death", 35), 2: ("death", 50), 3: ("death", 70), 4: ("progression", 30)}.get(not_cr)
        if event:
            rows["events"].append(dict(patient_id=pid, event_type=event[0], event_date=day(event[1])))
        if not event or event[0] != "death":
            rows["events"].append(dict(patient_id=pid, event_type="last_contact", event_date=day(420 + i)))
        if i <= 18:
            rows["adverse_events"].append(dict(patient_id=pid, term="CRS", grade=3 if i <= 2 else 1, onset_date=day(1)))
        if i == 5:
            rows["adverse_events"].append(dict(patient_id=pid, term="ICANS", grade=1, onset_date=day(2)))
    _write_csv_study(folder, rows)


def _titled(run, title):
    """The one table whose title, after its "Table n. " number, is ``title``."""
    import re

    matches = [rows for t, rows in run.tables.items() if re.sub(r"^Table \d+\. ", "", t) == title]
    assert len(matches) == 1, f"one table titled {title!r} expected; have {list(run.tables)}"
    return matches[0]


def _run_written(folder, spec_text: str):
    (folder / "study.toml").write_text(spec_text, encoding="utf-8")
    return _outputs(run_study(load_spec(folder / "study.toml"), progress=Progress(enabled=False)))


@pytest.fixture(scope="module")
def seed004(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed004")
    write_seed004(folder / "data")
    return _run_written(folder, SEED004_SPEC)


def _rate(run, endpoint, group_var="", group="Overall", time=12.0):
    a = run.ard
    rows = a[(a["variable"] == endpoint) & (a["statistic"] == "km_rate") & (a["group_var"].fillna("") == group_var)
             & (a["group"].fillna("") == group) & (a["time"] == time)]
    assert len(rows) == 1, (endpoint, group_var, group)
    return rows.iloc[0]["value"]


def _p(run, endpoint, group_var):
    a = run.ard
    rows = a[(a["variable"] == endpoint) & (a["statistic"] == "logrank_p") & (a["group_var"].fillna("") == group_var)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_seed004_response_78_8_percent_and_by_refractory_or_relapsed(seed004):
    run = seed004
    assert tuple(_ard(run, "response", "cr_cri", "proportion", level="overall")[["n", "denominator"]]) == (26, 33)
    by = {g: tuple(_ard(run, "response", "cr_cri", "proportion", level="overall", group_var="rr_type",
                        group=g)[["n", "denominator"]]) for g in ("primary_refractory", "relapsed")}
    assert by == {"primary_refractory": (10, 11), "relapsed": (16, 22)}  # 90.9% (10/11), 72.7% (16/22)


def test_seed004_os_and_dfs_by_response(seed004):
    """OS 96.1% vs 57.1% (p = 0.002), DFS 96.1% vs 42.9% (p < 0.001), all patients OS 87.9%, DFS 84.8%."""
    run = seed004
    assert _rate(run, "OS", "responder", "yes") == pytest.approx(25 / 26)
    assert _rate(run, "OS", "responder", "no") == pytest.approx(4 / 7)
    assert _rate(run, "OS") == pytest.approx(29 / 33) and _rate(run, "DFS") == pytest.approx(28 / 33)
    assert _rate(run, "DFS", "responder", "yes") == pytest.approx(25 / 26)
    assert round(_p(run, "OS", "responder")["value"], 3) == 0.002
    assert _p(run, "DFS", "responder")["value"] < 0.001


def test_seed004_preset_does_not_fail_non_responders_at_day_15(seed004):
    """The paper's DFS of 42.9% among the 7 children without CR (3 event-free) means they were not failures at
    their day-15 assessment; the preset used to make all 7 fail there and print 0%."""
    assert _rate(seed004, "DFS", "responder", "no") == pytest.approx(3 / 7)
    dfs = _titled(seed004, "Time-to-event outcomes by responders")
    assert _cell(dfs, "1-year rate, % (95% CI)", "Non-responder (N = 7)",
                 section="Disease-free survival (DFS)").startswith("42.9")


def test_seed004_hsct_vs_no_hsct_among_responders_with_immortal_time_warning(seed004):
    """Among the 26 in CR: OS and DFS 93.3% (14/15) with HSCT vs 100% (11/11) without. The paper prints
    p = 0.40; with the crude 93.3% (no child censored before the death) the log-rank p is 0.392 whatever the
    time of the death (chi-square = 11/15); 0.40 needs 14 vs 10 at risk, which gives a KM of 92.9%, so both
    printed numbers cannot come from one log-rank analysis."""
    run = seed004
    within = "allo_hsct_after|responder"
    for endpoint in ("OS", "DFS"):
        assert _rate(run, endpoint, within, "yes") == pytest.approx(14 / 15)
        assert _rate(run, endpoint, within, "no") == pytest.approx(1.0)
        p = _p(run, endpoint, within)
        assert p["value"] == pytest.approx(0.3918, abs=1e-4) and "immortal_time: allo-HSCT" in p["note"]
    table = next(rows for title, rows in run.tables.items()
                 if "Time-to-event" in title and title.lower().endswith("among responders"))
    notes = " ".join(str(r[0]) for r in table if r[0])
    assert "immortal-time bias" in notes and "allo-HSCT" in notes


def test_seed004_methods_print_the_preset_rules(seed004):
    spec = load_spec(seed004.folder / "study.resolved.toml")
    from blinrwe.app.pipeline import analyse, derive, load_study

    results = analyse(derive(load_study(spec)[0], spec), spec)
    text = " ".join(results.methods["text"])
    assert "Definitions follow preset {preset}" in text
    changed = dict(next(v for v in results.methods["values"] if "changed_settings" in v)["changed_settings"])
    assert changed["nonresponder_fails_at_first_assessment"] is False
    assert "DFS from the first blinatumomab infusion to the first of relapse, progression or death" in text


def test_seed004_safety_counts(seed004):
    a = seed004.ard
    crs = a[(a["section"] == "safety") & (a["variable"] == "CRS") & (a["group"] == "Overall")]
    values = dict(zip(crs["statistic"], crs["value"]))
    assert (values["grade_any"], values["grade_3plus"]) == (18, 2)  # 18 (54.5%), severe 2 (6.1%)
    icans = a[(a["section"] == "safety") & (a["variable"] == "ICANS") & (a["statistic"] == "grade_any")]
    assert icans["value"].tolist() == [1]


# --- seed 000 (Wang et al. 2025, abstract): response among patients with overt marrow disease ----------------
#
# 19 patients: 15 with overt marrow disease (>= 5% blasts) of whom 12 reach CR (8 MRD-negative), and 4 with
# < 5% blasts but positive MRD, in CR at the start, who all sustain CR and become MRD-negative. Dates are ours.

SEED000_SPEC = """[study]
title = "Blinatumomab in R/R B-ALL (seed 000)"

[data]
path = "data"

[endpoints]
preset = "000"
names = ["OS", "RFS"]

[subgroups]
variables = []
table1_by = ""

[survival]
landmarks = [12.0]

[cox]
endpoints = []

[report]
formats = ["xlsx", "csv"]
figure_formats = []
output = "out"
"""


def write_seed000(folder) -> None:
    rows = {k: [] for k in ("patients", "infusions", "assessments", "events")}
    for i in range(1, 20):
        pid, t0 = f"W{i:02d}", dt.date(2022, 1, 3) + dt.timedelta(days=30 * i)

        def day(n, t0=t0):
            return (t0 + dt.timedelta(days=n)).isoformat()
        overt = i <= 15
        rows["patients"].append(dict(patient_id=pid, sex="M" if i <= 10 else "F", age_at_t0=9 + 3 * i,
                                     disease_setting="relapsed_refractory", rr_type="relapsed",
                                     disease_status_at_t0="non_CR" if overt else "CR",
                                     bm_blast_pct_at_t0=20.0 + i if overt else 2.0, mrd_at_t0=None if overt else 1e-3))
        rows["infusions"].append(dict(patient_id=pid, cycle_number=1, start_date=day(0), end_date=day(27),
                                      dose_value=28, dose_unit="ug/day"))
        cr = i <= 12 or not overt
        mrd = 0.0 if (i <= 8 or not overt) else (1e-3 if cr else None)
        rows["assessments"].append(dict(patient_id=pid, assessment_date=day(29), bm_blast_pct=1.0 if cr else 30.0,
                                        anc=1.5 if cr else 0.3, platelets=150 if cr else 20, mrd_value=mrd))
        if i in (10, 13, 14):
            rows["events"].append(dict(patient_id=pid, event_type="death", event_date=day(120 + 10 * i)))
        else:
            rows["events"].append(dict(patient_id=pid, event_type="last_contact", event_date=day(400)))
    _write_csv_study(folder, rows)


@pytest.fixture(scope="module")
def seed000(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed000")
    write_seed000(folder / "data")
    return _run_written(folder, SEED000_SPEC)


def test_seed000_cr_12_of_15_among_overt_disease_with_exact_ci(seed000):
    """"Twelve (80.0%, 95% CI: 51.9-95.7) of the 15 patients with overt marrow disease achieved CR": the
    headline denominator is named; the 4 patients in CR at the start are shown separately (4/4 sustained CR,
    4/4 MRD-negative); among all 19, 16 in CR and MRD response 12/19 (63.2%)."""
    run = seed000
    overt = _ard(run, "response", "cr_cri", "proportion", level="overall|overt_disease")
    assert (overt["n"], overt["denominator"]) == (12, 15)
    assert (round(overt["lower"] * 100, 1), round(overt["upper"] * 100, 1)) == (51.9, 95.7)
    sustained = _ard(run, "response", "cr_cri", "proportion", level="overall|in_cr_at_t0")
    mrd_sustained = _ard(run, "response", "mrd_negative", "proportion", level="overall|in_cr_at_t0")
    assert (sustained["n"], sustained["denominator"], mrd_sustained["n"]) == (4, 4, 4)
    assert tuple(_ard(run, "response", "cr_cri", "proportion", level="overall")[["n", "denominator"]]) == (16, 19)
    mrd = _ard(run, "response", "mrd_negative", "proportion", level="overall|all_treated")
    assert (mrd["n"], mrd["denominator"]) == (12, 19)
    table = _titled(run, "Response to blinatumomab")
    column = next(v for r in table for v in r if isinstance(v, str) and v.startswith("Overall (N = 19)"))
    labels = [r[0] for r in table if r[0]]
    headline = "CR/CRi (of patients with \u22655% marrow blasts at the first infusion)"
    assert _cell(table, headline, column) == "12/15 (80.0%)"
    assert _cell(table, "CR/CRi (of patients in CR/CRi at the first infusion)", column) == "4/4 (100.0%)"
    # the headline comes before the rates among all patients
    assert labels.index(headline) < labels.index("CR/CRi")


def test_seed000_rfs_starts_at_response(seed000):
    a = seed000.ard
    origin = a[(a["statistic"] == "time_origin")].set_index("variable")["level"]
    assert origin["RFS"] == "first response (CR/CRi)" and origin["OS"] == "first blinatumomab infusion"
    table = _titled(seed000, "Time-to-event outcomes")
    notes = " ".join(str(r[0]) for r in table if r[0])
    assert "Time 0: first blinatumomab infusion (OS); first response (CR/CRi) (RFS)." in notes


# --- issue 9: deaths by cause, therapy by response, AE grades, treatment-related deaths -------------------------


def test_seed003_vital_status_and_deaths_by_cause_of_all_30(runs):
    """6 deaths (20.0%): 1 infection (patient 6), 5 leukaemia; 24 alive. The summary form has no AE dates, so the
    deaths table has no fatal-AE rows."""
    run = runs.shipped
    assert _ard(run, "deaths", "vital_status", "n", level="alive")["value"] == 24
    assert {c: _ard(run, "deaths", "cause_of_death", "n", level=c)["value"] for c in ("leukemia", "infection")} \
        == {"leukemia": 5, "infection": 1}
    assert not (run.ard["variable"] == "fatal_ae").any()
    table = _titled(run, "Deaths and fatal adverse events")
    assert _cell(table, "Alive at the end of follow-up", ALL) == "24 (80.0)"
    assert _cell(table, "Died", ALL) == "6 (20.0)"
    assert _cell(table, "Leukaemia", ALL) == "5 (16.7)" and _cell(table, "Infection", ALL) == "1 (3.3)"


def test_seed003_allo_hsct_and_car_t_at_any_time_among_the_25_responders(runs):
    """Allo-HSCT after blinatumomab in 8 of 25 responders (2, 3, 14, 20, 21, 22, 23, 27; patient 3 after CAR-T)
    and CAR-T in 4 (3, 5, 17, 18): the seed 003 text counts patient 3 under allo-HSCT only (8 / 3)."""
    run = runs.shipped
    yes = dict(group_var="responder", group="yes")
    assert _ard(run, "subsequent_therapy_by_response", "allo_hsct_after", "n", level="yes", **yes)["value"] == 8
    assert _ard(run, "subsequent_therapy_by_response", "car_t_after", "n", level="yes", **yes)["value"] == 4
    table = _titled(run, "Therapy after blinatumomab by response")
    assert _cell(table, "Allo-HSCT after blinatumomab, n (%)", "Responder (N = 25)") == "8 (32.0)"
    assert _cell(table, "CAR-T after blinatumomab, n (%)", "Responder (N = 25)") == "4 (16.0)"


def test_seed004_no_treatment_related_death_and_crs_by_grade_in_the_report(seed004):
    """"No deaths caused by treatment" (0 of 33); CRS 18: 16 grade 1 and 2 grade 3 (54.5%, severe 6.1%)."""
    run = seed004
    assert _ard(run, "deaths", "fatal_ae_related", "n", level="yes")["value"] == 0
    deaths = _titled(run, "Deaths and fatal adverse events")
    column = "Overall (N = 33)"
    assert _cell(deaths, "Fatal adverse event related to blinatumomab (treatment-related death)", column) == "0"
    grades = _titled(run, "Adverse events by worst grade")
    crs = next(r for r in grades if r[0] == "Cytokine release syndrome")
    columns = next(r for r in grades if "Grade 1" in r)  # below the spanning "Overall (N = 33)"
    by_grade = dict(zip(columns[1:], crs[1:]))
    assert (by_grade["Grade 1"], by_grade["Grade 2"], by_grade["Grade 3"]) == ("16 (48.5)", "0", "2 (6.1)")
