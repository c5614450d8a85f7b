"""BSA formulas and the recorded-wins rule (domain-spec 1.6 test fixtures)."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.derive.body_surface import body_surface_area, derive_bsa
from blinrwe.derive.study_tables import conform
from blinrwe.errors import SpecificationError


@pytest.mark.parametrize(
    "height, weight, formula, expected",
    [
        (140, 35, "mosteller", 1.1667),  # domain-spec 1.6 fixture
        (140, 35, "dubois", 1.1709),
        (175, 44, "mosteller", 1.4625),
        (175, 44, "dubois", 1.5172),
        (110, 18, "mosteller", 0.7416),
    ],
)
def test_bsa_fixtures(height, weight, formula, expected):
    assert round(float(body_surface_area(height, weight, formula)), 4) == expected


def test_haycock_and_gehan_george_formulas():
    # Haycock 0.024265 H^0.3964 W^0.5378; Gehan-George 0.0235 H^0.42246 W^0.51456 (domain-spec 1.6)
    assert body_surface_area(140, 35, "haycock") == pytest.approx(0.024265 * 140**0.3964 * 35**0.5378)
    assert body_surface_area(140, 35, "gehan_george") == pytest.approx(0.0235 * 140**0.42246 * 35**0.51456)


def test_missing_input_gives_missing_bsa_and_unknown_formula_is_a_user_error():
    assert np.isnan(body_surface_area(np.nan, 35))
    with pytest.raises(SpecificationError, match="bsa_formula='boyd'"):
        body_surface_area(140, 35, "boyd")


def test_recorded_bsa_wins_over_the_formula():
    patients = conform("patients", pd.DataFrame({
        "patient_id": ["a", "b", "c"], "height_cm": [140, 140, np.nan], "weight_kg": [35, 35, 35],
        "bsa_m2": [np.nan, 1.30, np.nan], "disease_setting": ["relapsed_refractory"] * 3,
    }))
    out = derive_bsa(patients, "mosteller")
    assert out["bsa_source"].tolist() == ["mosteller", "recorded", "missing"]
    assert out["bsa_m2_used"].round(4).tolist()[:2] == [1.1667, 1.30]
    assert np.isnan(out["bsa_m2_used"].iloc[2])
