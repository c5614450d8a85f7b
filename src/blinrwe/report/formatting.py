"""Display formatting of unformatted statistics: numbers become the strings a journal prints.

Conventions (domain-spec.md section 5, "Reporting tokens"):

* Rounding for display is **half up** by default (2.45 -> 2.5), done with
  :mod:`decimal` on the shortest decimal representation of the float, because
  Python's ``round`` rounds half to even on the binary value (``round(2.675, 2)``
  is 2.67). A study may choose ``"half_even"`` or ``"truncate"`` (the seeds use all
  three, see seed-targets.yaml).
* ``"truncate"`` applies to point estimates only (percentages, medians, rates, hazard
  ratios: 25/26 -> 96.1, as seed 004 prints it). Confidence bounds, standard errors
  and p values are never truncated (0.0016 would read 0.001): they are rounded half
  up under ``"truncate"`` and by the chosen rule otherwise (:func:`uncertainty_rounding`).
* ``NR`` = not reached (a median survival the curve never falls to),
  ``NE`` = not estimable (a confidence bound that cannot be computed, a landmark
  beyond follow-up, a test that could not be done), ``NA`` = not applicable.
* No formatter raises on a number it cannot print: None, NaN and +/-infinity print the
  formatter's missing token (``NE`` for estimates, bounds and p values, ``NA`` for counts
  and descriptive cells), and a very large finite number prints in full.
* Proportions arrive as fractions in [0, 1]; percentages are printed without the
  sign inside "n (%)" cells.
* Intervals print as ``a-b`` with an en dash-free ASCII hyphen by default, or with
  the separator the study chooses (", " as in seed 001's "95% CI: 67.0%, 97.0%").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

from blinrwe.errors import SpecificationError

from .disclosure import is_suppressed

NOT_REACHED = "NR"
NOT_ESTIMABLE = "NE"
NOT_APPLICABLE = "NA"
REFERENCE_LEVEL = "1 (reference)"  # the hazard ratio printed for a reference level

_ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "truncate": ROUND_DOWN}
ROUNDING_MODES = tuple(_ROUNDING)


def _is_missing(value) -> bool:
    """True for anything that is not a finite number (None, NaN, +/-inf, text): printed as a token."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return True


def uncertainty_rounding(rounding: str) -> str:
    """The rounding of confidence bounds, standard errors and p values under the study's ``rounding``:
    the same rule, except that ``"truncate"`` (meant for point estimates) becomes ``"half_up"``."""
    return "half_up" if rounding == "truncate" else rounding


def round_decimal(value: float, decimals: int, rounding: str = "half_up") -> Decimal:
    """``value`` rounded to ``decimals`` places as a :class:`~decimal.Decimal`.

    The float is first turned into its shortest repr (``repr(2.675) == '2.675'``),
    so a value that reads as a half is rounded as a half, as a reader expects.
    Raises ``ValueError`` for NaN or an infinite value (the formatters print a token instead).
    """
    if rounding not in _ROUNDING:
        raise SpecificationError(
            f"report rounding mode {rounding!r} is not supported; use one of {', '.join(ROUNDING_MODES)}"
        )
    if decimals < 0:
        raise SpecificationError(f"report decimals must be 0 or more, got {decimals}")
    quantum = Decimal(1).scaleb(-decimals)
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not exact.is_finite():
        raise ValueError(f"cannot round {value!r} for display: not a finite number")
    with localcontext() as ctx:  # enough digits for any finite float (1e300 with 6 decimals)
        ctx.prec = max(ctx.prec, exact.adjusted() + decimals + 2)
        return exact.quantize(quantum, rounding=_ROUNDING[rounding])


def format_number(value, decimals: int = 1, rounding: str = "half_up", missing: str = NOT_ESTIMABLE) -> str:
    """A number rounded for display; ``missing`` (default ``NE``) when NaN/None."""
    if _is_missing(value):
        return missing
    text = format(round_decimal(value, decimals, rounding), "f")
    if text.startswith("-") and Decimal(text) == 0:  # "-0.0" reads as a sign error
        text = text[1:]
    return text


