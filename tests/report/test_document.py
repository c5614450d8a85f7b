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
