"""The whole pipeline on many small generated cohorts: a complete report every time (issue 7).

The cohorts clinicians have are small: a subgroup level without events, a covariate level
with two patients, a landmark beyond follow-up, a group of one. Each cohort here is the
synthetic generator's (``blinrwe.examples.synthetic``) at a size from 15 to 400 and a seed,
run through the real specification loader, derive, analyse and ``write_report`` into a
temporary folder, under several specifications (subgroups, Cox models with rare covariate
levels, competing risks, days with show_se and truncation, the defaults). Every run must
give every requested file, every table the specification asks for, a PNG per figure, no
"nan"/"inf" text anywhere, no infinite number in the ARD, and a reason for every hazard
ratio or test that could not be estimated.

The default grid (24 cohorts) keeps the suite fast; ``BLINRWE_SMALL_COHORTS=all`` runs
every specification at 16 sizes x 5 seeds (320 cohorts, several minutes).
"""

from __future__ import annotations

import html
import itertools
import math
import os
import re

import openpyxl
import pytest

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.app.pipeline import analyse, derive, load_study, report_context, write_report
from blinrwe.app.spec import load_spec
from blinrwe.report.disclosure import suppress_small_cells
from blinrwe.report.document import plan_document

# Specification sections after [data]; every one writes html, csv, xlsx and PNG figures.
SPECS = {
    # subgroups and Cox covariates with rare levels (CNS involvement, extramedullary disease)
    "subgroups_cox": """
[endpoints]
names = ["OS", "EFS"]
[subgroups]
variables = ["in_cr_at_t0", "cns_involvement"]
table1_by = "in_cr_at_t0"
[cox]
endpoints = ["OS"]
covariates = ["age_at_t0", "cns_involvement", "extramedullary_disease", "ph_status", "in_cr_at_t0"]
subgroups = ["cns_involvement", "intent"]
""",
    # competing risks, two censoring variants, days, a landmark far beyond follow-up, rate ± SE, truncation
    "competing_days": """
[endpoints]
names = ["RFS", "CIR"]
variants = ["none", "allo_hsct_or_car_t"]
[subgroups]
variables = ["disease_setting"]
[survival]
time_unit = "days"
landmarks = [30.0, 100.0, 365.0, 3650.0]
[cox]
endpoints = ["RFS"]
covariates = ["prior_car_t", "cd19_positive"]
subgroups = ["prior_car_t"]
[report]
show_se = true
rounding = "truncate"
""",
    # many small groups: intent has a level with one patient in 400
    "many_levels": """
[endpoints]
names = ["OS"]
[subgroups]
variables = ["intent", "ph_status"]
table1_by = "intent"
[cox]
endpoints = ["OS"]
covariates = ["intent", "mrd_status_at_t0"]
""",
    # issue 9: Fine-Gray beside cause-specific Cox with rare covariate levels, RMST to a horizon beyond
    # follow-up, a weighted stratified log-rank test, the trend test, stratified Cox
    "competing_summary": """
[endpoints]
names = ["OS", "CIR"]
[subgroups]
variables = ["disease_setting", "ph_status", "cns_involvement"]
[survival]
landmarks = [6.0, 12.0, 240.0]
rmst_tau = 300.0
logrank = "fh"
logrank_rho = 0.5
strata = ["ph_status"]
trend = ["ph_status", "disease_setting"]
[cox]
endpoints = ["OS"]
covariates = ["age_at_t0", "disease_setting"]
strata = ["ph_status"]
competing_covariates = ["age_at_t0", "cns_involvement", "extramedullary_disease", "ph_status"]
[report]
min_cell = 5
""",
    # issue 9: RMST within follow-up and the Peto-Peto test, in days
    "rmst_days": """
[endpoints]
names = ["OS", "EFS", "CIR"]
[subgroups]
variables = ["in_cr_at_t0"]
[survival]
time_unit = "days"
landmarks = [100.0, 365.0]
rmst_tau = 180.0
logrank = "peto"
""",
    # what a new user runs: every default (five endpoints, three subgroups)
    "defaults": "",
}

FAST_GRID = [
    *(("subgroups_cox", n, seed) for n, seed in ((15, 0), (19, 1), (25, 2), (33, 3), (50, 4), (80, 0), (150, 1),
                                                 (400, 2))),
    *(("competing_days", n, seed) for n, seed in ((15, 1), (19, 2), (25, 3), (33, 4), (50, 0), (80, 1), (150, 2),
                                                  (400, 3))),
    *(("many_levels", n, seed) for n, seed in ((15, 3), (25, 4), (40, 5), (100, 6))),
    *(("defaults", n, seed) for n, seed in ((19, 0), (33, 1), (60, 2), (250, 3))),
    *(("competing_summary", n, seed) for n, seed in ((15, 2), (25, 0), (40, 3), (120, 1))),
    *(("rmst_days", n, seed) for n, seed in ((17, 4), (60, 5))),
]
LARGE_GRID = list(itertools.product(SPECS, (15, 17, 19, 22, 25, 30, 33, 40, 50, 65, 80, 100, 150, 200, 300, 400),
                                    range(5)))
