"""Exposure rows: the exposure columns described as in Table 1; values equal direct computations."""

import numpy as np
import pytest

from blinrwe.analysis.baseline import continuous_test
from blinrwe.analysis.exposure import EXPOSURE_VARIABLES, exposure_table


@pytest.fixture(scope="module")
def ard(analysis_data):
    return exposure_table(analysis_data.adsl, "disease_setting")


def _value(ard, variable, statistic, group="Overall", level=""):
    rows = ard[(ard.variable == variable) & (ard.statistic == statistic) & (ard.group == group) & (ard.level == level)]
    assert len(rows) == 1, (variable, statistic, group, level)
    return rows.iloc[0]


def test_only_exposure_columns_in_the_exposure_section(analysis_data, ard):
    present = {v for v in EXPOSURE_VARIABLES if v in analysis_data.adsl.columns}
    assert set(ard.variable) - {"patients"} == present
    assert set(ard.section) == {"exposure"} and set(ard.table) == {"exposure"}


def test_continuous_values_equal_direct_computations(analysis_data, ard):
    adsl = analysis_data.adsl
    for variable in ("cycles_started", "infusion_days_total", "cumulative_dose_ug"):
        values = adsl[variable].astype("float64").to_numpy()
        assert _value(ard, variable, "median").value == np.median(values)
        assert _value(ard, variable, "mean").value == pytest.approx(values.mean(), rel=1e-15)
        assert (_value(ard, variable, "min").value, _value(ard, variable, "max").value) == (values.min(), values.max())
        rr = adsl.disease_setting == "relapsed_refractory"
        assert _value(ard, variable, "median", "relapsed_refractory").value == np.median(values[rr])
        p, method, _ = continuous_test([values[~rr], values[rr]])
        test = ard[(ard.variable == variable) & (ard.statistic == "test_p")].iloc[0]
        assert (test.value, test.method) == (p, method)
    # whole-number exposure measures are flagged for printing without decimals
    assert "integer" in _value(ard, "cycles_started", "median").note
    assert "integer" not in _value(ard, "cumulative_dose_ug", "median").note


def test_classes_counted(analysis_data, ard):
    adsl = analysis_data.adsl
    for level, k in adsl.duration_class_total.value_counts().items():
        row = _value(ard, "duration_class_total", "n", level=level)
        assert (row.value, row.denominator) == (k, len(adsl))
