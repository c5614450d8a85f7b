"""Pointwise confidence intervals of a Kaplan-Meier curve on a transformed scale.

Definitions (domain-spec section 5): the interval of S(t) is built on a transformed
scale g(S) from the Greenwood variance, with ``se = sqrt(sum d/(n(n-d)))`` (the SE of
the cumulative hazard, R's ``survfit$std.err``; the Greenwood SE of S is ``S * se``).
Transforms: ``plain`` (linear), ``log``, ``log-log`` (default, as SAS PROC LIFETEST and
the seed publications) and ``arcsine`` (SAS's arcsine-square-root, R's ``"arcsin"``).

Conventions, chosen to equal R ``survival`` 3.5's ``survfit_confint`` (golden values
from survival 3.5-3 in ``tests/stats/golden/km_logrank.json``): ``plain`` clips to
[0, 1] and is NaN at S = 0; ``log`` is NaN at S = 0 and its upper bound is clipped at
1; ``log-log`` is NaN at S = 0 and at S = 1 (R prints NA; survival >= 3.6 prints 1, 1
at S = 1 instead); ``arcsine`` is NaN at S = 0 and S = 1.

The same transforms give the test of S(t) = 1 - p behind the SAS PROC LIFETEST
quantile interval (``rule="sas"`` of :meth:`blinrwe.stats.kaplan_meier.KaplanMeier.quantile`,
as documented in the SAS/STAT LIFETEST "Computational Formulas"): :func:`_transform`
gives g(S), g(1 - p) and g'(S) * SE(S).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from blinrwe.errors import StatisticalInputError

__all__ = ["CONF_TYPES", "pointwise_ci"]

CONF_TYPES = {
    "plain": "plain",
    "linear": "plain",
    "log": "log",
    "log-log": "log-log",
    "loglog": "log-log",
    "arcsine": "arcsine",
    "arcsin": "arcsine",
    "asinsqrt": "arcsine",
}
_CONF_LABEL = {
    "plain": "plain (linear) CI",
    "log": "log CI",
    "log-log": "log-log CI",
    "arcsine": "arcsine-square-root CI",
}


def _conf_type(conf_type: str) -> str:
    key = str(conf_type).lower().replace("_", "-")
    if key not in CONF_TYPES:
        raise StatisticalInputError(
            f"conf_type {conf_type!r} is not supported; use 'log-log' (default), 'log', 'plain' or 'arcsine'."
        )
    return CONF_TYPES[key]


def pointwise_ci(surv: np.ndarray, se: np.ndarray, conf_type: str, level: float):
    """Pointwise CI of S from ``se`` = sqrt(sum d/(n(n-d))), R survival 3.5 ``survfit_confint`` rules."""
    z = norm.ppf(1 - (1 - level) / 2)
    s = np.asarray(surv, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se * s * z
            lower = np.fmax(s - half, 0.0)
            upper = np.fmin(s + half, 1.0)
            nan = np.isnan(half)  # fmax/fmin would hide R's NaN
            lower[nan] = np.nan
            upper[nan] = np.nan
        elif conf_type == "log":
            xx = np.where(s == 0, np.nan, s)
            lower = np.exp(np.log(xx) - z * se)
            upper = np.exp(np.log(xx) + z * se)
            upper = np.where(np.isnan(upper), np.nan, np.minimum(upper, 1.0))
        elif conf_type == "log-log":
            xx = np.where((s == 0) | (s == 1), np.nan, s)
            half = z * se / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - half))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + half))
        else:  # arcsine square root
            xx = np.where(s == 0, np.nan, s)
            half = 0.5 * z * se * np.sqrt(xx / (1 - xx))
            a = np.arcsin(np.sqrt(xx))
            lo = a - half
            hi = a + half
            lower = np.sin(np.where(np.isnan(lo), np.nan, np.maximum(0.0, lo))) ** 2
            upper = np.sin(np.where(np.isnan(hi), np.nan, np.minimum(np.pi / 2, hi))) ** 2
    return lower, upper


def _transform(conf_type: str, s, target, se_log):
    """g(S), g(target) and g'(S) * SE(S) for the SAS quantile test (SE(S) = S * se_log)."""
    sd = s * se_log
    if conf_type == "plain":
        return s, target, sd
    if conf_type == "log":
        return np.log(s), np.log(target), sd / s
    if conf_type == "log-log":
        return np.log(-np.log(s)), np.log(-np.log(target)), sd / (s * np.abs(np.log(s)))
    return np.arcsin(np.sqrt(s)), np.arcsin(np.sqrt(target)), sd / (2 * np.sqrt(s * (1 - s)))