GRID = LARGE_GRID if os.environ.get("BLINRWE_SMALL_COHORTS") == "all" else FAST_GRID

_NOT_A_NUMBER = re.compile(r"(?<![a-z])(nan|inf|infinity)(?![a-z])", re.IGNORECASE)
_DATA_URI = re.compile(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+")
#: statistics that print as a number or NE: one that is NaN must say why
_ESTIMATES = ("hr", "cox_p", "logrank_p", "gray_p", "test_p", "shr", "fg_p", "trend_p", "rmst", "rmst_diff",
              "rmst_diff_p", "surv_diff", "surv_diff_p")


def _write_spec(folder, spec_name: str, n: int, seed: int):
    report = '[report]\nformats = ["html", "csv", "xlsx"]\nfigure_formats = ["png"]\nfigure_dpi = 50\n'
    body = SPECS[spec_name]
    body = body.replace("[report]\n", report) if "[report]" in body else body + "\n" + report
    path = folder / "study.toml"
    path.write_text(f'[data]\nexample = "synthetic"\nn = {n}\nseed = {seed}\n{body}', encoding="utf-8")
    return path


def _expected_tables(spec) -> set[str]:
    """Table ids the specification asks for, whatever the cohort."""
    names = set(spec.endpoints.names)
    wanted = {"attrition", "table1", "exposure", "response", "safety", "safety_grades", "deaths"}
    if names - {"CIR"}:
        wanted |= {"survival", *(f"survival_by_{g}" for g in spec.subgroups.variables)}
    if "CIR" in names:
        wanted.add("competing_risks")
    wanted |= {f"cox_{e}" for e in spec.cox.endpoints}
    competing_covariates = spec.cox.covariates if spec.cox.competing_covariates is None else spec.cox.competing_covariates
    if "CIR" in names and competing_covariates:
        wanted.add("competing_regression_CIR")
    if spec.survival.rmst_tau is not None and names - {"CIR"}:
        wanted.add("rmst")
    subgroups = spec.subgroups.variables if spec.cox.subgroups is None else spec.cox.subgroups
    if subgroups:
        wanted |= {f"cox_subgroups_{e}" for e in spec.cox.endpoints}
    return wanted


def _text_cells(workbook_path):
    book = openpyxl.load_workbook(workbook_path, read_only=True)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, float):
                        assert math.isfinite(value), f"{sheet.title}: non-finite number {value!r}"
                    elif isinstance(value, str):
                        yield sheet.title, value
    finally:
        book.close()


@pytest.mark.parametrize("spec_name, n, seed", GRID, ids=[f"{s}-n{n}-seed{k}" for s, n, k in GRID])
def test_small_cohort_gives_a_complete_report(tmp_path, spec_name, n, seed):
    spec = load_spec(_write_spec(tmp_path, spec_name, n, seed))
    study, validation = load_study(spec)
    results = analyse(derive(study, spec), spec, validation)
    out = write_report(results, spec, tmp_path / "out", validation)

    # every requested file, every table asked for, a PNG per figure
    for name in ("report.html", "tables.xlsx", "results.csv", "study.resolved.toml", "validation.txt"):
        assert (out / name).is_file(), name
    # the outputs show the results with small cells suppressed (render.py): plan what they show
    document = plan_document(suppress_small_cells(results, spec.report.min_cell), report_context(spec))
    ids = {t.table_id for t in document.tables}
    # a table that would only repeat numbers printed earlier is named instead of shown (repeats.without_repeats)
    named = " ".join(p for section in document.sections for p in section.paragraphs)
    missing = [t for t in _expected_tables(spec) - ids if "not shown as a table" not in named]
    assert not missing, sorted(missing)
    report = (out / "report.html").read_text(encoding="utf-8")
    for table in document.tables:
        assert html.escape(table.title, quote=False) in report, table.title
    pngs = list((out / "figures").glob("*.png"))
    assert len(pngs) == len(document.figure_jobs) and all(p.stat().st_size > 0 for p in pngs)
    assert len(openpyxl.load_workbook(out / "tables.xlsx", read_only=True).sheetnames) > len(document.tables)

    # no "nan" or "inf" a reader would see, in any output
    texts = {"report.html": _DATA_URI.sub("", report),
             **{name: (out / name).read_text(encoding="utf-8") for name in ("results.csv", "validation.txt")}}
    texts.update((f"tables.xlsx:{sheet}", cell) for sheet, cell in _text_cells(out / "tables.xlsx"))
    for where, text in texts.items():
        found = _NOT_A_NUMBER.search(text)
        assert found is None, f"{where}: {text[max(found.start() - 80, 0):found.end() + 40]!r}"

    # the ARD has no infinite number, and every estimate that could not be computed says why
    ard = results.ard
    numbers = ard[["value", "lower", "upper", "n", "denominator", "time"]].to_numpy(dtype=float)
    assert not (numbers == math.inf).any() and not (numbers == -math.inf).any()
    unexplained = ard[ard["statistic"].isin(_ESTIMATES) & ard["value"].isna()
                      & ~ard["note"].map(lambda note: not_estimable_reason(note) is not None)]
    assert unexplained.empty, unexplained[["table", "variable", "level", "group_var", "group", "statistic", "note"]]
    # ... and the report prints that reason under every table where a hazard ratio or p is NE
    for table in document.tables:
        if table.table_id.startswith("cox") and any(c == "NE" or c.startswith("NE ") for r in table.rows for c in r.cells):
            assert any(f.startswith("NE: ") for f in table.footnotes), (table.table_id, table.footnotes)
        if table.table_id.startswith(("competing_regression", "rmst", "survival_difference")) and any(
                c == "NE" for r in table.rows for c in r.cells):
            assert any(f.startswith("NE (not estimable): ") for f in table.footnotes), (table.table_id, table.footnotes)


