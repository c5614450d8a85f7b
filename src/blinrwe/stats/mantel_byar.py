"""The Mantel-Byar test: does entering a state after the start (allo-HSCT, CAR-T) change the hazard?

Clinical meaning: comparing "transplanted" with "not transplanted" from the first infusion
credits the transplant group with the time they had to survive to reach it (immortal
time). Mantel and Byar (1974) compare the two states at each event time among the patients
at risk *in each state at that time*: a patient counts as not transplanted until the day of
the transplant and as transplanted after it.

Conventions, chosen to equal R (golden values in ``tests/stats/golden/mantel_byar.json``):
the statistic is the score test of ``coxph(Surv(tstart, tstop, event) ~ state, ties =
"exact")`` on the data ``tmerge(..., state = tdc(switch_time))`` builds. Intervals are
``(start, stop]``, so a patient is in the new state at time ``t`` when ``switch_time < t``:
a switch on the day of the event (or at or after the last follow-up time) does not count,
and a switch at time 0 puts the patient in the new state from the start. At ``beta = 0`` the
exact-ties score is ``sum_t (d1_t - d_t n1_t / n_t)`` with the hypergeometric variance
``sum_t d_t (n_t - d_t) / (n_t - 1) * n1_t (n_t - n1_t) / n_t^2``, where at each event time
``n_t``, ``n1_t`` are at risk (in the new state) and ``d_t``, ``d1_t`` the events.
Times and switch times within sqrt(machine eps) are one time (R's ``aeqSurv``).
When nobody is at risk in both states at an event time the variance is 0: ``chisq`` and ``p``
are NaN and ``note`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from blinrwe.errors import StatisticalInputError

from ._inputs import as_event_codes, as_times, tie_near_times

__all__ = ["MantelByarTest", "mantel_byar"]


@dataclass(frozen=True)
class MantelByarTest:
    """``chisq`` (1 df), ``p``; ``observed`` / ``expected`` events in the new state; ``note`` when not estimable."""

    chisq: float
    p: float
    observed: float
    expected: float
    variance: float
    n_switched: int
    note: str = ""
    df: int = 1

    @property
    def method(self) -> str:
        return "Mantel-Byar test (state entered after the start; exact-ties score test, as R coxph with tmerge)"


def _switch_times(values, n: int) -> np.ndarray:
    try:
        s = np.array(values, dtype=float).reshape(-1)  # a copy: near ties are set in place below
    except (TypeError, ValueError):
        raise StatisticalInputError("switch_time must be numbers (NaN for patients who never enter the state).") from None
    if s.shape[0] != n:
        raise StatisticalInputError(f"switch_time has {s.shape[0]} values but time has {n}; give one per patient.")
    bad = np.flatnonzero(np.isinf(s) | (s < 0))
    if bad.size:
        i = int(bad[0])
        raise StatisticalInputError(
            f"switch_time at position {i} is {s[i]!r}; give a time >= 0, or NaN when the state is never entered.")
    return s


def mantel_byar(time, event, switch_time) -> MantelByarTest:
    """Mantel-Byar test of a state entered at ``switch_time`` (NaN = never) on one row per patient."""
    t = as_times(time)
    d = as_event_codes(event, t.size, (1,)).astype(bool)
    s = _switch_times(switch_time, t.size)
    known = np.isfinite(s)
    tied = tie_near_times(np.concatenate([t.astype(float), s[known]]))
    t, s[known] = tied[: t.size], tied[t.size:]
    switched = np.isfinite(s) & (s < t)  # a switch at or after the last time does not count
    s_on = np.sort(s[switched])
    t_on = np.sort(t[switched])
    t_all = np.sort(t)
    event_times, d_t = np.unique(t[d], return_counts=True)
    d1_t = np.bincount(np.searchsorted(event_times, t[d & switched]), minlength=event_times.size)  # in the new state
    n_t = t.size - np.searchsorted(t_all, event_times, side="left")
    n1_t = np.searchsorted(s_on, event_times, side="left") - np.searchsorted(t_on, event_times, side="left")
    expected = d_t * n1_t / n_t
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1) * n1_t * (n_t - n1_t) / n_t**2, 0.0)
    u, var = float(np.sum(d1_t - expected)), float(np.sum(v))
    common = dict(observed=float(d1_t.sum()), expected=float(expected.sum()), variance=var,
                  n_switched=int(switched.sum()))
    if not var > 0:
        why = ("nobody enters the state before their last time" if not switched.any() else
               "no event time has patients at risk in both states")
        return MantelByarTest(chisq=np.nan, p=np.nan, note=f"not estimable: {why}", **common)
    chisq = u * u / var
    return MantelByarTest(chisq=chisq, p=float(chi2.sf(chisq, 1)), **common)
