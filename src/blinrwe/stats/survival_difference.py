"""Difference in Kaplan-Meier survival between two groups at fixed times (e.g. 1-year OS, A minus B).

Clinical meaning: how many percentage points more (or fewer) patients of the first group are
event-free at the landmark; unlike the log-rank test it answers a question at one time point.

Conventions: ``S1(t) - S2(t)`` (first level minus second; levels in sorted order, or the
categories' order of a categorical ``group``), Greenwood standard errors of each curve
(R ``summary(survfit(...), times = t)$std.err``), ``se = sqrt(se1^2 + se2^2)`` (independent
groups), a normal CI and a two-sided Wald p (golden values in
``tests/stats/golden/survival_difference.json``). A time beyond either group's follow-up, or one
where a curve has no variance estimate (S = 0), is not estimable: NaN with ``estimable`` False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level
from .counts import GroupedEventCounts, grouped_event_counts
from .kaplan_meier import kaplan_meier_from_counts

__all__ = ["SurvivalDifference", "survival_difference", "survival_difference_from_counts"]


@dataclass(frozen=True)
class SurvivalDifference:
    """``table``: one row per time: ``time, survival_1, survival_2, difference, se, lower, upper, p, estimable``."""

    table: pd.DataFrame
    groups: tuple
    level: float

    @property
    def method(self) -> str:
        return (f"difference in Kaplan-Meier survival ({self.groups[0]} minus {self.groups[1]}), Greenwood SEs, "
                f"normal {self.level:.0%} CI and Wald test")


def survival_difference(time, event, group, times, level: float = 0.95) -> SurvivalDifference:
    """``S1(t) - S2(t)`` at each of ``times`` for a two-level ``group``."""
    level = as_level(level)
    return survival_difference_from_counts(grouped_event_counts(time, event, group), times, level)


def survival_difference_from_counts(grouped: GroupedEventCounts, times, level: float = 0.95) -> SurvivalDifference:
    """:func:`survival_difference` from the groups' counts (tabulated once for the Kaplan-Meier curves too)."""
    level = as_level(level)
    if len(grouped.groups) != 2:
        raise StatisticalInputError(
            f"group must have exactly two levels for a survival difference; got {list(grouped.groups)}.")
    first, second = (kaplan_meier_from_counts(grouped.group(g)).at(times) for g in grouped.groups)
    diff = first["survival"] - second["survival"]
    se = np.hypot(first["std_err"], second["std_err"])
    estimable = first["estimable"] & second["estimable"] & np.isfinite(se) & np.isfinite(diff)
    z = float(norm.ppf(0.5 + level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        # se = 0 (both curves exact at t): p is 1 for equal survival, else 0
        p = np.where(se > 0, 2 * norm.sf(np.abs(diff) / se), (diff == 0).astype(float))
    table = pd.DataFrame({
        "time": first["time"], "survival_1": first["survival"], "survival_2": second["survival"],
        "difference": diff, "se": se, "lower": diff - z * se, "upper": diff + z * se, "p": p,
        "estimable": estimable,
    })
    table.loc[~estimable, ["difference", "se", "lower", "upper", "p"]] = np.nan
    return SurvivalDifference(table=table, groups=tuple(grouped.groups), level=level)
