"""analyse_study end to end on a hand-built AnalysisData."""

import pytest

from blinrwe.analysis import ARD_COLUMNS, AnalysisSettings, StudyResults, analyse_study
from blinrwe.errors import SpecificationError


def test_every_section_present(analysis_data):
    res = analyse_study(analysis_data, AnalysisSettings(endpoints=("OS", "EFS", "CIR"), variants=("none", "allo_hsct")))
    assert isinstance(res, StudyResults)
    assert tuple(res.ard.columns) == ARD_COLUMNS
    assert {"flow", "baseline", "exposure", "response", "survival", "followup", "cox", "safety", "competing_risks",
            "patterns"} <= set(res.ard.section)
    assert set(res.curves.analysis) >= {"OS:none:", "OS:allo_hsct:disease_setting"}
    assert (res.curves.groupby("analysis").time.min() == 0).all()
    assert len(res.risk_tables) and len(res.flows) and len(res.methods)
    assert res.methods.topic.iloc[-1] == "software"


def test_unknown_subgroup_is_a_user_error(analysis_data):
    with pytest.raises(SpecificationError, match="nope"):
        analyse_study(analysis_data, AnalysisSettings(subgroups=("nope",)))


def test_summary_form_lists_unavailable(analysis_data):
    res = analyse_study(analysis_data, form="summary")
    assert "survival" not in set(res.ard.section)
    assert "survival" in set(res.unavailable.section)


def test_summary_form_lists_each_unavailable_analysis_once(seed003_summary_data):
    res = analyse_study(seed003_summary_data, AnalysisSettings(subgroups=(), table1_by="", cox_covariates=()),
                        form="summary")
    names = list(res.unavailable.analysis)
    assert len(names) == len(set(names))
    from_derive = set(res.unavailable.loc[res.unavailable.section == "derive", "analysis"])
    assert not {"OS", "PFS", "exposure", "adverse events"} & from_derive  # said once, by the analysis layer
    survival = res.unavailable.loc[res.unavailable.section == "survival", "analysis"].item()
    assert survival.startswith("time-to-event endpoints OS, PFS (")
    table1 = set(res.ard.loc[res.ard.table == "table1", "variable"])
    assert "age_at_t0" in table1 and "age_years" not in table1  # the same value, shown once



def test_summary_form_flow_marks_the_undeterminable_set_unavailable(seed003_summary_data):
    # seed 003: no MRD at the start of treatment -> "MRD-positive at T0" is neither "0 included" nor "30 excluded"
    res = analyse_study(seed003_summary_data, AnalysisSettings(subgroups=(), table1_by="", cox_covariates=()),
                        form="summary")
    flow = res.ard[(res.ard.table == "attrition") & (res.ard.variable == "MRD response: MRD-positive at T0")]
    assert flow.level.str.startswith("unavailable: ").all() and len(flow) == 1
    assert "included" not in set(flow.level) and not flow.level.str.startswith("excluded").any()
    assert "MRD response: MRD-positive at T0" in set(res.unavailable.analysis)
    responders = res.ard[(res.ard.table == "attrition") & (res.ard.variable == "MRD response: responders")]
    assert responders.set_index("level").value["included"] == 25
    with pytest.raises(SpecificationError, match="cannot be determined"):
        analyse_study(seed003_summary_data, AnalysisSettings(subgroups=(), table1_by="", cox_covariates=(),
                                                             analysis_set="MRD response: MRD-positive at T0"),
                      form="summary")

@pytest.fixture(scope="module")
def seed003_summary_data():
    from blinrwe.derive import derive_analysis_data, preset
    from blinrwe.examples import seed003_summary

    return derive_analysis_data(seed003_summary(), preset("003"))
