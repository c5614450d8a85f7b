"""Setting, intent (recorded wins), relapse number, MRD at T0, burden classes (domain-spec 2)."""

import pandas as pd
import pytest

from blinrwe.derive.setting import derive_burden_classes, derive_intent, derive_mrd_status_at_t0, derive_relapse_number
from blinrwe.derive.settings import CutPoints, DeriveSettings
from blinrwe.derive.study_tables import conform
from blinrwe.errors import SpecificationError


def patients(**cols):
    n = len(next(iter(cols.values())))
    base = {"patient_id": [f"p{i}" for i in range(n)], "disease_setting": ["relapsed_refractory"] * n}
    base.update(cols)
    return conform("patients", pd.DataFrame(base))


def test_intent_derived_from_setting_and_status_recorded_wins():
    # domain-spec 2.1: ND + not CR -> induction; ND + CR -> consolidation; R/R + not CR -> re-induction;
    # R/R + CR -> consolidation; missing status -> unknown; the recorded intent wins.
    p = patients(
        disease_setting=["newly_diagnosed", "newly_diagnosed", "newly_diagnosed", "relapsed_refractory",
                         "relapsed_refractory", "relapsed_refractory", "newly_diagnosed"],
        disease_status_at_t0=["non_CR", "CRi", None, "non_CR", "CR", "unknown", "CR"],
        intent=[None, None, None, None, None, None, "frontline_induction"],
    )
    out = derive_intent(p)
    assert out["intent_derived"].tolist() == ["frontline_induction", "frontline_consolidation", "frontline_unknown",
                                              "rr_reinduction", "rr_consolidation", "rr_unknown",
                                              "frontline_consolidation"]
    assert out["intent"].iloc[-1] == "frontline_induction"
    assert out["intent_source"].tolist() == ["derived"] * 6 + ["recorded"]
    assert out["in_cr_at_t0"].tolist() == [False, True, pd.NA, False, True, pd.NA, True]
    assert out["setting"].tolist()[:4] == ["frontline", "frontline", "frontline", "relapsed_refractory"]


def test_relapse_number_recorded_wins_primary_refractory_is_zero():
    p = patients(rr_type=["primary_refractory", "relapsed", "relapsed", "relapsed", "relapsed"],
                 relapse_number=[None, 1, 3, 5, None])
    out = derive_relapse_number(p)
    assert out["relapse_number"].astype("float").fillna(-1).tolist() == [0, 1, 3, 5, -1]
    assert out["disease_status_class"].tolist() == ["primary_refractory", "1R", "3R", ">=4R", "relapsed_unknown_number"]
    assert out["relapse_number_source"].tolist() == ["derived", "recorded", "recorded", "recorded", "missing"]


def test_mrd_status_at_t0_recorded_wins_else_threshold():
    p = patients(mrd_at_t0=[1e-4, 0.9e-4, None, 0.5], mrd_status_at_t0=[None, None, None, "negative"])
    out = derive_mrd_status_at_t0(p, DeriveSettings())
    assert out["mrd_status_at_t0"].tolist() == ["positive", "negative", "unknown", "negative"]
    assert out["mrd_status_at_t0_source"].tolist() == ["derived", "derived", "missing", "recorded"]


def test_burden_class_boundaries_are_explicit():
    # domain-spec 2.3: < 5 vs >= 5; > 15; >= 50 vs < 50; > 50; pooled >= 50 / 25-<50 / 5-<25 / < 5
    p = patients(bm_blast_pct_at_t0=[4.99, 5, 15, 15.01, 25, 50, 50.01, None])
    out = derive_burden_classes(p, DeriveSettings())
    assert out["burden_t0_ge5"].tolist() == ["<5", ">=5", ">=5", ">=5", ">=5", ">=5", ">=5", None]
    assert out["burden_t0_gt15"].tolist() == ["<=15", "<=15", "<=15", ">15", ">15", ">15", ">15", None]
    assert out["burden_t0_ge50"].tolist() == ["<50", "<50", "<50", "<50", "<50", ">=50", ">=50", None]
    assert out["burden_t0_gt50"].tolist() == ["<=50", "<=50", "<=50", "<=50", "<=50", "<=50", ">50", None]
    assert out["burden_t0_pooled"].tolist() == ["<5", "5-<25", "5-<25", "5-<25", "25-<50", ">=50", ">=50", None]


def test_custom_cut_points_and_their_validation():
    s = DeriveSettings(burden_classes={"ge20": CutPoints((20.0,), ("<20", ">=20"))})
    out = derive_burden_classes(patients(bm_blast_pct_at_diagnosis=[19.9, 20.0]), s)
    assert out["burden_dx_ge20"].tolist() == ["<20", ">=20"]
    with pytest.raises(SpecificationError, match="need 2 labels"):
        CutPoints((20.0,), ("<20",))
