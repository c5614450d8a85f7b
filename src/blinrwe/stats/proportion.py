"""Confidence intervals for a proportion (response rates, landmark crude rates).

Definition: domain-spec section 5, "Exact binomial (Clopper-Pearson) 95% CI for
response rates" (seed 000: 12/15 -> 51.9%-95.7%).

Methods
-------
``"clopper-pearson"`` (default)
    The exact interval from beta quantiles, ``[Beta(a/2; k, n-k+1), Beta(1-a/2; k+1, n-k)]``,
    with lower bound 0 when k = 0 and upper bound 1 when k = n. Equals R
    ``binom.test(k, n)$conf.int`` and SAS PROC FREQ ``BINOMIAL(EXACT)``.
``"wilson"``
    The Wilson score interval without continuity correction. Equals R
    ``prop.test(k, n, correct = FALSE)$conf.int`` (R's default ``correct = TRUE``
    applies a Yates correction that depends on the null value p = 0.5 and is not
    offered here) and SAS ``BINOMIAL(WILSON)``.

``"wald"``
    The Wald (asymptotic, normal-approximation) interval ``p -/+ z_{1-a/2} sqrt(p (1-p) / n)``,
    clipped to [0, 1]: the default confidence limits of SAS PROC FREQ ``BINOMIAL`` (which
    prints the exact limits beside them; whether SAS also truncates at 0 and 1 is not confirmed
    from its documentation, which gives the formula only). Zero width at k = 0 and k = n. Shown in the
    R-versus-SAS appendix; golden values from its formula in R.

Clopper-Pearson is computed directly from :func:`scipy.stats.beta.ppf` (the
closed form above; ``binomtest(...).proportion_ci(method="exact")`` finds the
same bounds with a root finder, about 10 times slower, which mattered for
response tables with many subgroups). Wilson is
:meth:`scipy.stats.binomtest(...).proportion_ci` (method "wilson"). Both agree
with R to machine precision (golden values in ``tests/stats/golden/proportion.json``).
"""

from __future__ import annotations

from dataclasses import dataclass

import math

from scipy.stats import beta, binomtest, norm

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level

__all__ = ["ProportionCI", "proportion_ci", "PROPORTION_METHODS"]

PROPORTION_METHODS = {
    "clopper-pearson": ("exact", "Clopper-Pearson exact binomial interval"),
    "wilson": ("wilson", "Wilson score interval without continuity correction"),
    "wald": ("wald", "Wald (asymptotic normal) interval, clipped to [0, 1] (SAS PROC FREQ BINOMIAL default)"),
}


@dataclass(frozen=True)
class ProportionCI:
    """A proportion k/n with its confidence interval (fractions in [0, 1], unformatted)."""

    k: int
    n: int
    estimate: float
    lower: float
    upper: float
    level: float
    method: str


def _count(value, name: str) -> int:
    try:
        as_float = float(value)
    except (TypeError, ValueError) as exc:
        raise StatisticalInputError(f"{name} must be a whole number of patients; got {value!r}.") from exc
    if as_float != as_float or as_float != int(as_float) or as_float < 0:
        raise StatisticalInputError(f"{name} must be a whole number >= 0 of patients; got {value!r}.")
    return int(as_float)


def proportion_ci(k, n, method: str = "clopper-pearson", level: float = 0.95) -> ProportionCI:
    """Proportion of ``k`` responders among ``n`` patients with a two-sided CI.

    ``method`` is ``"clopper-pearson"`` (exact, default), ``"wilson"`` or ``"wald"``.
    n = 0 is an error (the proportion is not defined: report the denominator as
    not applicable instead of calling this).
    """
    k = _count(k, "k")
    n = _count(n, "n")
    level = as_level(level)
    if n == 0:
        raise StatisticalInputError(
            "n is 0: a proportion of an empty group is not defined; report it as not applicable (NA)."
        )
    if k > n:
        raise StatisticalInputError(f"k ({k}) is larger than n ({n}); k counts patients among the n.")
    key = str(method).lower().replace("_", "-")
    if key not in PROPORTION_METHODS:
        raise StatisticalInputError(
            f"method {method!r} is not supported; use one of {sorted(PROPORTION_METHODS)}."
        )
    scipy_method, label = PROPORTION_METHODS[key]
    if scipy_method == "exact":
        alpha = 1.0 - level
        low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
        high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    elif scipy_method == "wald":
        p = k / n
        half = float(norm.ppf(1 - (1.0 - level) / 2)) * math.sqrt(p * (1 - p) / n)
        low, high = max(0.0, p - half), min(1.0, p + half)
    else:
        ci = binomtest(k, n).proportion_ci(confidence_level=level, method=scipy_method)
        low, high = float(ci.low), float(ci.high)
    return ProportionCI(
        k=k,
        n=n,
        estimate=k / n,
        lower=low,
        upper=high,
        level=level,
        method=label,
    )
