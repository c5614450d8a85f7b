from decimal import Decimal

import pytest

from blinrwe.errors import SpecificationError
from blinrwe.report.formatting import (
    EstimateStyle,
    format_count,
    format_estimate_ci,
    format_fraction_percent,
    format_hazard_ratio,
    format_interval,
    format_mean_sd,
    format_median_range,
    format_n_percent,
    format_number,
    format_p_value,
    format_percent,
    round_decimal,
)


@pytest.mark.parametrize("value, decimals, expected", [
    (2.45, 1, "2.5"),      # round() gives 2.5 by luck of binary; half up by rule
    (2.675, 2, "2.68"),    # round(2.675, 2) == 2.67 in Python
    (0.125, 2, "0.13"),    # round(0.125, 2) == 0.12 (half even)
    (-0.04, 1, "0.0"),     # no "-0.0"
    (55.25, 1, "55.3"),
    (1e-9, 3, "0.000"),
])
def test_round_half_up(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_other_rounding_modes():
    assert format_number(0.125, 2, "half_even") == "0.12"
    assert format_number(87.29, 1, "truncate") == "87.2"
    with pytest.raises(SpecificationError, match="rounding mode 'bankers'"):
        round_decimal(1.0, 1, "bankers")


def test_missing_values_print_tokens():
    assert format_number(float("nan")) == "NE"
    assert format_count(None) == "NA"
    assert format_percent(float("nan")) == "NE"


def test_n_percent_seed001_table1():
    assert format_n_percent(53, 96) == "53 (55.2)"
    assert format_n_percent(0, 96) == "0"
    assert format_n_percent(29, 96, fraction=Decimal("0.302083")) == "29 (30.2)"
    assert format_fraction_percent(14, 28) == "14/28 (50.0%)"


def test_descriptive_cells():
    assert format_median_range(34, 11, 67, decimals=0) == "34 (11-67)"
    assert format_mean_sd(61.44, 120.65) == "61.4 (120.7)"
    assert format_mean_sd(5.0, float("nan")) == "5.0 (NE)"


def test_estimate_with_ci_and_tokens():
    style = EstimateStyle(decimals=1)
    assert format_estimate_ci(None, 9.4, float("nan"), style, point_token="NR") == "NR (95% CI 9.4-NE)"
    assert format_estimate_ci(float("nan"), float("nan"), float("nan"), style) == "NE"
    rate = EstimateStyle(decimals=1, scale=100.0, separator=", ")
    assert format_estimate_ci(0.908, 0.670, 0.970, rate) == "90.8 (95% CI 67.0, 97.0)"
    assert format_estimate_ci(1.0, 1.0, 1.0, rate) == "100.0 (95% CI 100.0, 100.0)"
    assert format_interval(0.30654, 0.69346, scale=100.0) == "30.7-69.3"


@pytest.mark.parametrize("p, expected", [(0.00004, "<0.001"), (0.0005, "<0.001"), (0.001, "0.001"),
                                         (0.0455, "0.046"), (0.9999, ">0.999"), (float("nan"), "NA")])
def test_p_values(p, expected):
    assert format_p_value(p) == expected


def test_hazard_ratio():
    assert format_hazard_ratio(0.545, 0.305, 0.925) == "0.55 (0.31-0.93)"
