import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    uncertainty_rounding,
)

INF = float("inf")
NAN = float("nan")


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
                                         (0.0455, "0.046"), (0.9999, ">0.999"), (float("nan"), "NE"),
                                         (None, "NE"), (float("inf"), "NE")])
def test_p_values(p, expected):
    assert format_p_value(p) == expected


def test_hazard_ratio():
    assert format_hazard_ratio(0.545, 0.305, 0.925) == "0.55 (0.31-0.93)"


# --- nothing infinite, NaN or huge makes a formatter raise (issue 7) --------------------


def test_infinite_bounds_print_ne_not_an_exception():
    # the demo --n 250 crash: a level with no events, HR upper bound exp(+large) = inf
    assert format_hazard_ratio(1e-9, 0.0, INF) == "0.00 (0.00-NE)"
    assert format_hazard_ratio(INF, 1.0, INF) == "NE"
    assert format_interval(-INF, INF) == "NE-NE"
    assert format_estimate_ci(INF, NAN, NAN) == "NE"
    assert format_number(INF) == format_number(-INF) == "NE"
    assert format_percent(INF) == "NE"
    assert format_count(INF) == "NA"
    assert format_n_percent(INF, 10) == "NA"
    assert format_mean_sd(1.0, INF) == "1.0 (NE)"
    assert format_median_range(2.0, -INF, INF) == "2.0 (NE-NE)"
    assert format_fraction_percent(3, 4, fraction=INF) == "3/4 (NE%)"


def test_huge_finite_numbers_print_in_full():
    # Decimal.quantize raised InvalidOperation past 28 significant digits
    assert format_number(1e30, 2) == "1" + "0" * 30 + ".00"
    assert format_hazard_ratio(2.0, 1.0, 1e300, 6) == f"2.000000 (1.000000-1{'0' * 300}.000000)"


def test_round_decimal_refuses_non_finite_with_a_clear_message():
    with pytest.raises(ValueError, match="not a finite number"):
        round_decimal(NAN, 1)


_ANY_FLOAT = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30))


@given(_ANY_FLOAT, _ANY_FLOAT, _ANY_FLOAT, st.integers(0, 6), st.sampled_from(["half_up", "half_even", "truncate"]))
def test_no_formatter_raises_or_prints_nan_or_inf(value, lower, upper, decimals, rounding):
    style = EstimateStyle(decimals=decimals, rounding=rounding, scale=100.0)
    cells = [
        format_number(value, decimals, rounding), format_count(value), format_percent(value, decimals, rounding),
        format_n_percent(value, lower, decimals, rounding), format_fraction_percent(value, lower, None, decimals, rounding),
        format_median_range(value, lower, upper, decimals, rounding), format_mean_sd(value, lower, decimals, rounding),
        format_interval(lower, upper, decimals, rounding), format_estimate_ci(value, lower, upper, style, se=lower),
        format_p_value(value, max(decimals, 1), rounding=rounding), format_hazard_ratio(value, lower, upper, decimals, rounding),
    ]
    for cell in cells:
        assert "nan" not in cell.lower() and "inf" not in cell.lower(), cell


# --- truncation is for estimates only (issue 7) --------------------------------------


def test_truncate_applies_to_estimates_not_to_bounds_or_p_values():
    assert format_p_value(0.0016, rounding="truncate") == "0.002"  # was 0.001
    assert format_p_value(0.0455, rounding="half_even") == "0.046"  # a non-truncating rule is kept (shortest repr)
    assert format_p_value(0.0465, rounding="half_even") == "0.046"
    assert format_interval(0.30654, 0.69346, 1, "truncate", scale=100.0) == "30.7-69.3"
    rate = EstimateStyle(decimals=1, rounding="truncate", scale=100.0)
    assert format_estimate_ci(25 / 26, 0.80359, 0.99449, rate) == "96.1 (95% CI 80.4-99.4)"  # 96.15 -> 96.1
    assert format_hazard_ratio(0.545, 0.305, 0.925, 2, "truncate") == "0.54 (0.31-0.93)"
    assert format_n_percent(25, 26, rounding="truncate") == "25 (96.1)"
    assert uncertainty_rounding("truncate") == "half_up"
    assert uncertainty_rounding("half_even") == "half_even"


# --- "64.2 ± 12.1" in one cell (seed 000) ---------------------------------------------


def test_rate_with_standard_error_in_one_cell():
    rate = EstimateStyle(decimals=1, scale=100.0)
    assert format_estimate_ci(0.642, 0.38, 0.82, rate, se=0.121) == "64.2 \u00b1 12.1 (95% CI 38.0-82.0)"
    assert format_estimate_ci(1.0, 1.0, 1.0, rate, se=0.0) == "100.0 \u00b1 0.0 (95% CI 100.0-100.0)"
    assert format_estimate_ci(0.5, 0.2, 0.8, rate, se=NAN) == "50.0 \u00b1 NE (95% CI 20.0-80.0)"
    assert format_estimate_ci(NAN, NAN, NAN, rate, point_token="NE", se=NAN) == "NE"
    truncating = EstimateStyle(decimals=1, rounding="truncate", scale=100.0)
    assert format_estimate_ci(0.6429, 0.4, 0.8, truncating, se=0.12149) == "64.2 \u00b1 12.1 (95% CI 40.0-80.0)"
    assert format_estimate_ci(0.6429, 0.4, 0.8, truncating, se=0.12159) == "64.2 \u00b1 12.2 (95% CI 40.0-80.0)"
