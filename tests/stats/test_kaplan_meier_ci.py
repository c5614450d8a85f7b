"""Pointwise Kaplan-Meier confidence intervals (blinrwe.stats.kaplan_meier_ci) against R survival golden
values (tests/stats/golden/km_logrank.R)."""

import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.kaplan_meier import kaplan_meier

from .test_kaplan_meier import GOLDEN, _arr, _close, _none_or


def test_level_90():
    case = GOLDEN["km90"]
    fit = kaplan_meier(case["time"], case["event"], conf_type="log-log", level=0.90)
    _close(fit.lower, case["lower"])
    _close(fit.upper, case["upper"])
    q = case["quantiles"]
    for i, p in enumerate(q["p"]):
        got = fit.quantile(p)
        _close([_none_or(got.lower), _none_or(got.upper)], [_arr(q["lower"])[i], _arr(q["upper"])[i]])


def test_unsupported_conf_type_is_named():
    with pytest.raises(StatisticalInputError) as err:
        kaplan_meier([1], [1], conf_type="logit2")
    assert "conf_type 'logit2' is not supported" in str(err.value)
