"""Drug cost (analysis/cost.py) on cohorts small enough to check by hand; bootstrap reproducibility and a naive
bootstrap; properties: scaling the price scales every cost, shared never costs more than per_bag."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blinrwe.analysis.cost import bootstrap_ratio_ci, cost_table
from blinrwe.analysis.settings import CostSettings


def cohort(vials_bag, vials_shared, cr, mrd, regimen, courses=None):
    n = len(vials_bag)
    adsl = pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)], "treated": True,
                         "vials_per_bag": pd.array(vials_bag, dtype="Int64"),
                         "vials_shared": pd.array(vials_shared, dtype="Int64"),
                         "cr_cri_overall": pd.array(cr, dtype="boolean"),
                         "mrd_negative_overall": pd.array(mrd, dtype="boolean"), "regimen_class": regimen})
    courses = courses or [1] * n
    cycles = pd.DataFrame([(f"p{i}", c + 1) for i, k in enumerate(courses) for c in range(k)],
                          columns=["patient_id", "cycle_number"])
    return adsl, cycles


def value(ard, variable, statistic, group="Overall"):
    row = ard[(ard.variable == variable) & (ard.statistic == statistic) & (ard.group == group)]
    assert len(row) == 1, (variable, statistic, group)
    return row.iloc[0]


def test_hand_checked_cohort():
    """4 patients at 1000 per vial. Short: 6 and 8 vials, both CR/CRi, one MRD-negative; label: 20 and 24 vials,
    one CR/CRi, none MRD-negative. Short: cost 14000, per patient 7000, per CR/CRi 7000, per MRD-negative 14000;
    label: 44000, 22000, per CR/CRi 44000, per MRD-negative NE; overall: 58000 / 3 CR/CRi = 19333.33,
    per course 58000 / 5 courses = 11600."""
    adsl, cycles = cohort([6, 8, 20, 24], [5, 7, 19, 22], [True, True, True, False], [True, False, False, False],
                          ["short", "short", "label", "label"], courses=[1, 1, 1, 2])
    ard = cost_table(adsl, cycles, CostSettings(price_per_vial=1000.0, currency="CNY", bootstrap_replicates=500),
                     vial_strength_ug=38.5)
    assert value(ard, "drug_cost", "sum")["value"] == 58000
    assert value(ard, "drug_cost", "per_course")["value"] == 11600
    assert value(ard, "cost_per_cr_cri", "ratio")["value"] == pytest.approx(58000 / 3)
    assert value(ard, "drug_cost", "mean", "short")["value"] == 7000
    assert value(ard, "cost_per_cr_cri", "ratio", "short")["value"] == 7000
    assert value(ard, "cost_per_mrd_negative", "ratio", "short")["value"] == 14000
    assert value(ard, "cost_per_cr_cri", "ratio", "label")["value"] == 44000
    ne = value(ard, "cost_per_mrd_negative", "ratio", "label")
    assert np.isnan(ne["value"]) and "no MRD-negative patient" in ne["note"]
    assert value(ard, "price_per_vial", "price")["level"] == "CNY"
    assert value(ard, "vials", "sum")["level"] == "per_bag"
    shared = cost_table(adsl, cycles, CostSettings(price_per_vial=1000.0, wastage="shared", bootstrap_replicates=500),
                        vial_strength_ug=38.5)
    assert value(shared, "drug_cost", "sum")["value"] == 53000
    lo, hi = value(ard, "cost_per_cr_cri", "ratio", "short")[["lower", "upper"]]
    assert "bootstrap_left_out: " in value(ard, "cost_per_mrd_negative", "ratio", "short")["note"]
    assert 6000 <= lo <= 7000 <= hi <= 8000  # resamples of the two short-course CR/CRi patients: 6000-8000
    

def test_bootstrap_is_seeded_and_equals_a_naive_loop():
    rng_data = np.random.default_rng(0)
    cost = rng_data.integers(5, 30, size=25) * 1000.0
    resp = (rng_data.uniform(size=25) < 0.6).astype(float)
    a = bootstrap_ratio_ci(cost, resp, replicates=400, level=0.9, rng=np.random.default_rng([7, 0, 0]))
    b = bootstrap_ratio_ci(cost, resp, replicates=400, level=0.9, rng=np.random.default_rng([7, 0, 0]))
    assert a == b
    rng = np.random.default_rng([7, 0, 0])
    ratios = []
    for _ in range(400):  # naive: one resample at a time
        idx = rng.integers(0, 25, size=(1, 25))[0]
        if resp[idx].sum() > 0:
            ratios.append(cost[idx].sum() / resp[idx].sum())
    assert a[:2] == pytest.approx(tuple(np.quantile(ratios, [0.05, 0.95])), rel=1e-12)
    assert a[2] == len(ratios)


def test_missing_vials_are_counted_not_priced_and_no_responders_is_ne():
    adsl, cycles = cohort([6, None, 8], [6, None, 8], [False, False, False], [False, False, False], ["a", "a", "a"])
    ard = cost_table(adsl, cycles, CostSettings(price_per_vial=10.0, by=""), vial_strength_ug=35)
    assert value(ard, "patients", "missing")["value"] == 1
    assert value(ard, "drug_cost", "sum")["value"] == 140
    assert "not_estimable" in value(ard, "cost_per_cr_cri", "ratio")["note"]
    assert set(ard["group"]) == {"Overall"}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5), st.booleans()), min_size=1, max_size=12),
       st.floats(1, 5000), st.integers(2, 5))
def test_price_scales_cost_and_shared_is_never_dearer(patients, price, factor):
    bag = [v + extra for v, extra, _ in patients]
    shared = [v for v, _, _ in patients]
    cr = [r for *_, r in patients]
    adsl, cycles = cohort(bag, shared, cr, cr, ["x"] * len(patients))
    base = CostSettings(price_per_vial=price, by="", bootstrap_replicates=100)
    one = cost_table(adsl, cycles, base, vial_strength_ug=35)
    scaled = cost_table(adsl, cycles, CostSettings(price_per_vial=price * factor, by="", bootstrap_replicates=100),
                        vial_strength_ug=35)
    cheap = cost_table(adsl, cycles, CostSettings(price_per_vial=price, by="", wastage="shared",
                                                  bootstrap_replicates=100), vial_strength_ug=35)
    costs = one[one.variable.str.contains("cost")]
    for rec in costs.itertuples():
        other = scaled[(scaled.variable == rec.variable) & (scaled.statistic == rec.statistic)].iloc[0]
        for col in ("value", "lower", "upper"):
            a, b = getattr(rec, col), other[col]
            assert (np.isnan(a) and np.isnan(b)) or b == pytest.approx(a * factor, rel=1e-9)
    assert value(cheap, "drug_cost", "sum")["value"] <= value(one, "drug_cost", "sum")["value"]
