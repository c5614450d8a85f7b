"""Risk-set sums of a Cox model computed inside an engine (DuckDB, Spark), one GROUP BY per iteration.

For a coefficient vector ``b`` the engine returns, per distinct time, the sums over rows of
``w = exp(x'b)``, ``w x``, ``w x x'`` (all rows and event rows), the events and the event
rows' ``x``; Newton-Raphson (``blinrwe.stats.cox_sums``) runs on those few rows in numpy, so
a registry's table stays in the engine. Numeric covariates (0/1 indicators for categories),
no strata, no late entry; covariates are centred on their means (computed once in the engine),
as R ``coxph``. Times are grouped on their exact value (whole days: R ``timefix`` exactly).
"""

from __future__ import annotations

from typing import Callable, Sequence

import ibis
import numpy as np
import pandas as pd


__all__ = ["risk_set_sums_table", "engine_risk_set_sums"]


def risk_set_sums_table(table: ibis.Table, covariates: Sequence[str], beta, center, *, time: str = "time_days",
                        event: str = "event") -> ibis.Table:
    """One row per distinct time: ``time, d, s0, e0, s1_j, e1_j, xd_j, s2_j_k, e2_j_k`` (j <= k) at ``beta``."""
    cov = list(covariates)
    xs = [(table[c].cast("float64") - float(m)) for c, m in zip(cov, center)]
    lin = sum((x * float(b) for x, b in zip(xs, beta)), ibis.literal(0.0))
    t = table.mutate(time=table[time].cast("float64"), _d=table[event].cast("float64"), _w=lin.exp(),
                     **{f"_x{j}": x for j, x in enumerate(xs)})
    aggs = {"d": t._d.sum(), "s0": t._w.sum(), "e0": (t._w * t._d).sum()}
    for j in range(len(cov)):
        xj = t[f"_x{j}"]
        aggs[f"s1_{j}"] = (t._w * xj).sum()
        aggs[f"e1_{j}"] = (t._w * xj * t._d).sum()
        aggs[f"xd_{j}"] = (xj * t._d).sum()
        for k in range(j, len(cov)):
            xk = t[f"_x{k}"]
            aggs[f"s2_{j}_{k}"] = (t._w * xj * xk).sum()
            aggs[f"e2_{j}_{k}"] = (t._w * xj * xk * t._d).sum()
    return t.group_by("time").aggregate(**aggs).order_by("time")


def engine_risk_set_sums(backend, table: ibis.Table, covariates: Sequence[str], *, time: str = "time_days",
                         event: str = "event") -> Callable[[np.ndarray], pd.DataFrame]:
    """A function of ``beta`` giving the risk-set sums table (pandas) computed on ``backend``.

    Covariates are centred on their means (one engine query, here); rows with a missing time,
    event or covariate are dropped (as R ``na.omit``). Fit with
    ``blinrwe.stats.cox_sums.cox_from_sums(lambda b: sums_from_table(f(b), p), p, ties)``."""
    cov = list(covariates)
    rows = table.drop_null([time, event, *cov])
    means = backend.to_pandas(rows.aggregate(**{f"m{j}": rows[c].cast("float64").mean() for j, c in enumerate(cov)}))
    center = [float(means[f"m{j}"].iloc[0]) for j in range(len(cov))]

    def sums_at(beta) -> pd.DataFrame:
        return backend.to_pandas(risk_set_sums_table(rows, cov, beta, center, time=time, event=event))

    return sums_at