# --- issue 9: the safety and outcome tables on degenerate inputs ------------------------------------------------

def _write_degenerate(folder, case: str):
    """A generated cohort (CSV folder) made degenerate: no adverse-event table, or nobody died."""
    import csv

    from blinrwe.examples.synthetic import write_synthetic_study

    data = write_synthetic_study(folder / "data", n_patients=25, seed=3)
    if case == "no_adverse_events":
        (data / "adverse_events.csv").unlink()
    elif case == "no_deaths":
        path = data / "events.csv"
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        kept = [r for r in rows if r["event_type"] != "death"]
        assert len(kept) < len(rows)
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, list(rows[0]))
            writer.writeheader()
            writer.writerows({**r, "cause_of_death": ""} for r in kept)
    return data


@pytest.mark.parametrize("case", ["no_adverse_events", "no_deaths", "summary_form"])
def test_safety_tables_on_degenerate_inputs(tmp_path, case):
    """No AE table: every grade count and fatal AE 0; nobody died: every patient alive, no causes; the summary form (seed 003): deaths by cause, no AE rows. Never an error, never "nan"."""
    report = '[report]\nformats = ["html", "csv", "xlsx"]\nfigure_formats = []\n'
    if case == "summary_form":
        data = ('[data]\nexample = "seed003"\n[endpoints]\npreset = "003"\nnames = ["OS"]\n'
                '[subgroups]\nvariables = []\ntable1_by = ""\n')
    else:
        data = f'[data]\npath = "{_write_degenerate(tmp_path, case).as_posix()}"\n[endpoints]\nnames = ["OS"]\n'
    (tmp_path / "study.toml").write_text(data + "[cox]\nendpoints = []\n" + report, encoding="utf-8")
    spec = load_spec(tmp_path / "study.toml")
    study, validation = load_study(spec)
    results = analyse(derive(study, spec), spec, validation)
    out = write_report(results, spec, tmp_path / "out", validation)
    document = plan_document(results, report_context(spec))
    tables = {t.table_id: t for t in document.tables}
    deaths = tables["deaths"]
    labels = [r.label for r in deaths.rows]
    if case == "no_adverse_events":  # an absent optional table (TABLE_ABSENT): no AE table of zeros, said why
        assert "safety" not in tables and "safety_grades" not in tables and "Fatal adverse event" not in labels
        assert "adverse events" in set(results.unavailable["analysis"])
    if case == "no_deaths":
        assert deaths.cell(("vital_status", "died"), deaths.columns[0]) == "0"
        assert not [r for r in deaths.rows if r.key[0] == "cause_of_death"]
        assert tables["safety_grades"].cell(("any",), "Grade 5") == "0"
    if case == "summary_form":
        assert "safety_grades" not in tables and "Fatal adverse event" not in labels
        assert "subsequent_therapy_by_response" in tables
    text = (out / "report.html").read_text(encoding="utf-8") + (out / "results.csv").read_text(encoding="utf-8")
    assert _NOT_A_NUMBER.search(_DATA_URI.sub("", text)) is None


def test_safety_tables_when_nobody_was_treated():
    """A generated cohort whose infusions are all missing: N = 0, counts 0, percentages not estimable with
    the reason under the table; no therapy-by-response table (nobody to count)."""
    from dataclasses import replace

    from blinrwe.analysis.study import analyse_study
    from blinrwe.derive.analysis_data import derive_analysis_data
    from blinrwe.examples.synthetic import synthetic_cohort
    from blinrwe.report import ReportContext

    study = synthetic_cohort(20, 1)
    tables = dict(study.tables)
    tables["infusions"] = tables["infusions"].iloc[0:0]
    results = analyse_study(derive_analysis_data(replace(study, tables=tables)))
    document = plan_document(results, ReportContext())
    by_id = {t.table_id: t for t in document.tables}
    for table_id in ("safety_grades", "deaths"):
        table = by_id[table_id]
        assert "(N = 0)" in " ".join(table.columns) + " ".join(h.text for h in table.spanning)
        assert "Percentages not estimable: no patients in the denominator." in table.footnotes
    assert "subsequent_therapy_by_response" not in by_id
