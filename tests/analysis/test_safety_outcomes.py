"""Deaths, fatal AEs and vital status; therapy after blinatumomab by response (analysis/safety_outcomes.py)."""

import pandas as pd

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.safety_outcomes import NOT_RECORDED, deaths_table, subsequent_therapy_table


def _adsl(n=10, deaths=(), causes=None):
    ids = [f"p{i}" for i in range(n)]
    death = [i in deaths for i in range(n)]
    cause = [None] * n
    for i, c in (causes or {}).items():
        cause[i] = c
    return pd.DataFrame({"patient_id": ids, "death": pd.array(death, dtype="boolean"), "cause_of_death": cause})


def _value(ard, variable, level, statistic="n"):
    rows = ard[(ard["variable"] == variable) & (ard["level"] == level) & (ard["statistic"] == statistic)]
    assert len(rows) == 1, (variable, level, statistic)
    return rows.iloc[0]


def _ae(rows):
    return pd.DataFrame(rows, columns=["patient_id", "term", "worst_grade", "fatal", "fatal_related",
                                       "fatal_unattributed"])


def test_seed002_eight_fatal_five_of_them_infections():
    """"Eight patients had fatal adverse events, including 5 due to infections" (n of 64)."""
    rows = [(f"p{i}", "infection", 5, True, False, True) for i in range(5)]
    rows += [(f"p{i}", "other", 5, True, False, True) for i in range(5, 8)]
    rows += [("p8", "infection", 3, False, False, False), ("p0", "any", 5, True, False, True)]
    causes = {i: "infection" for i in range(5)} | {5: "other", 6: "other", 7: None}
    ard = deaths_table(_adsl(64, deaths=range(8), causes=causes), _ae(rows))
    assert (_value(ard, "fatal_ae", "yes")["value"], _value(ard, "fatal_ae", "yes")["denominator"]) == (8, 64)
    assert _value(ard, "fatal_ae_term", "infection")["value"] == 5  # the derived "any" row is not a term
    assert _value(ard, "fatal_ae", "yes", "pct")["value"] == 12.5
    related = _value(ard, "fatal_ae_related", "yes")
    assert pd.isna(related["value"]) and "relatedness" in not_estimable_reason(related["note"])
    assert (_value(ard, "vital_status", "alive")["value"], _value(ard, "vital_status", "died")["value"]) == (56, 8)
    assert _value(ard, "cause_of_death", "infection")["value"] == 5
    assert _value(ard, "cause_of_death", NOT_RECORDED)["value"] == 1
    order = ard.loc[(ard["variable"] == "cause_of_death") & (ard["statistic"] == "n"), "level"].tolist()
    assert order == ["infection", "other", NOT_RECORDED]


def test_seed004_no_treatment_related_death_and_partial_attribution():
    ard = deaths_table(_adsl(33), _ae([("p1", "CRS", 3, False, False, False)]))
    assert _value(ard, "fatal_ae", "yes")["value"] == 0 and _value(ard, "fatal_ae_related", "yes")["value"] == 0
    two = deaths_table(_adsl(5, deaths=(0, 1)), _ae([("p0", "infection", 5, True, True, False),
                                                     ("p1", "infection", 5, True, False, True)]))
    related = _value(two, "fatal_ae_related", "yes")
    assert related["value"] == 1 and "relatedness not recorded for 1" in related["method"]


def test_degenerate_inputs_give_counts_and_reasons_never_an_error():
    nobody = deaths_table(_adsl(0), _ae([]))
    assert _value(nobody, "fatal_ae", "yes")["value"] == 0
    pct = _value(nobody, "vital_status", "alive", "pct")
    assert pd.isna(pct["value"]) and not_estimable_reason(pct["note"]) == "no patients in the denominator"
    alive = deaths_table(_adsl(4))  # summary form (no AE table), nobody died
    assert "fatal_ae" not in set(alive["variable"]) and "cause_of_death" not in set(alive["variable"])
    assert _value(alive, "vital_status", "alive")["value"] == 4
    unknown = _adsl(3).assign(death=pd.array([True, None, False], dtype="boolean"))
    ard = deaths_table(unknown, cutoff="2024-04-30")
    assert _value(ard, "vital_status", "unknown")["value"] == 1
    assert "data cut-off 2024-04-30" in _value(ard, "vital_status", "died")["method"]
    assert deaths_table(pd.DataFrame()).empty


def test_therapy_after_blinatumomab_by_response_seed000_allo_hsct_in_10_of_16():
    responder = [True] * 16 + [False] * 3
    allo = [True] * 10 + [False] * 6 + [True, False, False]
    adsl = pd.DataFrame({"patient_id": [f"p{i}" for i in range(19)], "responder": responder,
                         "allo_hsct_after": allo, "further_treatment": allo,
                         "further_treatment_group": ["allo_hsct" if a else "none" for a in allo],
                         "first_next_therapy_intent": ["consolidation" if a else None for a in allo]})
    ard = subsequent_therapy_table(adsl)
    yes = ard[(ard["variable"] == "allo_hsct_after") & (ard["level"] == "yes") & (ard["group"] == "yes")]
    assert tuple(yes.loc[yes["statistic"] == "n", ["value", "denominator"]].iloc[0]) == (10, 16)
    assert yes.loc[yes["statistic"] == "pct", "value"].iloc[0] == 62.5
    assert "test_p" not in set(ard["statistic"])
    groups = [g for g in dict.fromkeys(ard["group"]) if g]
    assert groups == ["Overall", "yes", "no"]  # responders before non-responders
    intent = ard[(ard["variable"] == "first_next_therapy_intent") & (ard["statistic"] == "not_applicable")
                 & (ard["group"] == "Overall")]
    assert intent["value"].iloc[0] == 8  # no further therapy: no intent to record
    assert subsequent_therapy_table(adsl.drop(columns="responder")).empty


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.tuples(st.sampled_from([True, False, None]),
                          st.sampled_from(["leukemia", "infection", "other", None])), max_size=30))
def test_vital_status_adds_up_to_n_and_causes_to_the_deaths(patients):
    adsl = pd.DataFrame({"patient_id": [f"p{i}" for i in range(len(patients))],
                         "death": pd.array([d for d, _ in patients], dtype="boolean"),
                         "cause_of_death": [c if d else None for d, c in patients]})
    ard = deaths_table(adsl)
    n = ard[ard["statistic"] == "n"]
    status = n[n["variable"] == "vital_status"]
    assert status["value"].sum() == len(patients)
    died = sum(d is True for d, _ in patients)
    assert status.loc[status["level"] == "died", "value"].iloc[0] == died
    assert n.loc[n["variable"] == "cause_of_death", "value"].sum() == died


def test_the_ae_rows_positions_shared_with_the_safety_table_give_the_same_deaths_rows():
    import numpy as np

    from blinrwe.analysis.array_memo import remembering
    from blinrwe.analysis.safety import safety_table

    rng = np.random.default_rng(2)
    adsl = pd.DataFrame({"patient_id": [f"p{i}" for i in range(40)], "death": rng.random(40) < 0.3,
                         "cause_of_death": rng.choice(["infection", None], 40)})
    ae = pd.DataFrame({"patient_id": rng.choice([*adsl["patient_id"], "not treated"], 90),
                       "term": rng.choice(["infection", "any", "CRS"], 90), "worst_grade": rng.integers(1, 6, 90),
                       "fatal": rng.random(90) < 0.2})
    want = deaths_table(adsl, ae)
    with remembering():
        safety_table(ae, adsl["patient_id"])  # looks the AE rows up first
        got = deaths_table(adsl, ae)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
