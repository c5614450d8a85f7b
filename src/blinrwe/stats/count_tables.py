"""Estimates from per-time count tables, for the estimators whose module starts from rows.

Kaplan-Meier and the log-rank test already start from counts
(:func:`blinrwe.stats.kaplan_meier.kaplan_meier_from_counts`,
:func:`blinrwe.stats.logrank.logrank_from_counts`); the cumulative incidence
(Aalen-Johansen with the cmprsk delta-method variance, domain-spec section 5)
starts from rows in :func:`blinrwe.stats.competing_risks.cumulative_incidence`.
:func:`cumulative_incidence_from_counts` gives the same curves from
:class:`GroupedEventCounts` with several causes (e.g. aggregated by an engine),
so a registry's rows need not come into memory. Gray's test needs the rows (its
score is not a function of the pooled counts alone) and is not computed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level
from .competing_risks import ALL_GROUP, CumulativeIncidence, _cif_curve, loglog_ci
from .counts import EventCounts, GroupedEventCounts

__all__ = ["cumulative_incidence_from_counts"]


def cumulative_incidence_from_counts(counts: GroupedEventCounts | EventCounts, cause: int = 1,
                                     level: float = 0.95) -> CumulativeIncidence:
    """Cumulative incidence of every cause by group from per-time counts (as ``cmprsk::cuminc``
    without Gray's test); equals :func:`cumulative_incidence` on the rows the counts came from.

    An :class:`EventCounts` is one group, labelled as ``cumulative_incidence`` labels no group.
    """
    level = as_level(level)
    if isinstance(counts, EventCounts):
        per_group = [(ALL_GROUP, counts)]
        groups = (ALL_GROUP,)
    elif isinstance(counts, GroupedEventCounts):
        groups = counts.groups
        per_group = [(g, counts.group(g)) for g in groups]
    else:
        raise StatisticalInputError("cumulative_incidence_from_counts needs EventCounts or GroupedEventCounts.")
    causes = counts.causes
    if int(cause) not in causes:
        raise StatisticalInputError(f"cause {cause!r} is not one of the counted causes {causes}.")
    frames = []
    for g, c in per_group:
        for ci, code in enumerate(causes):
            d_cause = c.n_event_by_cause[:, ci]
            d_other = c.n_event - d_cause
            est, var = _cif_curve(c.n_risk, d_cause, d_other)
            lower, upper = loglog_ci(est, var, level)
            frames.append(pd.DataFrame({
                "group": [g] * c.time.size, "cause": [code] * c.time.size, "time": c.time,
                "n_risk": c.n_risk, "n_event": d_cause, "n_competing": d_other, "n_censor": c.n_censor,
                "estimate": est, "variance": var, "lower": lower, "upper": upper,
            }))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["group", "cause", "time", "n_risk", "n_event", "n_competing", "n_censor", "estimate",
                 "variance", "lower", "upper"])
    method = ("Cumulative incidence (Aalen-Johansen), cmprsk delta-method variance, "
              f"log(-log) pointwise {level:.0%} CI")
    return CumulativeIncidence(cause=int(cause), causes=tuple(causes), groups=tuple(groups), level=level,
                               table=table, gray_test=None, method=method, gray_method=None)
