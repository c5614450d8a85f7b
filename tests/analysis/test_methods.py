"""Method records follow the settings and the sections actually computed; software versions are the installed ones."""

from importlib import metadata

from blinrwe.analysis import AnalysisSettings, analyse_study
from blinrwe.analysis.methods import method_records, software_versions
from blinrwe.analysis.results import METHOD_COLUMNS


def test_records_follow_settings_and_sections(analysis_data):
    settings = AnalysisSettings(endpoints=("OS", "CIR"), cox_ties="breslow", ci_transform="log", time_unit="days",
                                confidence_level=0.9, response_confidence_level=0.99, grading="CTCAE_v6")
    res = analyse_study(analysis_data, settings)
    methods = res.methods
    assert tuple(methods.columns) == METHOD_COLUMNS
    text = dict(methods.groupby("topic", sort=False)["text"].apply(" ".join))
    assert set(text) == {"baseline", "response", "survival", "followup", "cox", "competing_risks", "safety",
                         "software"}
    assert settings.cox_ties in text["cox"] and settings.ci_transform in text["survival"]
    assert settings.time_unit in text["survival"] and settings.grading in text["safety"]
    assert f"{round(settings.confidence_level * 100)}%" in text["survival"]
    assert f"{round(settings.response_confidence_level * 100)}%" in text["response"]
    assert methods.topic.iloc[-1] == "software"


def test_subgroup_hazard_ratios_described_only_when_computed(analysis_data):
    with_forest = analyse_study(analysis_data, AnalysisSettings(endpoints=("OS",)))
    without = analyse_study(analysis_data, AnalysisSettings(endpoints=("OS",), cox_subgroups=()))
    assert (with_forest.ard.table == "cox_subgroups").any() and not (without.ard.table == "cox_subgroups").any()
    assert (with_forest.methods.topic == "cox").sum() == (without.methods.topic == "cox").sum() + 1


def test_not_applicable_rule_described(analysis_data):
    from blinrwe.analysis.baseline import NOT_APPLICABLE

    adsl = analysis_data.adsl.assign(relapse_number=analysis_data.adsl.disease_setting.map(
        {"newly_diagnosed": None, "relapsed_refractory": 1.0}).astype("float64"))
    data = type(analysis_data)(**{**vars(analysis_data), "adsl": adsl})
    res = analyse_study(data, AnalysisSettings(table1_variables=("relapse_number",)))
    baseline = " ".join(res.methods.loc[res.methods.topic == "baseline", "text"])
    assert "relapse_number" in baseline
    reason = next(r.reason for r in NOT_APPLICABLE["relapse_number"] if r.column in adsl.columns)
    assert reason in baseline


def test_summary_form_and_versions(analysis_data):
    res = analyse_study(analysis_data, form="summary")
    assert "data" in set(res.methods.topic) and "survival" not in set(res.methods.topic)
    versions = software_versions()
    for name in ("numpy", "scipy", "pandas"):
        assert versions[name] == metadata.version(name)
        assert f"{name} {versions[name]}" in res.methods.text.iloc[-1]


def test_no_records_for_an_empty_ard():
    from blinrwe.analysis.ard import empty_ard

    methods = method_records(AnalysisSettings(), empty_ard(), form="study")
    assert list(methods.topic) == ["software"]


def test_definitions_actually_used_are_carried_as_values(analysis_data):
    """The derivation settings of the AnalysisData go into the records, unformatted, named in the text."""
    from types import SimpleNamespace

    from blinrwe.derive import DeriveSettings

    used = DeriveSettings(mrd_threshold=1e-3, cr_blast_inclusive=False, days_per_month=30.0,
                          ae_days_after_last_infusion=30)
    data = SimpleNamespace(**{**vars(analysis_data), "settings": used})
    methods = analyse_study(data, AnalysisSettings(endpoints=("OS", "CIR"))).methods
    values = {k: v for d in methods["values"] for k, v in d.items()}
    assert values["mrd_threshold"] == 1e-3 and values["days_per_month"] == 30.0
    assert values["ae_days_after_last_infusion"] == 30 and values["cr_blast_max_pct"] == 5.0
    for text, vals in zip(methods["text"], methods["values"]):
        for name in vals:
            assert "{" + name + "}" in text  # every value is quoted where the text names it
    response = " ".join(methods.loc[methods.topic == "response", "text"])
    assert "marrow blasts < {cr_blast_max_pct}%" in response and "{mrd_threshold}" in response


