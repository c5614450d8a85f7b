"""AE counts by worst grade per patient and term."""

import pandas as pd

from blinrwe.analysis.safety import safety_table


def test_worst_grade_counting():
    ae = pd.DataFrame({"patient_id": ["a", "a", "b", "c"], "term": ["CRS", "CRS", "CRS", "infection"],
                       "worst_grade": [1, 3, 2, 4]})
    ard = safety_table(ae, ["a", "b", "c", "d"]).set_index(["variable", "statistic"])
    assert ard.loc[("CRS", "grade_any"), "value"] == 2
    assert ard.loc[("CRS", "grade_1_2"), "value"] == 1  # b only: a's worst grade is 3
    assert ard.loc[("CRS", "grade_3plus"), "value"] == 1
    assert ard.loc[("CRS", "grade_3"), "value"] == 1
    assert ard.loc[("any", "grade_any"), "value"] == 3
    assert ard.loc[("any", "grade_any"), "denominator"] == 4
    assert ard.loc[("infection", "grade_3plus_pct"), "value"] == 25.0


def test_derived_any_term_not_counted_twice():
    """AnalysisData.adverse_events already holds an "any" row per patient; it must not add to the count."""
    ae = pd.DataFrame({"patient_id": ["a", "a", "a", "b", "b"], "term": ["CRS", "fever", "any", "CRS", "any"],
                       "worst_grade": [1, 3, 3, 2, 2]})
    ard = safety_table(ae, ["a", "b", "c"]).set_index(["variable", "statistic"])
    assert ard.loc[("any", "grade_any"), "value"] == 2
    assert ard.loc[("any", "grade_3plus"), "value"] == 1 and ard.loc[("any", "grade_1_2"), "value"] == 1
    assert ard.loc[("any", "grade_any_pct"), "value"] == 100.0 * 2 / 3
    assert list(ard.index.get_level_values(0).unique()) == ["any", "CRS", "fever"]


def test_no_adverse_events():
    ae = pd.DataFrame({"patient_id": pd.Series(dtype=object), "term": pd.Series(dtype=object),
                       "worst_grade": pd.Series(dtype="Int64")})
    ard = safety_table(ae, ["a", "b"]).set_index(["variable", "statistic"])
    assert ard.loc[("any", "grade_any"), "value"] == 0 and ard.loc[("any", "grade_any"), "denominator"] == 2


def test_every_term_by_each_worst_grade_seed002_grade_3_and_4():
    """Seed 002 counts "grade 3 and 4 adverse events in 20 and 28 patients": each patient once, at the
    worst grade over every term; a patient with grades 3 and 4 is a grade-4 patient only."""
    ae = pd.DataFrame({"patient_id": ["a", "a", "b", "c", "c", "d"],
                       "term": ["fever", "neutropenia", "infection", "anemia", "infection", "infection"],
                       "worst_grade": [3, 4, 3, 1, 5, 4]})
    ard = safety_table(ae, ["a", "b", "c", "d", "e"]).set_index(["variable", "statistic"])["value"]
    assert [ard[("any", f"grade_{k}")] for k in range(1, 6)] == [0, 0, 1, 2, 1]  # b 3; a, d 4; c 5
    assert [ard[("infection", f"grade_{k}")] for k in range(1, 6)] == [0, 0, 1, 1, 1]
    assert ard[("any", "grade_3_pct")] == 20.0 and ard[("fever", "grade_3")] == 1


def test_neurologic_events_as_a_group_worst_grade_over_icans_and_other_neurologic_events():
    ae = pd.DataFrame({"patient_id": ["a", "a", "b", "c"], "term": ["ICANS", "neurologic_event", "ICANS", "CRS"],
                       "worst_grade": [1, 3, 4, 2]})
    ard = safety_table(ae, ["a", "b", "c"]).set_index(["variable", "statistic"])
    group = ard.loc["neurologic_events", "value"]
    assert (group["grade_any"], group["grade_3"], group["grade_4"], group["grade_1"]) == (2, 1, 1, 0)
    assert "ICANS or neurologic event" in ard.loc[("neurologic_events", "grade_any"), "method"]
    none = safety_table(ae[ae["term"] == "CRS"], ["a", "b", "c"])
    assert "neurologic_events" not in set(none["variable"])  # no member term recorded: no group row


