from dataclasses import replace

import pandas as pd

from blinrwe.report.methods_text import ard_methods, methods_paragraphs, methods_text


def test_methods_use_records_and_ard(results, context):
    text = methods_text(results, context)
    for record in results.methods["text"]:
        assert record in text
    for method in ("Clopper-Pearson exact 95% CI", "log-rank test (Mantel-Cox)", "Gray's test", "reverse Kaplan-Meier"):
        assert method in text
    assert "sample statistic" not in text


def test_conventions_follow_context(results, context):
    text = dict(methods_paragraphs(results, replace(context, rounding="truncate", time_unit="days")))["Reporting conventions"]
    assert "truncated" in text and "Times are in days" in text and "NR denotes a median not reached" in text
    assert "confidence bounds, standard errors and p values are rounded half up" in text  # truncation: estimates only


def test_ard_methods_by_section(ard):
    sections = dict(ard_methods(ard))
    assert "Wilcoxon" in sections["baseline"]
    assert list(sections)[0] == "baseline"


def test_variable_codes_in_methods_read_as_labels(context):
    import pandas as pd

    from blinrwe.analysis.results import StudyResults
    from blinrwe.report.methods_text import methods_text

    methods = pd.DataFrame({"topic": ["baseline"], "text": ["Not counted as missing: rr_type; relapse_number; some_other_code"]})
    text = methods_text(StudyResults(methods=methods), context)
    assert "relapsed/refractory type; relapse number; some_other_code." in text


def test_grading_codes_in_methods_and_footnotes_read_as_labels(context):
    """The analysis layer writes codes ("CTCAE_v5", "ASTCT_2019"); the report prints the names."""
    from blinrwe.analysis import AnalysisSettings
    from blinrwe.analysis.methods import method_records
    from blinrwe.analysis.results import StudyResults
    from blinrwe.analysis.safety import safety_table
    from blinrwe.report.tables_safety import safety_table as safety_display

    ae = pd.DataFrame({"patient_id": ["P1", "P2"], "term": ["CRS", "fever"], "worst_grade": [2, 3]})
    ard = safety_table(ae, ["P1", "P2", "P3"], grading="CTCAE_v5", window="during blinatumomab")
    methods = method_records(AnalysisSettings(grading="CTCAE_v5"), ard, form="study")
    text = methods_text(StudyResults(ard=ard, methods=methods), context)
    assert "CTCAE v5.0" in text and "ASTCT 2019 consensus grading" in text
    assert "CTCAE_v5" not in text and "ASTCT_2019" not in text
    footnotes = " ".join(safety_display(ard, context).footnotes)
    assert "CTCAE v5.0" in footnotes and "ASTCT 2019 consensus grading" in footnotes and "_v5" not in footnotes


def test_setting_values_are_printed_into_their_sentences(context):
    import datetime as dt

    from blinrwe.analysis.results import StudyResults
    from blinrwe.report.methods_text import fill_values

    assert fill_values("MRD below {mrd_threshold}.", {"mrd_threshold": 1e-4}) == "MRD below 10\u207b\u2074."
    assert fill_values("MRD below {mrd_threshold}.", {"mrd_threshold": 5e-4}) == "MRD below 0.0005."
    assert fill_values("blasts < {cr_blast_max_pct}%, month {days_per_month}", {"cr_blast_max_pct": 5.0,
                       "days_per_month": 30.4375}) == "blasts < 5%, month 30.4375"
    assert fill_values("cut-off ({data_cutoff}); {other}", {"data_cutoff": dt.date(2024, 4, 30)}) == \
        "cut-off (2024-04-30); {other}"
    assert fill_values("{variants}", {"variants": ("allo_hsct_or_car_t",)}) == "censored at allo-HSCT or CAR-T"
    methods = pd.DataFrame({"topic": ["response"], "text": ["Responders: {responder_definition}"],
                            "values": [{"responder_definition": "cr_cri"}]})
    assert "Responders: CR/CRi." in methods_text(StudyResults(methods=methods), context)


def test_conventions_without_times_for_undated_results(context):
    from blinrwe.analysis.results import StudyResults

    text = dict(methods_paragraphs(StudyResults(), context))["Reporting conventions"]
    assert "Times are in" not in text and "NR denotes" not in text
    assert "one decimal" in text and "<0.001" in text and ">0.999" in text


def test_definition_settings_and_within_comparisons_are_printed(context):
    import datetime as dt

    from blinrwe.report.methods_text import fill_values

    pairs = (("nonresponder_fails_at_first_assessment", False), ("fixed_course_days", 10),
             ("data_cutoff", dt.date(2024, 4, 30)), ("os_followup", ("last_contact", "last_infusion")))
    assert fill_values("{changed_settings}", {"changed_settings": pairs}) == (
        "nonresponder fails at first assessment = no; fixed course days = 10; data cutoff = 2024-04-30; "
        "os followup = last_contact, last_infusion")
    assert fill_values("{within}", {"within": (("allo_hsct_after", "responder"),)}) == \
        "allo-HSCT after blinatumomab among responders"
    assert fill_values("{post_baseline_variables}", {"post_baseline_variables": ("car_t_after",)}) == \
        "CAR-T after blinatumomab"


def test_time_origin_by_endpoint_in_the_conventions(context):
    from blinrwe.analysis.ard import ard_frame, ard_row
    from blinrwe.analysis.results import StudyResults

    ard = ard_frame([ard_row("survival", "survival", "OS", "time_origin", None, level="first blinatumomab infusion"),
                     ard_row("survival", "survival", "RFS", "time_origin", None, level="first response (CR/CRi)"),
                     ard_row("competing_risks", "competing_risks", "CIR", "time_origin", None,
                             level="first response (CR/CRi)")])
    text = dict(methods_paragraphs(StudyResults(ard=ard), context))["Reporting conventions"]
    assert ("Times are in months from the first blinatumomab infusion (OS); for RFS, CIR, from the first response "
            "(CR/CRi).") in text
    only_t0 = dict(methods_paragraphs(StudyResults(ard=ard.iloc[:1]), context))["Reporting conventions"]
    assert "Times are in months from the first blinatumomab infusion." in only_t0
