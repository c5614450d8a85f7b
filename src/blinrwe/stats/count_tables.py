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
from .competing_risks import ALL_GROUP, CumulativeIncidence, cif_frame
from .counts import EventCounts, GroupedEventCounts, event_counts_from_table

__all__ = ["counts_from_table", "cumulative_incidence_from_counts"]


def counts_from_table(table: pd.DataFrame, group=None) -> EventCounts | GroupedEventCounts:
    """Counts from an aggregated count table (``time``, ``n_censor`` and ``n_event`` or one
    ``n_event_<cause>`` column per cause, e.g. from ``blinrwe.derive.engine.counts``).

    ``group``: None, one column (a :class:`GroupedEventCounts` on its values) or several
    columns (groups are tuples of their values)."""
    cause_cols = sorted((c for c in table.columns if str(c).startswith("n_event_") and str(c)[8:].isdigit()),
                        key=lambda c: int(str(c)[8:]))
    n_event = cause_cols if cause_cols and "n_event" not in table.columns else "n_event"
    causes = tuple(int(str(c)[8:]) for c in cause_cols) if n_event is cause_cols else None
    if group is not None and not isinstance(group, str):
        names = list(group)
        table = table.assign(_group=list(zip(*(table[g] for g in names))))
        group = "_group"
    return event_counts_from_table(table, n_event=n_event, group=group, causes=causes)


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
        frames += [cif_frame(c, ci, g, code, level) for ci, code in enumerate(causes)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["group", "cause", "time", "n_risk", "n_event", "n_competing", "n_censor", "estimate",
                 "variance", "lower", "upper"])
    method = ("Cumulative incidence (Aalen-Johansen), cmprsk delta-method variance, "
              f"log(-log) pointwise {level:.0%} CI")
    return CumulativeIncidence(cause=int(cause), causes=tuple(causes), groups=tuple(groups), level=level,
                               table=table, gray_test=None, method=method, gray_method=None)
