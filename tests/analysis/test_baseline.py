"""Table 1 statistics and tests; p-values against R (golden/baseline.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.ard import ARD_COLUMNS
from blinrwe.analysis.baseline import baseline_table, categorical_test, continuous_test

GOLDEN = json.loads((Path(__file__).parent / "golden" / "baseline.json").read_text())


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_tests_equal_r(name):
    case = GOLDEN[name]
    if case["kind"] == "categorical":
        p, method, _ = categorical_test(np.array(case["table"]))
        assert ("Fisher" in method) == (case["test"] == "fisher")
    else:
        p, method, _ = continuous_test([np.array(g, dtype=float) for g in case["groups"]])
    assert p == pytest.approx(case["p"], rel=1e-9, abs=1e-14)


@pytest.fixture
def adsl():
    return pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(8)],
        "arm": ["a", "a", "a", "b", "b", "b", "b", None],
        "sex": ["M", "F", "M", None, "F", "F", "M", "M"],
        "age": [20.0, 30.0, np.nan, 40.0, 50.0, 60.0, 70.0, 80.0],
        "prior_tki": pd.array([True, False, None, True, True, False, False, True], dtype="boolean"),
    })


def test_descriptives(adsl):
    ard = baseline_table(adsl, ["sex", "age", "prior_tki", "absent"], "arm")
    assert tuple(ard.columns) == ARD_COLUMNS
    overall = ard[(ard.group == "Overall")]
    age = overall[overall.variable == "age"].set_index("statistic")["value"]
    values = np.array([20, 30, 40, 50, 60, 70, 80.0])
    assert age["n"] == 7 and age["missing"] == 1
    assert age["median"] == np.median(values) and age["sd"] == pytest.approx(values.std(ddof=1))
    assert (age["min"], age["max"]) == (20, 80)
    sex = overall[(overall.variable == "sex") & (overall.statistic == "n")].set_index("level")
    assert sex.loc["M", "value"] == 4 and sex.loc["M", "denominator"] == 7
    tki = overall[(overall.variable == "prior_tki") & (overall.statistic == "n")].set_index("level")
    assert tki.loc["yes", "value"] == 4
    by_b = ard[(ard.group == "b") & (ard.variable == "sex") & (ard.statistic == "n")].set_index("level")
    assert by_b.loc["F", "value"] == 2 and by_b.loc["F", "denominator"] == 3
    assert "absent" not in set(ard.variable)
    n_rows = ard[ard.variable == "patients"].set_index("group")["value"]
    assert n_rows["Overall"] == 8 and n_rows["a"] == 3 and n_rows["b"] == 4


def test_group_test_rows_equal_direct_calls(adsl):
    ard = baseline_table(adsl, ["sex", "age"], "arm")
    p_age = ard[(ard.variable == "age") & (ard.statistic == "test_p")]["value"].item()
    assert p_age == continuous_test([np.array([20.0, 30.0]), np.array([40.0, 50, 60, 70])])[0]
    p_sex = ard[(ard.variable == "sex") & (ard.statistic == "test_p")]["value"].item()
    assert p_sex == categorical_test(np.array([[1, 2], [2, 1]]))[0]


def test_text_columns_are_strings(adsl):
    ard = baseline_table(adsl, ["sex", "age"], "arm", section="exposure", table="exposure")
    for col in ("section", "table", "variable", "level", "group_var", "group", "statistic", "method", "note"):
        assert ard[col].map(type).eq(str).all(), col
    assert set(ard.table) == {"exposure"}


def _cell(ard, variable, statistic, group="Overall"):
    rows = ard[(ard.variable == variable) & (ard.statistic == statistic) & (ard.group == group)]
    assert len(rows) == 1, (variable, statistic, group)
    return rows.iloc[0]


@pytest.fixture
def settings_adsl():
    return pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(7)],
        "disease_setting": ["newly_diagnosed"] * 3 + ["relapsed_refractory"] * 4,
        "rr_type": [None, None, None, "relapsed", "relapsed", "primary_refractory", None],
        "relapse_number": [np.nan, np.nan, np.nan, 1.0, 2.0, 0.0, np.nan],
        "prior_lines": pd.array([0, 1, 0, 2, 3, 1, None], dtype="Int64"),
        "age": [20.5, 30.0, 41.0, 50.0, 60.0, 70.0, 80.0],
    })


def test_not_applicable_in_newly_diagnosed(settings_adsl):
    from blinrwe.analysis.baseline import NOT_APPLICABLE

    ard = baseline_table(settings_adsl, ["rr_type", "relapse_number", "age"], "disease_setting")
    for variable in ("rr_type", "relapse_number"):
        assert variable in NOT_APPLICABLE
        nd = _cell(ard, variable, "missing", "newly_diagnosed")
        assert "not_applicable" in nd.note and (nd.value, nd.denominator) == (0, 0)
        assert _cell(ard, variable, "not_applicable", "newly_diagnosed").value == 3
        rr = _cell(ard, variable, "missing", "relapsed_refractory")
        assert "not_applicable" not in rr.note and (rr.value, rr.denominator) == (1, 4)
        overall = _cell(ard, variable, "missing")
        # newly diagnosed patients are not counted as missing in the whole cohort either
        assert "not_applicable" not in overall.note and (overall.value, overall.denominator) == (1, 4)
        na = _cell(ard, variable, "not_applicable")
        assert (na.value, na.denominator) == (3, 7) and na.method.startswith("not applicable: ")
    # a variable without a rule keeps every missing value as missing
    assert "not_applicable" not in set(ard[ard.variable == "age"].statistic)
    # the recorded values of the relapsed patients are described as usual
    assert _cell(ard, "relapse_number", "median", "relapsed_refractory").value == 1.0
    # without the setting column the rule cannot be applied: missing stays missing
    plain = baseline_table(settings_adsl.drop(columns="disease_setting"), ["rr_type"])
    assert _cell(plain, "rr_type", "missing").value == 4


def test_integer_variables_are_flagged(settings_adsl):
    ard = baseline_table(settings_adsl, ["relapse_number", "prior_lines", "age"])
    for variable in ("relapse_number", "prior_lines"):  # float column by name; Int64 column by dtype
        rows = ard[ard.variable == variable]
        assert rows.note.str.contains("integer").all(), variable
    assert not ard[ard.variable == "age"].note.str.contains("integer").any()
    assert _cell(ard, "prior_lines", "max").value == 3 and _cell(ard, "prior_lines", "missing").value == 1


def test_relapse_not_applicable_without_response_and_cause_of_death_while_alive():
    # summary form (seed 003): relapse blank for non-responders, cause of death blank for patients alive
    adsl = pd.DataFrame({
        "patient_id": ["r1", "r2", "r3", "n1", "n2", "n3"],
        "responder": [True, True, True, False, False, False],
        "relapse": pd.array([True, False, None, None, None, False], dtype="boolean"),
        "death": pd.array([True, False, None, True, True, False], dtype="boolean"),
        "cause_of_death": ["leukemia", None, None, "infection", None, None],
    })
    ard = baseline_table(adsl, ["relapse", "cause_of_death"], "responder")
    # relapse: the 2 blank non-responders are not applicable; the blank responder r3 is missing
    assert (_cell(ard, "relapse", "not_applicable").value, _cell(ard, "relapse", "missing").value) == (2, 1)
    assert _cell(ard, "relapse", "missing").denominator == 3  # missing among the responders only
    no = _cell(ard, "relapse", "missing", "no")
    assert "not_applicable" in no.note and (no.value, no.denominator) == (0, 0)  # NA in the non-responder column
    assert _cell(ard, "relapse", "not_applicable", "no").value == 2
    # recorded values are described as usual, levels "yes"/"no" as for every yes/no variable
    yes = ard[(ard.variable == "relapse") & (ard.statistic == "n") & (ard.group == "Overall")]
    assert dict(zip(yes.level, yes.value)) == {"no": 2, "yes": 1}
    # cause of death: r2 and n3 alive -> not applicable; r3 (vital status unknown) and n2 (dead, no cause) missing
    assert _cell(ard, "cause_of_death", "not_applicable").value == 2
    assert (_cell(ard, "cause_of_death", "missing").value, _cell(ard, "cause_of_death", "missing").denominator) == (2, 4)


def test_continuous_test_rules_at_the_edges():
    """Exact Wilcoxon only for two small samples without ties; constant samples are not estimable; an
    empty group is left out (then fewer than two groups)."""
    small = continuous_test([np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])])
    assert "exact" in small[1]
    tied = continuous_test([np.array([1.0, 2.0, 2.0]), np.array([4.0, 5.0])])
    assert "normal approximation" in tied[1]
    large = continuous_test([np.arange(60.0), np.arange(60.0) + 0.5])
    assert "normal approximation" in large[1]
    assert continuous_test([np.array([3.0, 3.0]), np.array([3.0]), np.array([3.0, 3.0])])[2].startswith(
        "not_estimable: all values equal")
    assert continuous_test([np.array([1.0, 2.0]), np.array([])])[2].startswith("not_estimable: fewer than two")
    kw = continuous_test([np.array([3.0, 3.0]), np.array([4.0]), np.array([3.0, 5.0])])
    assert kw[1] == "Kruskal-Wallis rank-sum test" and np.isfinite(kw[0])
