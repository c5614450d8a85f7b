"""Per-time event counts of a time-to-event table, aggregated inside an engine (DuckDB, Spark).

Kaplan-Meier, the log-rank test and the cumulative incidence (domain-spec section 5) are
functions of the counts at each distinct time (``blinrwe.stats.counts``). Here the
``GROUP BY endpoint, variant, group, time`` runs in the engine, so a registry's long
``tte`` table (one row per patient x endpoint x variant, as ``AnalysisData.tte``) never
comes into Python row by row: only one row per distinct time and group does.

The results are pandas count tables (one row per group x time; this layer does not import
``blinrwe.stats``); ``blinrwe.stats.count_tables.counts_from_table`` turns one into
``EventCounts`` / ``GroupedEventCounts``. Conventions are those of ``blinrwe.stats.counts``
(R ``survival``): the engine only sums events and censorings per time; at-risk numbers,
"events before censorings at a tie" and the ordering are applied by ``counts_from_table``. Times: whole days
(``time_days``, the default) are grouped exactly, which is R's ``timefix`` exactly
(distinct whole numbers are never within sqrt(machine eps) of each other). Non-integer
times (``time_months``) are grouped on their exact value in the engine; the distinct
times then pass through ``tie_near_times`` in ``counts_from_table``, which merges
values within sqrt(machine eps), so the result equals ``timefix`` on the rows.

Competing risks (``competing=True``): ``event_type`` 0 = censored, 1 = event of interest,
2 = competing event; columns ``n_event_1``, ``n_event_2``. Otherwise ``event`` 0/1.
"""

from __future__ import annotations

from typing import Sequence

import ibis
import pandas as pd

__all__ = ["event_count_table", "engine_count_table", "engine_count_tables_by_endpoint", "CAUSES"]

#: Cause codes of ``event_type`` for competing risks (1 event of interest, 2 competing event).
CAUSES = (1, 2)


def _groups(group) -> list[str]:
    if group is None:
        return []
    return [group] if isinstance(group, str) else list(group)


def event_count_table(tte: ibis.Table, group: str | Sequence[str] | None = None, *, competing: bool = False,
                      time: str = "time_days") -> ibis.Table:
    """One row per (endpoint, variant, group..., time): ``n_event`` (or ``n_event_1``, ``n_event_2``
    with ``competing``) and ``n_censor``; ``time`` is the column named ``time`` in the output."""
    keys = [k for k in ("endpoint", "variant") if k in tte.columns] + _groups(group)
    # group on the stored time column (no per-row cast); the distinct times are cast afterwards
    if competing:
        aggs = {f"n_event_{c}": (tte.event_type == c).sum() for c in CAUSES}
        aggs["n_censor"] = (tte.event_type == 0).sum()
    else:
        aggs = {"n_event": (tte.event == 1).sum(), "n_censor": (tte.event == 0).sum()}
    out = tte.group_by([*keys, tte[time].name("_time")]).aggregate(**aggs)
    sums = {name: out[name].fill_null(0).cast("int64") for name in aggs}
    return out.select(*keys, time=out._time.cast("float64"), **sums)


def engine_count_table(backend, tte: ibis.Table, endpoint: str, variant: str = "none", *,
                       group: str | Sequence[str] | None = None, competing: bool | None = None,
                       time: str = "time_days") -> pd.DataFrame:
    """The count table of one endpoint x censoring variant, aggregated on ``backend`` (pandas, one row
    per group x time). ``competing`` defaults to True for CIR (the competing-risks endpoint).

    Turn it into estimator input with ``blinrwe.stats.count_tables.counts_from_table``."""
    competing = endpoint == "CIR" if competing is None else competing
    rows = tte.filter([tte.endpoint == endpoint, tte.variant == variant])
    return backend.to_pandas(event_count_table(rows, group, competing=competing, time=time))


def engine_count_tables_by_endpoint(backend, tte: ibis.Table, *, group: str | Sequence[str] | None = None,
                                    time: str = "time_days") -> dict[tuple[str, str], pd.DataFrame]:
    """The count tables of every endpoint x variant from one engine query: ``{(endpoint, variant): table}``.

    Causes come from ``event_type`` where it is filled (competing-risks endpoints: columns
    ``n_event_1``, ``n_event_2``), otherwise from ``event`` (column ``n_event``)."""
    code = ibis.coalesce(tte.event_type.cast("int64"), tte.event.cast("int64"))
    frame = backend.to_pandas(event_count_table(tte.mutate(event_type=code), group, competing=True, time=time))
    out = {}
    for (endpoint, variant), part in frame.groupby(["endpoint", "variant"], sort=True):
        part = part.reset_index(drop=True)
        if not (part["n_event_2"].sum() > 0 or endpoint == "CIR"):
            part = part.drop(columns="n_event_2").rename(columns={"n_event_1": "n_event"})
        out[(endpoint, variant)] = part
    return out