def test_only_tests_actually_used_are_named(analysis_data):
    grouped = analyse_study(analysis_data, AnalysisSettings(table1_variables=("sex", "age_at_t0")))
    text = " ".join(grouped.methods.text)
    used = set(grouped.ard.loc[grouped.ard.statistic == "test_p", "method"])
    assert "Kruskal-Wallis" not in text and not any("Kruskal" in m for m in used)
    assert "Wilcoxon rank-sum test" in text
    ungrouped = analyse_study(analysis_data, AnalysisSettings(table1_by="", subgroups=()))
    assert "compared" not in " ".join(ungrouped.methods.loc[ungrouped.methods.topic == "baseline", "text"])


def test_r_reference_versions_are_those_of_the_golden_files():
    import json
    import re
    from pathlib import Path

    from blinrwe.analysis.methods import R_REFERENCE

    golden = Path(__file__).resolve().parents[1] / "stats" / "golden"
    cox = json.loads((golden / "cox.json").read_text())["meta"]
    cif = json.loads((golden / "cif.json").read_text())["meta"]
    assert re.search(r"R version (\S+)", cox["R"]).group(1) == R_REFERENCE["R"]
    assert cox["survival"] == R_REFERENCE["survival"] and cif["cmprsk"] == R_REFERENCE["cmprsk"]


def _with(analysis_data, **kw):
    from types import SimpleNamespace

    return SimpleNamespace(**{**vars(analysis_data), **kw})


def test_preset_rules_are_generated_from_the_settings_used(analysis_data):
    """Each setting that differs from the defaults is carried, with the preset's name (never retyped)."""
    from blinrwe.derive import preset

    used = preset("004").with_changes(endpoints=("OS", "EFS"))
    methods = analyse_study(_with(analysis_data, settings=used), AnalysisSettings(endpoints=("OS", "EFS"))).methods
    record = methods[methods.topic == "definitions"].iloc[0]
    assert "{preset}" in record.text and record["values"]["preset"] == "004"
    assert dict(record["values"]["changed_settings"]) == {"nonresponder_fails_at_first_assessment": False}
    defaults = analyse_study(_with(analysis_data, settings=preset("004").__class__()), AnalysisSettings()).methods
    assert "definitions" not in set(defaults.topic)  # nothing to say when nothing differs and no preset


def test_endpoint_definitions_come_from_the_declarations(analysis_data):
    from blinrwe.derive import DeriveSettings, endpoint_definitions

    used = DeriveSettings(efs_failure_window_days=56)
    methods = analyse_study(_with(analysis_data, settings=used), AnalysisSettings(endpoints=("OS", "EFS", "CIR")))
    text = " ".join(methods.methods.text)
    for name in ("OS", "EFS", "CIR"):
        assert endpoint_definitions(used)[name].rule in text
    assert "within 56 days" in text and "from the first response (CR/CRi)" in text


def test_immortal_time_warning_only_when_a_comparison_is_flagged(analysis_data):
    grouped = analyse_study(analysis_data, AnalysisSettings(endpoints=("OS",), subgroups=("allo_hsct_after",)))
    records = grouped.methods[grouped.methods.text.str.contains("immortal-time bias")]
    assert len(records) == 1 and records.iloc[0]["values"]["post_baseline_variables"] == ("allo_hsct_after",)
    assert "Simon-Makuch" in records.iloc[0].text
    plain = analyse_study(analysis_data, AnalysisSettings(endpoints=("OS",), subgroups=("disease_setting",)))
    assert not plain.methods.text.str.contains("immortal").any()


def test_response_populations_are_described(analysis_data):
    from blinrwe.derive import DeriveSettings

    n = len(analysis_data.adsl)
    adsl = analysis_data.adsl.assign(response_population_overt_disease=[i % 3 != 0 for i in range(n)],
                                     response_population_in_cr_at_t0=[i % 3 == 0 for i in range(n)])
    used = DeriveSettings(response_population="overt_disease", overt_disease_blast_pct=10.0)
    res = analyse_study(_with(analysis_data, adsl=adsl, settings=used), AnalysisSettings(endpoints=("OS",)))
    text = " ".join(res.methods.loc[res.methods.topic == "response", "text"])
    assert "first among patients with \u226510% marrow blasts at the first infusion" in text
    assert "separately among patients in CR/CRi at the first infusion" in text
