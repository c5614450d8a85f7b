"""analyse_study end to end on a hand-built AnalysisData."""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.analysis import ARD_COLUMNS, AnalysisSettings, StudyResults, analyse_study
from blinrwe.analysis.study import _analysis_set_mask, _attrition_rows
from blinrwe.derive.attrition import count_attrition, patient_flow
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


# --- the patient flow: ARD rows and the analysis set, from the counts only ---------------------------------

ATTRITION_KEYS = ["variable", "level", "value", "n", "denominator"]


def _rows_of_the_log(log: pd.DataFrame) -> pd.DataFrame:
    """The ARD flow rows read from the attrition log patient by patient (what the analysis did before the
    flow was counted in the engine): per set included (when some patient's membership is known), then each
    "excluded: <reason>" / "unavailable: <reason>" label in alphabetical order."""
    rows = []
    for name in pd.unique(log["analysis_set"]):
        a = log[log["analysis_set"] == name]
        flag = a["included"].astype("boolean")
        if flag.notna().any():
            rows.append((name, "included", int(flag.fillna(False).sum()), len(a)))
        rest = a[~flag.fillna(False).to_numpy(dtype=bool)]
        labels = [f"{'unavailable' if pd.isna(i) else 'excluded'}: {'unknown' if pd.isna(r) else r}"
                  for i, r in zip(rest["included"], rest["reason"])]
        rows += [(name, label, int(k), len(a)) for label, k in sorted(pd.Series(labels, dtype=object).value_counts().items())]
    return pd.DataFrame([(v, lv, k, k, d) for v, lv, k, d in rows], columns=ATTRITION_KEYS)


def _ard_flow(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*ATTRITION_KEYS, "section", "table", "statistic"])[ATTRITION_KEYS]
    return frame.astype({"value": np.int64, "n": np.int64, "denominator": np.int64})


@st.composite
def attrition_logs(draw):
    """Attrition logs of a few patients: sets in any order, yes / no / unknown membership (an unknown set
    whole or in part), reasons missing or repeated."""
    n = draw(st.integers(0, 8))
    sets = draw(st.lists(st.sampled_from(["treated", "efficacy", "RFS", "OS"]), unique=True, min_size=1, max_size=4))
    rows = []
    for name in sets:
        for i in range(n):
            included = draw(st.sampled_from([True, False, None]))
            reason = None if included else draw(st.sampled_from([None, "not a responder", "no origin date", "b"]))
            rows.append((name, f"P{i}", included, reason))
    return pd.DataFrame({"analysis_set": pd.Series([r[0] for r in rows], dtype=object),
                         "patient_id": pd.Series([r[1] for r in rows], dtype=object),
                         "included": pd.array([r[2] for r in rows], dtype="boolean"),
                         "reason": pd.Series([r[3] for r in rows], dtype=object)}), tuple(sets)


@settings(max_examples=100)
@given(attrition_logs())
def test_flow_rows_from_the_counts_are_those_of_the_patients(drawn):
    log, sets = drawn
    flow = patient_flow(count_attrition(log), sets)
    want = _rows_of_the_log(log)
    pd.testing.assert_frame_equal(_ard_flow(_attrition_rows(flow)), want.astype(_ard_flow([]).dtypes.to_dict()))


@pytest.fixture(scope="module")
def derived_with_cutoff():
    from blinrwe.derive import DeriveSettings, derive_analysis_data
    from blinrwe.examples import synthetic_cohort

    return derive_analysis_data(synthetic_cohort(150, 5), DeriveSettings(data_cutoff=dt.date(2021, 6, 30)))


def test_each_analysis_set_is_the_patients_its_flow_counts(derived_with_cutoff):
    data = derived_with_cutoff
    flow = data.attrition
    partial = 0
    for name in pd.unique(flow["analysis_set"]):
        mask = _analysis_set_mask(data, name)
        rows = flow[flow["analysis_set"] == name]
        assert mask.sum() == rows.loc[rows["included"].fillna(False), "n"].sum(), name
        partial += 0 < mask.sum() < len(mask)
    assert partial >= 3  # read from the ADSL and tte, not only everyone / nobody


