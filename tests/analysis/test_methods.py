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
