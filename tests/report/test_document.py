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


def test_titles_name_every_grouping_variable_by_its_label(grouped_by_everything, context):
    from blinrwe.report.document import plan_document
    from blinrwe.report.figures.survival_curves import curve_title
    from blinrwe.report.labels import level_label
    from blinrwe.report.labels_variables import VARIABLE_LABELS

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


def test_patient_flow_from_the_derived_counts_when_the_ard_has_none(results, context):
    """Results whose ARD has no flow rows show the derived patient flow (AnalysisData.attrition: patients per
    analysis set x included x reason); a flow that counts no patient (a study without patients) shows none."""
    doc = build_document(results, context)
    flow = next(s for s in doc.sections if s.heading == "Patient flow").tables[0]
    assert flow.row(("response_evaluable", "included")).cells == ("42",)
    nobody = results.analysis_data.attrition.assign(n=0)
    empty = replace(results, analysis_data=type(results.analysis_data)(**{**vars(results.analysis_data),
                                                                         "attrition": nobody}))
    assert "Patient flow" not in [s.heading for s in build_document(empty, context).sections]
