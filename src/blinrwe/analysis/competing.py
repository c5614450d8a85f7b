"""Cumulative incidence of relapse (CIR) and non-relapse mortality (NRM) as competing risks.

Domain-spec section 4 (relapse and death without relapse are exclusive first
events): for the competing-risk endpoint rows of ``AnalysisData.tte``
(``event_type`` 1 = relapse, 2 = death without relapse, 0 = censored) the
Aalen-Johansen cumulative incidence of each cause at the landmarks with its
pointwise CI (bounds (0, 0) while F = 0, see :func:`.survival.degenerate_bounds`),
events per cause, Gray's test between the levels of each grouping variable
("not_estimable: <reason>", labelled by the endpoint, when it cannot be computed),
and the step data of the curves. Estimates from
:func:`blinrwe.stats.competing_risks.cumulative_incidence` (R ``cmprsk::cuminc``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.derive.endpoints import T0_ORIGIN
from blinrwe.errors import StatisticalInputError
from blinrwe.stats.competing_risks import cumulative_incidence

from .ard import ard_row, not_estimable
from .levels import codes_at, patient_positions, present_categorical
from .results import CURVE_COLUMNS, RISK_TABLE_COLUMNS
from .survival import (
    SurvivalOutput,
    degenerate_bounds,
    endpoint_parts,
    figure_ticks,
    flag_rows,
    immortal_time_flag,
    split_endpoints,
    subgroup_codes,
    time_column,
    time_origin_row,
)

__all__ = ["competing_risk_analyses", "CAUSES"]

SECTION = "competing_risks"
TABLE = "competing_risks"
CAUSES = {1: "CIR", 2: "NRM"}


def _one(time, etype, group, landmarks, time_unit, level, keys, variant, gvar, out: SurvivalOutput, ticks,
         origin=T0_ORIGIN):
    ci = cumulative_incidence(time, etype, 1, group=group, level=level)
    tab = ci.table
    for cause, name in CAUSES.items():
        if cause not in ci.causes:
            continue
        for g in ci.groups:
            label = "Overall" if group is None else g
            cur = tab[(tab["group"] == g) & (tab["cause"] == cause)]
            n = int(cur["n_risk"].iloc[0]) if len(cur) else 0
            k = int(cur["n_event"].sum())
            gk = dict(variable=name, variant=variant, group_var=gvar, group=label)
            out.rows.append(ard_row(SECTION, TABLE, statistic="events", value=k, n=k, denominator=n,
                                    method="count", **gk))
            if landmarks:
                at = ci.at(list(landmarks), cause=cause)
                at = at[at["group"] == g].copy()
                at["lower"], at["upper"] = degenerate_bounds(at["estimate"], at["lower"], at["upper"], 0.0)
                for rec in at.itertuples(index=False):
                    flag = "beyond_follow_up" if np.isnan(rec.estimate) else ""
                    out.rows.append(ard_row(SECTION, TABLE, statistic="cif", value=rec.estimate, lower=rec.lower,
                                            upper=rec.upper, denominator=n, time=rec.time, time_unit=time_unit,
                                            method=ci.method, note=flag, **gk))
            analysis = f"{name}:{variant}:{gvar}"
            first = pd.DataFrame({"time": [0.0], "estimate": [0.0], "lower": [np.nan], "upper": [np.nan],
                                  "n_risk": [n], "n_event": [0], "n_censor": [0]})
            steps = pd.concat([first, cur[["time", "estimate", "lower", "upper", "n_risk", "n_event", "n_censor"]]],
                              ignore_index=True)
            steps["lower"], steps["upper"] = degenerate_bounds(steps["estimate"], steps["lower"], steps["upper"], 0.0)
            steps = steps.assign(analysis=analysis, endpoint=name, variant=variant, group_var=gvar, group=label,
                                 kind="cif", time_origin=origin)
            out.curves.append(steps[list(CURVE_COLUMNS)])
            ct = cur["time"].to_numpy()
            idx = np.searchsorted(ct, ticks, side="left")
            nr = cur["n_risk"].to_numpy()
            n_risk = np.where(idx < ct.size, nr[np.minimum(idx, max(ct.size - 1, 0))], 0) if ct.size else \
                np.zeros(ticks.size, dtype=np.int64)
            out.risk.append(pd.DataFrame({"analysis": analysis, "endpoint": name, "variant": variant,
                                          "group_var": gvar, "group": label, "time": ticks,
                                          "n_risk": n_risk.astype(np.int64),
                                          "time_origin": origin})[list(RISK_TABLE_COLUMNS)])
    if ci.gray_test is not None:
        for rec in ci.gray_test.itertuples(index=False):
            name = CAUSES.get(int(rec.cause), str(rec.cause))
            gk = dict(variable=name, variant=variant, group_var=gvar, group="", denominator=len(time),
                      method=ci.gray_method)
            stat, p = rec.stat, rec.p
            if not (np.isfinite(stat) and np.isfinite(p)):
                stat = p = None
                gk["note"] = not_estimable(f"Gray's test of {name}: {rec.note}" if rec.note else
                                           f"Gray's test of {name} could not be computed (no {name} events, "
                                           "or a zero variance)")
            out.rows.append(ard_row(SECTION, TABLE, statistic="gray_stat", value=stat, **gk))
            out.rows.append(ard_row(SECTION, TABLE, statistic="gray_p", value=p, **gk))


def competing_risk_analyses(tte: pd.DataFrame, adsl: pd.DataFrame, *, endpoints, variants, subgroups, time_unit,
                            landmarks, level=0.95, out: SurvivalOutput | None = None,
                            parts: dict | None = None, origins=None, overall: bool = True) -> SurvivalOutput:
    """CIR and NRM for each competing-risk endpoint x variant, overall and by subgroup.

    ``parts``: :func:`~.survival.split_endpoints` of ``tte`` when the caller already has it;
    ``origins`` and ``overall`` as in :func:`~.survival.survival_analyses` (the time origin of
    both causes is that of the endpoint; comparisons by variables defined after the first
    infusion are flagged ``immortal_time``).
    """
    out = out or SurvivalOutput()
    origins = origins or {}
    tcol = time_column(time_unit)
    parts = split_endpoints(tte, endpoints) if parts is None else parts
    groupings = subgroup_codes(adsl, subgroups)
    for endpoint, variant, sel in endpoint_parts(parts, endpoints, variants):
        origin = origins.get(endpoint, T0_ORIGIN)
        time = sel[tcol].to_numpy(dtype=float)
        etype = sel["event_type"].to_numpy(dtype=np.int64)
        ticks = figure_ticks(float(time.max()), time_unit)
        if overall:
            out.rows.extend(time_origin_row(SECTION, name, variant, origin) for name in CAUSES.values())
            try:
                _one(time, etype, None, landmarks, time_unit, level, {}, variant, "", out, ticks, origin)
            except StatisticalInputError as err:
                out.rows.append(ard_row(SECTION, TABLE, endpoint, "cif", None, variant=variant,
                                        note=not_estimable(str(err))))
                continue
        positions = patient_positions(adsl, sel["patient_id"]) if groupings else None
        for gvar, (codes, labels) in groupings.items():
            g = codes_at(codes, positions)
            known = g >= 0
            if not known.any():
                continue
            first_row = len(out.rows)
            names = present_categorical(g, labels)  # the labels of the known rows (not an object array of them)
            try:
                _one(time[known], etype[known], names, landmarks, time_unit, level, {}, variant,
                     gvar, out, ticks, origin)
            except StatisticalInputError as err:
                out.rows.append(ard_row(SECTION, TABLE, endpoint, "gray_p", None, variant=variant, group_var=gvar,
                                        group="", note=not_estimable(str(err))))
            flag_rows(out.rows[first_row:], immortal_time_flag(gvar))
    return out
