"""Landmark analysis: survival from a fixed time by the state patients are in at that time.

Clinical meaning: to ask whether going on to allo-HSCT (or reaching a response, MRD negativity)
by a chosen time helps, take only the patients still alive and event-free at that time (the
landmark), group them by whether they had entered the state by then, and compare survival
*from the landmark* (Anderson, Cain & Gelber, J Clin Oncol 1983;1:710; Dafni, Circ Cardiovasc
Qual Outcomes 2011;4:363). No patient is credited with the time it took to reach the state
(immortal time); a patient who enters the state after the landmark stays in the group of the
state held at the landmark (intention-to-treat at the landmark).

Conventions, chosen to equal R on the landmark subset (golden values in
``tests/stats/golden/landmark.json``, written by ``landmark.R`` with
``survfit(Surv(time - L, event) ~ state, subset = time > L)`` and ``survdiff``):

* at risk at the landmark ``L``: follow-up beyond it, ``time > L`` (an event or a censoring at
  ``L`` itself ends follow-up by the landmark: excluded);
* state at the landmark: entered on or before it, ``switch_time <= L`` (as the ``tmerge``
  state of the interval just after ``L``; a switch at time 0 counts, NaN = never);
* times are from the landmark (``time - L``); Kaplan-Meier and the log-rank test as
  :func:`blinrwe.stats.kaplan_meier` and :func:`blinrwe.stats.logrank`;
* a time within sqrt(machine eps) of ``L`` (relative to ``max(1, L)``) is ``L``.

Not estimable (``curves`` empty or ``test`` None, the reason in ``note``; never an error):
nobody at risk at the landmark (it lies beyond follow-up); everybody at risk in one state (no
comparison); no event after the landmark (log-rank not estimable).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from blinrwe.errors import StatisticalInputError

from ._inputs import TIE_TOLERANCE, as_event_codes, as_times
from .counts import grouped_event_counts
from .kaplan_meier import kaplan_meier_from_counts
from .logrank import LogRankTest, logrank_from_counts
from .mantel_byar import _switch_times

__all__ = ["LandmarkAnalysis", "landmark"]

#: state labels: 0 = not entered by the landmark, 1 = entered by it
NOT_ENTERED, ENTERED = 0, 1


@dataclass(frozen=True, eq=False)
class LandmarkAnalysis:
    """Result of :func:`landmark`.

    ``landmark``; ``n_at_risk``: state -> patients at risk at the landmark (both states, 0 when
    empty); ``n_excluded``: patients whose follow-up ended by the landmark (``n_events_before``
    of them with the event); ``curves``: state -> :class:`KaplanMeier` from the landmark (states
    with patients only); ``test``: log-rank test between the states (None when fewer than two
    states have patients); ``note``: why something is not estimable ("" otherwise).
    """

    landmark: float
    n_at_risk: dict
    n_excluded: int
    n_events_before: int
    curves: dict = field(repr=False)
    test: LogRankTest | None = field(repr=False)
    note: str = ""

    @property
    def n(self) -> int:
        """Patients at risk at the landmark."""
        return int(sum(self.n_at_risk.values()))

    @property
    def method(self) -> str:
        return ("landmark analysis (patients event-free under follow-up beyond the landmark, grouped by state "
                "at the landmark; Kaplan-Meier and log-rank test from the landmark)")


def _landmark_value(value) -> float:
    try:
        L = float(value)
    except (TypeError, ValueError):
        raise StatisticalInputError(f"landmark must be a number >= 0; got {value!r}.") from None
    if not (np.isfinite(L) and L >= 0):
        raise StatisticalInputError(f"landmark must be a finite number >= 0; got {value!r}.")
    return L


def landmark(time, event, switch_time, landmark, conf_type: str = "log-log", level: float = 0.95) -> LandmarkAnalysis:
    """Landmark analysis at ``landmark`` of a state entered at ``switch_time`` (NaN = never), one row per patient.

    ``time`` from the origin (>= 0), ``event`` 1 = event, 0 = censored; ``switch_time`` in the
    same unit as ``time``. See the module docstring for the conventions.
    """
    t = as_times(time).astype(float)
    d = as_event_codes(event, t.size, (1,)).astype(np.int64)
    s = _switch_times(switch_time, t.size)
    L = _landmark_value(landmark)
    near = np.abs(t - L) <= TIE_TOLERANCE * max(1.0, L)
    t = np.where(near, L, t)
    at_risk = t > L
    state = np.where(np.isfinite(s) & (s <= L), ENTERED, NOT_ENTERED)[at_risk]
    n_at_risk = {NOT_ENTERED: int((state == NOT_ENTERED).sum()), ENTERED: int((state == ENTERED).sum())}
    common = dict(landmark=L, n_at_risk=n_at_risk, n_excluded=int((~at_risk).sum()),
                  n_events_before=int(d[~at_risk].sum()))
    if not at_risk.any():
        return LandmarkAnalysis(curves={}, test=None, note="nobody is event-free under follow-up beyond the landmark",
                                **common)
    grouped = grouped_event_counts(t[at_risk] - L, d[at_risk], state)
    curves = {int(g): kaplan_meier_from_counts(grouped.group(g), conf_type=conf_type, level=level)
              for g in grouped.groups}
    if len(curves) < 2:
        which = "every patient" if ENTERED in curves else "no patient"
        return LandmarkAnalysis(curves=curves, test=None,
                                note=f"{which} at risk at the landmark has entered the state (no comparison)",
                                **common)
    test = logrank_from_counts(grouped)
    note = ""
    if not np.isfinite(test.p):
        note = ("no event after the landmark" if not d[at_risk].any()
                else test.note or "the log-rank test is not estimable")
    return LandmarkAnalysis(curves=curves, test=test, note=note, **common)