def format_count(value, missing: str = NOT_APPLICABLE) -> str:
    """A count as an integer string (counts arrive as floats from the ARD); a suppressed count prints "<k"."""
    if is_suppressed(value):
        return str(value)
    if _is_missing(value):
        return missing
    return str(int(round_decimal(value, 0)))


def format_percent(fraction, decimals: int = 1, rounding: str = "half_up", missing: str = NOT_ESTIMABLE) -> str:
    """A fraction in [0, 1] printed as a percentage number without the sign (0.552 -> "55.2")."""
    if _is_missing(fraction):
        return missing
    return format_number(Decimal(repr(float(fraction))) * 100, decimals, rounding)


def format_n_percent(n, denominator, decimals: int = 1, rounding: str = "half_up", fraction=None) -> str:
    """"n (%)" cell, e.g. ``53 (55.2)``; the percentage is n/N unless ``fraction`` is given.

    ``0`` prints as "0" (seed 001 Table 3), an empty denominator as "0"; a suppressed n prints "<k".
    """
    if is_suppressed(n):
        return str(n)
    if _is_missing(n):
        return NOT_APPLICABLE
    count = format_count(n)
    if fraction is None:
        if _is_missing(denominator) or float(denominator) == 0:
            return count
        fraction = Decimal(repr(float(n))) / Decimal(repr(float(denominator)))
    if float(n) == 0:
        return "0"
    return f"{count} ({format_percent(fraction, decimals, rounding)})"


def format_fraction_percent(n, denominator, fraction=None, decimals: int = 1, rounding: str = "half_up") -> str:
    """"n/N (%)" cell, e.g. ``14/28 (50.0%)`` (response rates with their denominator); "<k" when n is suppressed."""
    if is_suppressed(n):
        return str(n)
    if _is_missing(n) or _is_missing(denominator):
        return NOT_APPLICABLE
    if fraction is None:
        if float(denominator) == 0:
            return f"{format_count(n)}/0"
        fraction = Decimal(repr(float(n))) / Decimal(repr(float(denominator)))
    return f"{format_count(n)}/{format_count(denominator)} ({format_percent(fraction, decimals, rounding)}%)"


def format_median_range(median, minimum, maximum, decimals: int = 1, rounding: str = "half_up", integer: bool = False) -> str:
    """"median (min-max)", e.g. ``34.0 (11.0-67.0)``.

    ``integer`` (counts such as relapse number or cycles): no decimals, except a median
    halfway between two counts, which keeps its ".5" (``1.5 (0-3)``) rather than be
    rounded to a count no patient has."""
    if _is_missing(median):
        return NOT_APPLICABLE
    if integer:
        median_decimals = 0 if float(median).is_integer() else 1
        lo, hi = format_number(minimum, 0, rounding), format_number(maximum, 0, rounding)
        return f"{format_number(median, median_decimals, rounding)} ({lo}-{hi})"
    lo = format_number(minimum, decimals, rounding)
    hi = format_number(maximum, decimals, rounding)
    return f"{format_number(median, decimals, rounding)} ({lo}-{hi})"


def format_mean_sd(mean, sd, decimals: int = 1, rounding: str = "half_up") -> str:
    """"mean (SD)", e.g. ``61.4 (120.7)``; SD of a single value prints NE."""
    if _is_missing(mean):
        return NOT_APPLICABLE
    return f"{format_number(mean, decimals, rounding)} ({format_number(sd, decimals, rounding)})"


def _scaled(value, scale) -> Decimal:
    return Decimal(repr(float(value))) * Decimal(repr(float(scale)))


