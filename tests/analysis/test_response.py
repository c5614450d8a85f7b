"""Response rates: values equal direct proportion_ci calls; seed 003 published counts."""

import pytest

from blinrwe.analysis.response import response_table
from blinrwe.stats.proportion import proportion_ci


def test_rows_equal_direct_calls(analysis_data):
    adsl = analysis_data.adsl
    ard = response_table(adsl, ["disease_setting"])
    row = ard[(ard.variable == "cr_cri") & (ard.level == "overall") & (ard.group == "Overall")].iloc[0]
    k = int(adsl["cr_cri_overall"].sum())
    ci = proportion_ci(k, len(adsl))
    assert (row.value, row.lower, row.upper, row.n, row.denominator) == (ci.estimate, ci.lower, ci.upper, k, len(adsl))
    sub = adsl[adsl.disease_setting == "newly_diagnosed"]
    row = ard[(ard.variable == "CR") & (ard.level == "2_cycles") & (ard.group == "newly_diagnosed")].iloc[0]
    k = int((sub["best_response_2_cycles"] == "CR").sum())
    assert row.value == proportion_ci(k, len(sub)).estimate and row.denominator == len(sub)
    mrd = ard[(ard.variable == "mrd_negative") & (ard.level == "overall|responders") & (ard.group == "Overall")].iloc[0]
    resp = adsl["mrd_denominator_responders"].astype(bool)
    assert mrd.denominator == resp.sum()
    assert mrd.n == (adsl["mrd_negative_overall"].astype(bool) & resp).sum()


@pytest.fixture(scope="module")
def seed003_results():
    from blinrwe.app.pipeline import analyse, bundled_spec, derive, load_spec, load_study

    spec = load_spec(bundled_spec("seed003"))
    study, validation = load_study(spec)
    return analyse(derive(study, spec), spec, validation)


def _get(ard, variable, level="overall", group_var="", group="Overall"):
    rows = ard[(ard.section == "response") & (ard.variable == variable) & (ard.level == level)
               & (ard.group_var == group_var) & (ard.group == group)]
    assert len(rows) == 1, (variable, level, group_var, group)
    return rows.iloc[0]


def test_seed003_published_response_counts(seed003_results):
    ard = seed003_results.ard
    assert (_get(ard, "cr_cri").n, _get(ard, "cr_cri").denominator) == (25, 30)
    assert _get(ard, "CR").n == 16 and _get(ard, "CRi").n == 9
    assert _get(ard, "mrd_negative", "overall|all_treated").n == 12
    high = _get(ard, "cr_cri", group_var="burden_t0_gt50", group=">50")
    assert (high.n, high.denominator) == (9, 13)
    assert "survival" in set(seed003_results.unavailable.section)


def test_population_rows_come_first_and_name_their_denominator(analysis_data):
    """Seed 000: response among patients with overt disease (the headline), then among those in CR at the
    start, then among all; each population has a ``population`` row naming it."""
    import numpy as np

    adsl = analysis_data.adsl
    overt = np.arange(len(adsl)) % 4 != 0
    populations = [("overt_disease", "patients with \u22655% marrow blasts at the first infusion", overt),
                   ("in_cr_at_t0", "patients in CR/CRi at the first infusion", ~overt)]
    ard = response_table(adsl, (), populations=populations)
    overall = ard[ard.level.str.startswith("overall")]
    levels = list(dict.fromkeys(overall.level))
    assert levels[:2] == ["overall|overt_disease", "overall|in_cr_at_t0"] and "overall" in levels
    named = overall[overall.statistic == "population"].set_index("variable")
    assert named.loc["overt_disease", "value"] == overt.sum() and "5%" in named.loc["overt_disease", "method"]
    cr = overall[(overall.variable == "cr_cri") & (overall.level == "overall|overt_disease")].iloc[0]
    expected = int((adsl["cr_cri_overall"].fillna(False).to_numpy(dtype=bool) & overt).sum())
    assert (cr.n, cr.denominator) == (expected, overt.sum())
    assert response_table(adsl, ()).equals(response_table(adsl, (), populations=()))