def test_gvhd_among_its_own_population_with_the_population_as_level():
    ae = pd.DataFrame({"patient_id": ["a", "b", "c"], "term": ["GVHD", "GVHD", "CRS"], "worst_grade": [2, 3, 1]})
    ard = safety_table(ae, ["a", "b", "c", "d"], populations={"GVHD": (["a", "b", "c"], "prior_allo_hsct",
                                                                       "the transplanted")})
    gvhd = ard[(ard["variable"] == "GVHD") & (ard["statistic"] == "grade_any")].iloc[0]
    assert (gvhd["value"], gvhd["denominator"], gvhd["level"]) == (2, 3, "prior_allo_hsct")
    assert gvhd["method"].endswith("among the transplanted")
    crs = ard[(ard["variable"] == "CRS") & (ard["statistic"] == "grade_any")].iloc[0]
    assert (crs["denominator"], crs["level"]) == (4, "")
    empty = safety_table(ae, ["a"], populations={"GVHD": ([], "prior_allo_hsct", "nobody")})
    pct = empty[(empty["variable"] == "GVHD") & (empty["statistic"] == "grade_any_pct")].iloc[0]
    assert pd.isna(pct["value"]) and "not_estimable: no patients in the denominator" in pct["note"]


def test_nobody_treated_gives_zero_counts_and_ne_percentages():
    ae = pd.DataFrame({"patient_id": ["a"], "term": ["CRS"], "worst_grade": [2]})
    ard = safety_table(ae, [])
    assert (ard.loc[ard["statistic"] == "grade_any", "value"] == 0).all()
    pct = ard[ard["statistic"].str.endswith("_pct")]
    assert pct["value"].isna().all() and pct["note"].str.contains("no patients in the denominator").all()


# --- a naive second implementation, on random cohorts (hypothesis) -------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TERMS = ("CRS", "ICANS", "neurologic_event", "infection", "GVHD")


def _naive(ae: pd.DataFrame, ids: list, terms) -> dict:
    """Patients per worst grade over ``terms`` by a plain loop: the definition, written out."""
    counts = {k: 0 for k in range(1, 6)}
    for pid in ids:
        grades = [g for p, t, g in ae.itertuples(index=False) if p == pid and t in terms]
        if grades:
            counts[max(grades)] += 1
    return counts


@given(st.lists(st.tuples(st.integers(0, 11), st.sampled_from(_TERMS), st.integers(1, 5)), max_size=40),
       st.integers(0, 12))
def test_grade_counts_equal_the_naive_definition(events, n_patients):
    ids = [f"p{i}" for i in range(n_patients)]
    ae = pd.DataFrame([(f"p{i}", t, g) for i, t, g in events], columns=["patient_id", "term", "worst_grade"])
    ard = safety_table(ae, ids)
    value = {(v, s): x for v, s, x in zip(ard["variable"], ard["statistic"], ard["value"])}
    present = set(ae["term"]) if len(ae) else set()
    for term, members in [("any", _TERMS), *((t, (t,)) for t in present),
                          *([("neurologic_events", ("ICANS", "neurologic_event"))]
                            if present & {"ICANS", "neurologic_event"} else [])]:
        naive = _naive(ae, ids, members)
        assert [value[(term, f"grade_{k}")] for k in range(1, 6)] == [naive[k] for k in range(1, 6)], term
        assert value[(term, "grade_any")] == sum(naive.values())
        assert value[(term, "grade_1_2")] == naive[1] + naive[2]
        assert value[(term, "grade_3plus")] == naive[3] + naive[4] + naive[5]


def test_the_adsl_ids_looked_up_once_give_the_counts_of_a_list_of_ids():
    """With the ADSL's id column (analysis_study), the AE rows' positions are shared with the deaths table."""
    import numpy as np

    from blinrwe.analysis.array_memo import remembering

    rng = np.random.default_rng(5)
    ids = pd.Series([f"p{i}" for i in range(50)], dtype=object)
    ae = pd.DataFrame({"patient_id": np.sort(rng.choice(ids.to_numpy(), 120)),
                       "term": rng.choice(["CRS", "ICANS", "any", "infection"], 120),
                       "worst_grade": rng.integers(1, 6, 120)})
    want = safety_table(ae, list(ids))
    with remembering():
        got = safety_table(ae, ids)
        again = safety_table(ae, ids)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(again, want, check_exact=True)
    twice = pd.Series([*ids, "p1"], dtype=object)  # not unique: counted per distinct patient, as a list
    pd.testing.assert_frame_equal(safety_table(ae, twice), safety_table(ae, list(ids)), check_exact=True)
