from dataclasses import replace

from blinrwe.report.document import build_document


def test_sections_in_article_order(results, context):
    doc = build_document(results, context)
    assert [s.heading for s in doc.sections] == [
        "Patient flow", "Baseline characteristics", "Blinatumomab exposure", "Response", "Time-to-event outcomes",
        "Competing risks", "Regression", "Safety", "Treatment patterns", "Methods", "Appendix: data quality"]
    assert doc.table_number(doc.tables[1]) == 2
    assert [f.name for f in doc.figures][-2:] == ["figure_sankey", "figure_swimmer"]
    assert doc.notice == ""
    regression = next(s for s in doc.sections if s.heading == "Regression")
    assert [t.table_id for t in regression.tables] == ["cox_OS", "cox_subgroups_OS"]
    assert [f.name for f in regression.figures] == ["figure_forest_subgroups_os"]  # one forest plot per endpoint


def test_synthetic_notice_and_unavailable(results, context):
    import pandas as pd

    synthetic = replace(results, synthetic=True,
                        unavailable=pd.DataFrame({"section": ["survival"], "analysis": ["overall_survival"], "reason": ["summary form has no dates"]}))
    doc = build_document(synthetic, context)
    assert "synthetic" in doc.notice
    appendix = doc.sections[-1]
    assert any("summary form has no dates" in p for p in appendix.paragraphs)


def test_minimal_results_render_methods_only(context):
    from blinrwe.analysis.results import StudyResults

    doc = build_document(StudyResults(), context)
    assert [s.heading for s in doc.sections] == ["Methods"]


def test_plan_then_draw_equals_build(results, context):
    from blinrwe.report.document import plan_document
    from blinrwe.report.figures import FigureJob

    plan = plan_document(results, context)
    jobs = plan.figure_jobs
    assert jobs and all(isinstance(j, FigureJob) for j in jobs)
    assert [t.title for t in plan.tables] == [t.title for t in build_document(results, context, draw=lambda js: [j.draw() for j in js]).tables]
    drawn = plan.with_figures([j.draw() for j in jobs[:len(jobs)]])
    assert not drawn.figure_jobs and [f.name for f in drawn.figures][-2:] == ["figure_sankey", "figure_swimmer"]


def test_unavailable_analyses_listed_once_with_reason(results, context):
    import pandas as pd

    unavailable = pd.DataFrame({"section": ["cox", "exposure", "cox"],
                                "analysis": ["Cox regression", "exposure", "Cox regression"],
                                "reason": ["needs dates of events", "needs the dated infusion table",
                                           "needs dates of events"]})
    doc = build_document(replace(results, unavailable=unavailable), context)
    section = doc.sections[-1]
    assert section.heading == "Appendix: analyses not available"
    assert section.paragraphs == ("Cox regression: not available; needs dates of events.",
                                  "Exposure: not available; needs the dated infusion table.")


def test_data_quality_appendix_names_no_patient_unless_asked(results, context):
    from blinrwe.report.document import plan_document

    ids = list(results.analysis_data.adsl["patient_id"])
    findings = [{"severity": "warning", "table": "patients", "row": 4, "column": "age_at_t0",
                 "message": f"patient {ids[0]}: age missing (value: '{ids[0]}')", "patient_id": ids[0]},
                {"severity": "warning", "table": "events", "row": 9, "column": "patient_id",
                 "message": "unknown patient XQ-77", "patient_id": "XQ-77"}]

    def appendix(ctx):
        table = plan_document(results, ctx, findings).tables[-1]
        assert table.table_id == "data_quality"
        return [c for r in table.rows for c in r.cells]

    shared = " ".join(appendix(context))
    assert ids[0] not in shared and "XQ-77" not in shared
    assert "patient [patient]: age missing" in shared and "patients, row 4, age_at_t0" in shared
    assert ids[0] in " ".join(appendix(replace(context, show_patient_ids=True)))


# --- titles use labels, never codes, for every variable a study may group by -------------------

import re  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def _grouping_variables(adsl: pd.DataFrame) -> list[str]:
    """The ADSL columns a specification may name as subgroups (analysis/study.py)."""
    return [c for c in adsl.columns if c != "patient_id" and (adsl[c].dtype == object or pd.api.types.is_bool_dtype(adsl[c]))]


@pytest.fixture(scope="module")
def grouped_by_everything():
    """A small synthetic study analysed by every ADSL grouping variable (OS, no Cox)."""
    from blinrwe.analysis import AnalysisSettings, analyse_study
    from blinrwe.derive import DeriveSettings, derive_analysis_data
    from blinrwe.examples.synthetic import synthetic_cohort

    data = derive_analysis_data(synthetic_cohort(25, seed=3), DeriveSettings())
    variables = _grouping_variables(data.adsl)
    settings = AnalysisSettings(endpoints=("OS",), subgroups=tuple(variables), table1_by="", cox_endpoints=(),
                                cox_subgroups=())
    return variables, analyse_study(data, settings)


def test_every_grouping_variable_has_a_declared_label():
    from blinrwe.derive import DeriveSettings, derive_analysis_data
    from blinrwe.examples.seed003 import seed003_summary
    from blinrwe.examples.synthetic import synthetic_cohort
    from blinrwe.report.labels import VARIABLE_LABELS

    for study in (synthetic_cohort(30, seed=2), seed003_summary()):
        adsl = derive_analysis_data(study, DeriveSettings()).adsl
        assert [v for v in _grouping_variables(adsl) if v not in VARIABLE_LABELS] == []