def test_an_unknown_or_undeterminable_set_says_so_as_before():
    flow = pd.DataFrame({"analysis_set": ["treated", "MRD response: MRD-positive at T0"],
                         "included": pd.array([True, pd.NA], dtype="boolean"),
                         "reason": [None, "not on the form"], "n": [2, 2]})
    data = SimpleNamespace(adsl=pd.DataFrame({"patient_id": ["a", "b"], "treated": [True, True]}), attrition=flow,
                           tte=pd.DataFrame(columns=["patient_id", "endpoint"]))
    with pytest.raises(SpecificationError) as err:
        _analysis_set_mask(data, "RFS")
    assert str(err.value) == ('endpoints.analysis_set = "RFS" is not an analysis set of this study; allowed values: '
                              '"treated", "MRD response: MRD-positive at T0".')
    with pytest.raises(SpecificationError) as err:
        _analysis_set_mask(data, "MRD response: MRD-positive at T0")
    assert str(err.value) == ('endpoints.analysis_set = "MRD response: MRD-positive at T0" cannot be determined from '
                              'these data (not on the form); choose another analysis set, e.g. "treated".')
    assert _analysis_set_mask(data, "treated").tolist() == [True, True]
    assert _analysis_set_mask(SimpleNamespace(adsl=data.adsl), "anything").all()  # no flow: everyone


def test_a_study_without_patients_and_a_set_nobody_is_in():
    from blinrwe.derive.attrition import analysis_set_names, derive_patient_flow

    flags = ("post_baseline_assessment", "mrd_denominator_available", "mrd_denominator_responders",
             "mrd_denominator_positive_at_t0")
    empty = pd.DataFrame({"patient_id": pd.Series([], dtype=object), "treated": pd.Series([], dtype=bool),
                          **{f: pd.array([], dtype="boolean") for f in flags}})
    flow = derive_patient_flow(empty, None, (), form="summary", undetermined={"efficacy": "no assessments"})
    data = SimpleNamespace(adsl=empty, attrition=flow, tte=pd.DataFrame(columns=["patient_id", "endpoint"]))
    assert _attrition_rows(flow) == []  # no patient: no flow rows (an empty study has nothing to count)
    assert len(_analysis_set_mask(data, "treated")) == 0
    with pytest.raises(SpecificationError, match="cannot be determined"):
        _analysis_set_mask(data, "efficacy")
    with pytest.raises(SpecificationError, match="not an analysis set"):
        _analysis_set_mask(data, "OS")
    nobody = empty.reindex(range(2)).assign(patient_id=["a", "b"], treated=[True, True],
                                             post_baseline_assessment=pd.array([False, pd.NA], dtype="boolean"))
    flow = derive_patient_flow(nobody, None, (), form="summary")
    assert list(pd.unique(flow["analysis_set"])) == list(analysis_set_names((), with_endpoints=False))
    data = SimpleNamespace(adsl=nobody, attrition=flow, tte=data.tte)
    assert not _analysis_set_mask(data, "efficacy").any()
    efficacy = [r for r in _attrition_rows(flow) if r["variable"] == "efficacy"]
    assert [(r["level"], r["value"]) for r in efficacy] == [("included", 0), ("excluded: no post-baseline assessment", 2)]


def test_analysis_data_whose_flow_and_patients_disagree_is_refused(derived_with_cutoff):
    data = derived_with_cutoff
    flow = data.attrition.copy()
    rfs = (flow["analysis_set"] == "RFS") & flow["included"].fillna(False)
    flow.loc[rfs, "n"] += 1
    with pytest.raises(ValueError, match="not one derivation"):
        _analysis_set_mask(SimpleNamespace(adsl=data.adsl, tte=data.tte, attrition=flow), "RFS")


@pytest.mark.parametrize("analysis_set", ["RFS", "MRD response: responders"])
def test_the_results_of_an_analysis_set_are_the_same_from_each_engine(duckdb_backend, analysis_set):
    from blinrwe.derive import DeriveSettings, derive_analysis_data
    from blinrwe.derive.engine.analysis_data import derive_analysis_data as derive_in_engine
    from blinrwe.examples import synthetic_cohort

    study, s = synthetic_cohort(120, 8), DeriveSettings(data_cutoff=dt.date(2021, 6, 30))
    a = AnalysisSettings(analysis_set=analysis_set)
    want = analyse_study(derive_analysis_data(study, s), a).ard
    got = analyse_study(derive_in_engine(study, s, backend=duckdb_backend), a).ard
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    flow = want[want["table"] == "attrition"]
    assert (flow["variable"] == analysis_set).any() and len(flow) < 60


def test_what_a_study_remembers_is_forgotten_when_it_ends(analysis_data):
    """Columns factorised and patient ids looked up once per study (analysis/array_memo.py), nothing kept after."""
    from blinrwe.analysis import levels, positions

    analyse_study(analysis_data, AnalysisSettings(endpoints=("OS", "CIR"), conventions_appendix=True))
    assert levels._LEVELS._entries == {} and positions._found._entries == {} and positions._indexes._entries == {}
