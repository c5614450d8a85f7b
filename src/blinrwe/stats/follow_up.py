"""Median follow-up by reverse Kaplan-Meier, and the simple median of observation times.

Definition (domain-spec section 4: report both, say which is used): the reverse
Kaplan-Meier takes censoring as the "event" and censors the events (R
``survfit(Surv(time, 1 - event) ~ 1)``; Schemper and Smith 1996); its median, with
the Brookmeyer-Crowley CI of :meth:`blinrwe.stats.kaplan_meier.KaplanMeier.median`,
is the potential follow-up had nobody had the event. The simple median of all
observation times (events and censorings) understates follow-up when many patients
die early. The reverse curve is estimated from the counts of the survival analysis
itself (:meth:`blinrwe.stats.counts.EventCounts.reversed`), without a second tabulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .counts import EventCounts, event_counts
from .kaplan_meier import SurvivalQuantile, kaplan_meier_from_counts

__all__ = ["FollowUp", "median_follow_up", "median_follow_up_from_counts"]


@dataclass(frozen=True)
class FollowUp:
    """Median follow-up, two ways (domain-spec section 4: report both, say which is used).

    ``reverse_km`` is the median of the reverse Kaplan-Meier (censoring is the
    "event", deaths are censored; R ``survfit(Surv(time, 1 - event) ~ 1)``), the
    potential follow-up had nobody died. ``simple_median`` is the median of all
    observation times (events and censorings), which understates follow-up when
    many patients die early.
    """

    reverse_km: SurvivalQuantile
    simple_median: float
    n: int
    method: str = "median follow-up by reverse Kaplan-Meier (Schemper and Smith 1996); also simple median of observation times"


def median_follow_up(time, event, conf_type: str = "log-log", level: float = 0.95) -> FollowUp:
    """Median follow-up by reverse Kaplan-Meier, plus the simple median of observation times."""
    counts = event_counts(time, event)
    return median_follow_up_from_counts(counts, float(np.median(np.asarray(time, dtype=float))),
                                        conf_type=conf_type, level=level)


def median_follow_up_from_counts(counts: EventCounts, simple_median: float, conf_type: str = "log-log",
                                 level: float = 0.95) -> FollowUp:
    """:func:`median_follow_up` from the counts of the survival analysis itself (the reverse
    Kaplan-Meier swaps events and censorings, :meth:`EventCounts.reversed`); ``simple_median``
    is the median of the observation times as given (``np.median(time)``)."""
    reverse = kaplan_meier_from_counts(counts.reversed(), conf_type=conf_type, level=level)
    return FollowUp(reverse_km=reverse.median(), simple_median=float(simple_median), n=counts.n)