def test_titles_name_every_grouping_variable_by_its_label(grouped_by_everything, context):
    from blinrwe.report.document import plan_document
    from blinrwe.report.figures.survival_curves import curve_title
    from blinrwe.report.labels import VARIABLE_LABELS, level_label

    variables, results = grouped_by_everything
    doc = plan_document(results, context)
    texts = [t.title for t in doc.tables] + [footnote for t in doc.tables for footnote in t.footnotes]
    texts += [t.stub_header for t in doc.tables] + [h.text for t in doc.tables for h in t.spanning]
    texts += [curve_title(kind, endpoint, "", gv, context) for kind, endpoint in (("km", "OS"), ("cif", "CIR")) for gv in variables]
    raw = {v.replace("_", " ") for v in variables if v.replace("_", " ") not in VARIABLE_LABELS[v].lower()}
    for text in texts:
        assert not re.search(r"[A-Za-z0-9]_[A-Za-z0-9]", text), text
        assert not [code for code in raw if re.search(rf"\b{re.escape(code)}\b", text.lower())], text
    grouped = {t.table_id.removeprefix("survival_by_"): t for t in doc.tables
               if t.table_id.startswith("survival_by_") and "_among_" not in t.table_id}  # not the within-subset ones
    # one table per grouping with two groups or more (a one-group table repeats the whole cohort's)
    survival = results.ard.query("section == 'survival' and group != ''")
    assert set(grouped) == {v for v in variables if survival.query("group_var == @v")["group"].nunique() > 1}
    for variable, table in grouped.items():
        assert f"Time-to-event outcomes by " in table.title
        if set(results.ard.query("group_var == @variable")["group"]) - {""} <= {"yes", "no"}:
            # a yes/no variable's columns are named for it, never "Yes (N = ...)" / "No (N = ...)"
            assert not [c for c in table.columns if re.match(r"(Yes|No) \(N =", c)], (variable, table.columns)
            assert level_label("no", variable=variable) not in ("No", "")


# --- nothing printed twice -----------------------------------------------------------------------


def test_identical_row_blocks_print_once_naming_each():
    from blinrwe.report.document import merge_repeated_blocks
    from blinrwe.report.table_model import DisplayTable, Row

    block = lambda heading, rate: [Row(heading, ("", ""), 0, True, (heading,)),  # noqa: E731
                                   Row("CR/CRi", (rate, "55.9-69.7"), 1, False, (heading, "cr"))]
    rows = block("Within 2 cycles", "126/200 (63.0%)") + block("Within 12 weeks", "126/200 (63.0%)") + \
        block("At any time after blinatumomab", "126/200 (63.0%)") + block("Other window", "120/200 (60.0%)")
    table = merge_repeated_blocks(DisplayTable("response", "Response", ("n/N (%)", "95% CI"), tuple(rows)))
    assert [r.label for r in table.rows] == ["Within 2 cycles, within 12 weeks and at any time after blinatumomab", "CR/CRi",
                                             "Other window", "CR/CRi"]
    different = DisplayTable("response", "Response", ("n/N (%)", "95% CI"), tuple(rows[:2] + rows[-2:]))
    assert merge_repeated_blocks(different) is different


def _demo_like(**changes):
    from blinrwe.analysis import AnalysisSettings, analyse_study
    from blinrwe.derive import DeriveSettings, derive_analysis_data
    from blinrwe.examples.synthetic import synthetic_cohort

    data = derive_analysis_data(synthetic_cohort(200, seed=1), DeriveSettings(censoring_variants=("none", "allo_hsct_or_car_t")))
    settings = AnalysisSettings(endpoints=("OS", "EFS"), variants=("none", "allo_hsct_or_car_t"),
                                subgroups=("disease_setting", "ph_status"), cox_endpoints=("OS",),
                                cox_covariates=("age_at_t0", "disease_setting", "ph_status"), **changes)
    return analyse_study(data, settings)


def test_tables_whose_numbers_are_printed_earlier_are_left_out(context):
    from blinrwe.report.document import _printed_facts, plan_document
    from blinrwe.report.tables_survival import censoring_variants_table, subgroup_table

    results = _demo_like(cox_subgroups=("disease_setting", "ph_status"))
    doc = plan_document(results, context)
    ids = [t.table_id for t in doc.tables]
    # the subgroup hazard ratios are the univariable Cox ones (their events are in the survival
    # tables, and the forest plot shows them all): printed once
    assert "cox_OS" in ids and "cox_subgroups_OS" not in ids
    assert subgroup_table(results.ard, context, "OS").rows  # there was such a table to leave out
    assert any(f.builder.__name__ == "forest_plot" for f in doc.figure_jobs)
    # the side-by-side censoring variants repeat the survival table, which lists every variant
    assert "censoring_variants" not in ids and not censoring_variants_table(results.ard, context).is_empty
    # and no table left is a copy of another
    for i, a in enumerate(doc.tables):
        for b in doc.tables[:i]:
            assert _printed_facts(a) != _printed_facts(b)


def test_tables_with_new_numbers_are_kept(context):
    from blinrwe.report.document import plan_document

    results = _demo_like(cox_subgroups=("intent",))  # not a Cox covariate: hazard ratios printed nowhere else
    ids = [t.table_id for t in plan_document(results, context).tables]
    assert "cox_subgroups_OS" in ids
    # counts alone (therapy flows, overall and per subgroup) are never taken for repeats
    assert ids.count("flows") == results.flows["flow"].nunique()
