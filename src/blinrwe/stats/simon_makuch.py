"""Simon-Makuch curves: Kaplan-Meier by the state a patient is in now (e.g. transplanted or not yet).

Clinical meaning: a patient contributes to the "no HSCT" curve until the day of the transplant and
to the "HSCT" curve from then on, so the transplant curve is not credited with the time patients
had to survive to reach it (Simon & Makuch 1984). The number at risk moves between the curves.

Conventions, chosen to equal R ``survfit(Surv(tstart, tstop, event) ~ state)`` on counting-process
rows (``blinrwe.derive.time_dependent`` builds them as ``tmerge`` does; golden values in
``tests/stats/golden/simon_makuch.json``): at a time ``t`` the risk set of a state holds the
intervals ``(tstart, tstop]`` of that state with ``tstart < t <= tstop``; every stop time of the
state gets a row (an interval that ends at a switch counts as censored in the state it leaves);
estimates, Greenwood errors and pointwise CIs as :func:`blinrwe.stats.kaplan_meier`. Start and
stop times within sqrt(machine eps) are one time (R's ``aeqSurv`` on both, over all intervals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from blinrwe.errors import StatisticalInputError

from ._inputs import tie_near_times
from .counts import counting_process_counts
from .kaplan_meier import KaplanMeier, kaplan_meier_from_counts

__all__ = ["SimonMakuch", "simon_makuch"]


@dataclass(frozen=True)
class SimonMakuch:
    """``curves``: state label -> :class:`KaplanMeier` of the time spent in that state."""

    curves: dict

    @property
    def method(self) -> str:
        return "Simon-Makuch Kaplan-Meier by current state (risk sets move between states at the switch)"


def simon_makuch(start, stop, event, state, conf_type: str = "log-log", level: float = 0.95) -> SimonMakuch:
    """Kaplan-Meier curves by current state from counting-process rows (one row per interval)."""
    state = np.asarray(state)
    if state.shape[0] != np.asarray(stop).shape[0]:
        raise StatisticalInputError("state must have one value per interval.")
    start, stop, event = np.asarray(start, dtype=float), np.asarray(stop, dtype=float), np.asarray(event)
    if start.shape == stop.shape:  # near ties over all intervals together, as R (shape errors reported below)
        start, stop = np.split(tie_near_times(np.concatenate([start, stop])), 2)
    curves = {}
    for label in sorted(set(state.tolist())):
        rows = state == label
        curves[label] = kaplan_meier_from_counts(counting_process_counts(start[rows], stop[rows], event[rows]),
                                                 conf_type=conf_type, level=level)
    return SimonMakuch(curves=curves)
