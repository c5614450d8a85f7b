"""The appendices on the data: analyses not available with their reason, findings without patient ids."""

from dataclasses import replace

from blinrwe.report.document import build_document


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