def format_interval(lower, upper, decimals: int = 1, rounding: str = "half_up", scale: float = 1.0, separator: str = "-") -> str:
    """"a-b" with NE for a bound that cannot be estimated; empty when the bounds are suppressed
    (disclosure.py); bounds are never truncated (:func:`uncertainty_rounding`)."""
    if is_suppressed(lower) or is_suppressed(upper):
        return ""
    rounding = uncertainty_rounding(rounding)
    lo = NOT_ESTIMABLE if _is_missing(lower) else format_number(_scaled(lower, scale), decimals, rounding)
    hi = NOT_ESTIMABLE if _is_missing(upper) else format_number(_scaled(upper, scale), decimals, rounding)
    return f"{lo}{separator}{hi}"


@dataclass(frozen=True)
class EstimateStyle:
    """How an estimate with its CI is printed: ``x (95% CI a-b)``.

    ``level`` is the confidence level in percent as printed; ``scale`` multiplies
    value and bounds (100 for survival rates held as fractions); ``separator`` sits
    between the bounds.
    """

    decimals: int = 1
    rounding: str = "half_up"
    level: int = 95
    scale: float = 1.0
    separator: str = "-"
    show_ci_label: bool = True


def format_estimate_ci(value, lower, upper, style: EstimateStyle = EstimateStyle(), point_token: str | None = None,
                       se=None) -> str:
    """"x (95% CI a-b)", or "x ± se (95% CI a-b)" when a standard error ``se`` is given
    (seed 000 prints landmark rates as "64.2% ± 12.1%").

    ``point_token`` replaces the point estimate (``NR`` for a median not reached,
    ``NE`` for a landmark beyond follow-up). A bound that is NaN prints ``NE``
    ("NR (95% CI 9.4-NE)"). A point token of NE with no bounds prints just "NE".
    The SE is rounded like the bounds (never truncated); one that cannot be estimated
    prints "± NE" beside an estimate and is left out beside a token.
    """
    if point_token is not None:
        point = point_token
    elif _is_missing(value):
        point = NOT_ESTIMABLE
    else:
        point = format_number(_scaled(value, style.scale), style.decimals, style.rounding)
    if point == NOT_ESTIMABLE and _is_missing(lower) and _is_missing(upper):
        return NOT_ESTIMABLE
    if se is not None and point_token is None and point != NOT_ESTIMABLE:
        spread = NOT_ESTIMABLE if _is_missing(se) else format_number(_scaled(se, style.scale), style.decimals,
                                                                    uncertainty_rounding(style.rounding))
        point = f"{point} \u00b1 {spread}"
    interval = format_interval(lower, upper, style.decimals, style.rounding, style.scale, style.separator)
    label = f"{style.level}% CI " if style.show_ci_label else ""
    return f"{point} ({label}{interval})"


def format_p_value(p, decimals: int = 3, threshold: float = 0.001, rounding: str = "half_up") -> str:
    """A p-value: ``<0.001`` below the threshold, else rounded (``0.046``).

    NE when the p value is missing, NaN or infinite: a test that was run but could not be
    computed (a single group, a zero variance) is not estimable, never blank or "nan".
    A p that rounds up to 1 prints ``>0.999`` so it never reads as certainty. p values are
    never truncated: ``"truncate"`` rounds them half up (0.0016 -> 0.002).
    """
    if _is_missing(p):
        return NOT_ESTIMABLE
    rounding = uncertainty_rounding(rounding)
    p = float(p)
    if p < threshold:
        return f"<{format_number(threshold, decimals, rounding)}"
    text = format_number(p, decimals, rounding)
    if Decimal(text) >= 1:
        return f">{format_number(1 - 10 ** (-decimals), decimals, rounding)}"
    return text


def format_hazard_ratio(hr, lower, upper, decimals: int = 2, rounding: str = "half_up") -> str:
    """"HR (a-b)", e.g. ``0.54 (0.31-0.93)`` (CI in its own column header)."""
    if _is_missing(hr):
        return NOT_ESTIMABLE
    return f"{format_number(hr, decimals, rounding)} ({format_interval(lower, upper, decimals, rounding)})"
