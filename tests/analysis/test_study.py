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


# --- time origins, groups defined after the start, comparisons within a subset -----------------------------

def _with_responder(analysis_data):
    from types import SimpleNamespace

    adsl = analysis_data.adsl.assign(responder=analysis_data.adsl["cr_cri_overall"])
    return SimpleNamespace(**{**vars(analysis_data), "adsl": adsl})


def test_within_comparison_among_the_subset_only(analysis_data):
    data = _with_responder(analysis_data)
    s = AnalysisSettings(endpoints=("OS", "CIR"), subgroups=("disease_setting",),
                         within=(("responder", "allo_hsct_after"),))
    res = analyse_study(data, s)
    within = res.ard[res.ard.group_var == "allo_hsct_after|responder"]
    events = within[(within.statistic == "events") & (within.variable == "OS")]
    responders = data.adsl.loc[data.adsl["responder"].fillna(False).astype(bool)]
    assert events["denominator"].sum() == len(responders)  # only responders are compared
    assert within["note"].str.contains("immortal_time: allo-HSCT", regex=False).all()
    assert {"OS", "CIR"} <= set(within["variable"])
    assert "OS:none:allo_hsct_after|responder" in set(res.curves.analysis)
    assert not res.ard[(res.ard.group_var.isin(["", "disease_setting"]))]["note"].str.contains("immortal").any()


def test_within_comparisons_offered_for_post_baseline_subgroups_unless_turned_off(analysis_data):
    data = _with_responder(analysis_data)
    auto = analyse_study(data, AnalysisSettings(endpoints=("OS",), subgroups=("allo_hsct_after",)))
    assert "allo_hsct_after|responder" in set(auto.ard.group_var)
    off = analyse_study(data, AnalysisSettings(endpoints=("OS",), subgroups=("allo_hsct_after",), within=()))
    assert "allo_hsct_after|responder" not in set(off.ard.group_var)
    # without a responder column nothing is offered (no error); asked for explicitly it is a user error
    plain = analyse_study(analysis_data, AnalysisSettings(endpoints=("OS",), subgroups=("allo_hsct_after",)))
    assert not any("|" in str(g) for g in plain.ard.group_var)
    with pytest.raises(SpecificationError, match="responder by allo_hsct_after"):
        analyse_study(analysis_data, AnalysisSettings(endpoints=("OS",), within=(("responder", "allo_hsct_after"),)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_origins_and_immortal_time_flags_on_generated_cohorts(seed):
    """Class guarantee over generated cohorts: every curve and risk-table row carries its endpoint's declared
    origin; every row of a comparison by a variable defined after the first infusion is flagged, no other."""
    from blinrwe.derive import derive_analysis_data, endpoint_definitions, is_post_baseline
    from blinrwe.examples import synthetic_cohort

    data = derive_analysis_data(synthetic_cohort(80, seed))
    s = AnalysisSettings(endpoints=("OS", "EFS", "RFS", "DOR", "CIR"), cox_endpoints=(),
                         subgroups=("disease_setting", "responder", "allo_hsct_after", "car_t_after"))
    res = analyse_study(data, s)
    declared = {n: e.time_origin for n, e in endpoint_definitions(data.settings).items()}
    declared["NRM"] = declared["CIR"]
    for frame in (res.curves, res.risk_tables):
        assert (frame["time_origin"] == frame["endpoint"].map(declared)).all()
    timed = res.ard[res.ard.section.isin(["survival", "competing_risks"])]
    origin = timed[timed.statistic == "time_origin"].set_index("variable")["level"].to_dict()
    assert origin == {e: declared[e] for e in origin} and {"OS", "RFS", "CIR"} <= set(origin)
    compared = timed[timed.group_var.fillna("") != ""]
    post = compared["group_var"].str.partition("|")[0].map(is_post_baseline)
    assert compared["note"].str.contains("immortal_time", regex=False).equals(post)
    assert post.any() and (~post).any()


def test_within_comparison_not_repeated_for_an_endpoint_of_the_subset_only(analysis_data):
    """RFS and CIR count only responders: their comparison by allo-HSCT among responders is the one already
    made, so it is not given twice."""
    data = _with_responder(analysis_data)
    responders = set(data.adsl.loc[data.adsl["responder"].fillna(False).astype(bool), "patient_id"])
    tte = data.tte[(data.tte.endpoint != "CIR") | data.tte.patient_id.isin(responders)]
    from types import SimpleNamespace

    res = analyse_study(SimpleNamespace(**{**vars(data), "tte": tte}),
                        AnalysisSettings(endpoints=("OS", "CIR"), subgroups=("allo_hsct_after",)))
    within = res.ard[res.ard.group_var == "allo_hsct_after|responder"]
    assert "OS" in set(within.variable) and not {"CIR", "NRM"} & set(within.variable)


_ENDPOINTS, _VARIANTS = ("OS", "EFS", "CIR"), ("none", "allo_hsct")
#: ARD sections an analysis made unavailable leaves out (besides its endpoints' rows)
_SECTIONS = {"response": {"response"}, "adverse events": {"safety"}, "deaths": {"deaths"},
             "subsequent therapy": {"subsequent_therapy", "patterns"}}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("absent", [("events",), ("assessments",), ("adverse_events",), ("therapies",),
                                    ("events", "adverse_events")])
def test_what_an_absent_table_makes_unavailable_is_left_out_and_listed(absent, seed):
    """Generated cohorts, each optional table left out: no ARD row of what needs it (no survival without
    deaths, no 0 % CR rate, no safety table of zeros), each listed once with its reason; the rest is there."""
    from blinrwe.derive.absent_tables import unavailable_without

    from .conftest import make_analysis_data

    data = make_analysis_data(n=40 + 10 * seed, seed=seed)
    data.unavailable = unavailable_without(absent, _ENDPOINTS, _VARIANTS)
    res = analyse_study(data, AnalysisSettings(endpoints=_ENDPOINTS, variants=_VARIANTS, cox_endpoints=("OS",)))
    ard, gone = res.ard, data.unavailable
    for endpoint in (e for e in _ENDPOINTS if e in gone):
        assert not ((ard["variable"] == endpoint) | (ard["group_var"] == endpoint)).any(), endpoint
        assert not res.curves["analysis"].str.startswith(f"{endpoint}:").any()
    for name, sections in _SECTIONS.items():
        assert (name in gone) == (not set(ard["section"]) & sections), name
    if "censoring variants" in gone:
        assert set(ard.loc[ard["variant"].astype(str) != "", "variant"]) <= {"none"}
    listed = res.unavailable["analysis"].tolist()
    assert sorted(listed) == sorted(gone) and set(res.unavailable["reason"]) == set(gone.values())
    kept = [e for e in _ENDPOINTS if e not in gone]
    assert {"baseline", "exposure"} <= set(ard["section"])
    assert all(((ard["section"].isin({"survival", "competing_risks"})) & (ard["variable"] == e)).any() for e in kept)
