"""States entered after the start, as counting-process intervals (the input of time-dependent methods).

Clinical meaning: a patient who goes on to allo-HSCT (or CAR-T, or reaches a response or MRD
negativity) after the first infusion is "not transplanted" until that day and "transplanted"
after it. Splitting each patient's follow-up at those days gives ``(tstart, tstop]`` rows with the
current state, the data of a time-dependent Cox model, the Mantel-Byar test and Simon-Makuch
curves, and avoids crediting the transplant group with the time before its transplant
(immortal-time bias; domain-spec 4, seeds 000, 001 and 004).

Conventions, as R ``survival::tmerge(..., state = tdc(switch_time))`` (golden rows in
``tests/derive/golden/tmerge.json``): a switch strictly inside ``(0, time)`` splits the follow-up;
on an interval ``(a, b]`` the state is 1 when ``switch_time <= a``, so a switch at time 0 holds
from the start and a switch at or after the patient's last time does not count; the event is on
the last interval only.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from blinrwe.errors import SpecificationError

from .analysis_data import AnalysisData
from .post_baseline import POST_BASELINE

__all__ = ["STATES", "derive_counting_process", "derive_state_intervals"]

#: The default time-dependent states: post-baseline ADSL variables (``derive.post_baseline``, the one
#: declaration of what happens after the start and of its date column).
STATES = ("allo_hsct_after", "car_t_after", "responder", "mrd_negative")


def derive_counting_process(frame: pd.DataFrame, *, id: str, time: str, event: str,
                            switches: Mapping[str, str]) -> pd.DataFrame:
    """Split one row per patient (``id, time, event`` and switch-time columns) at its switch times.

    ``switches`` maps each state name to the column with the time it was entered (NaN = never).
    Returns ``id, tstart, tstop, event`` and one 0/1 column per state, sorted by id and tstart.
    """
    base = frame[[id, time, event, *switches.values()]].reset_index(drop=True)
    cuts = pd.concat(
        [pd.DataFrame({id: base[id], "cut": 0.0}), pd.DataFrame({id: base[id], "cut": base[time].astype(float)})]
        + [pd.DataFrame({id: base[id], "cut": base[col].astype(float), "last": base[time]}).query("0 < cut < last")
           .drop(columns="last") for col in switches.values()],
        ignore_index=True,
    ).drop_duplicates().sort_values([id, "cut"], kind="stable")
    cuts["tstop"] = cuts.groupby(id, sort=False)["cut"].shift(-1)
    rows = cuts.dropna(subset=["tstop"]).rename(columns={"cut": "tstart"}).merge(base, on=id, how="left")
    rows[event] = np.where(rows["tstop"] == rows[time], rows[event], 0).astype(int)
    for state, col in switches.items():
        rows[state] = (rows[col] <= rows["tstart"]).astype(int)  # NaN (never) compares False
    return rows[[id, "tstart", "tstop", event, *switches]].reset_index(drop=True)


def derive_state_intervals(data: AnalysisData, endpoint: str, variant: str = "none",
                           states: Sequence[str] = STATES) -> pd.DataFrame:
    """Counting-process rows of one endpoint with post-baseline states as time-dependent 0/1 columns.

    ``states`` are post-baseline ADSL variables with a date (:data:`~.post_baseline.POST_BASELINE`:
    e.g. ``allo_hsct_after`` from ``allo_hsct_date``). Times are days from the endpoint's origin
    (``tte.origin_date``): ``patient_id, tstart, tstop, event`` and one column per state.
    """
    dated = [v for v, d in POST_BASELINE.items() if d.date]
    unknown = [s for s in states if s not in dated]
    if unknown:
        raise SpecificationError(f"unknown post-baseline state(s) {unknown}; choose from {dated}.")
    tte = data.tte.loc[(data.tte["endpoint"] == endpoint) & (data.tte["variant"] == variant),
                       ["patient_id", "origin_date", "time_days", "event"]]
    if tte.empty:
        raise SpecificationError(f"no {endpoint} rows (variant {variant!r}) to split; derive the endpoint first.")
    columns = {state: POST_BASELINE[state].date for state in states}
    frame = tte.merge(data.adsl[["patient_id", *dict.fromkeys(columns.values())]], on="patient_id", how="left")
    switches = {}
    for state, column in columns.items():
        switches[state] = f"_{state}_day"
        frame[switches[state]] = (frame[column] - frame["origin_date"]).dt.days.astype(float)
    return derive_counting_process(frame, id="patient_id", time="time_days", event="event", switches=switches)
