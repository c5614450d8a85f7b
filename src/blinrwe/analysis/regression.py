"""Cox proportional hazards regression: univariable and multivariable hazard ratios, PH test.

For each endpoint named in the specification: one model per covariate
(univariable) and one model with all covariates (multivariable, complete cases),
each with hazard ratios, Wald CIs and p-values, the likelihood-ratio test of
the model, and the proportional-hazards test (R ``cox.zph``, KM transform) per
term and globally. Fits are :func:`blinrwe.stats.cox.cox_ph` (R ``coxph``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.cox import cox_ph
from blinrwe.stats.cox_zph import cox_zph

from .ard import ard_frame, ard_row
from .survival import split_endpoints

__all__ = ["cox_models"]

SECTION = "cox"


def _model_rows(data, time, event, covariates, table, endpoint, variant, ties, level) -> list[dict]:
    keys = dict(variant=variant)
    label = " + ".join(covariates)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = cox_ph(data, time, event, covariates, ties=ties, level=level)
    except StatisticalInputError as err:
        return [ard_row(SECTION, table, endpoint, "hr", None, level=label, note=f"not_estimable: {err}", **keys)]
    note = "; ".join(str(w.message) for w in caught) or ("" if fit.converged else "did not converge")
    rows = []
    for rec in fit.table.itertuples(index=False):
        common = dict(level=rec.term, n=fit.n_events, denominator=fit.n, method=fit.method, note=note, **keys)
        rows.append(ard_row(SECTION, table, endpoint, "hr", rec.hr, lower=rec.lower, upper=rec.upper, **common))
        rows.append(ard_row(SECTION, table, endpoint, "coef", rec.coef, **common))
        rows.append(ard_row(SECTION, table, endpoint, "cox_p", rec.p, **common))
    rows.append(ard_row(SECTION, table, endpoint, "cox_lr_p", fit.lr_test.p, level=label, n=fit.n_events,
                        denominator=fit.n, method="likelihood-ratio test", note=note, **keys))
    if fit.n_dropped:
        rows.append(ard_row(SECTION, table, endpoint, "missing", fit.n_dropped, level=label,
                            method="patients dropped for missing covariates (complete cases)", **keys))
    try:
        zph = cox_zph(fit)
        for rec in zph.table.itertuples(index=False):
            rows.append(ard_row(SECTION, table, endpoint, "zph_p", rec.p, level=str(rec.term), n=fit.n_events,
                                denominator=fit.n, method=zph.method, **keys))
    except (StatisticalInputError, np.linalg.LinAlgError) as err:
        rows.append(ard_row(SECTION, table, endpoint, "zph_p", None, level=label, note=f"not_estimable: {err}",
                            **keys))
    return rows


def cox_models(tte: pd.DataFrame, adsl: pd.DataFrame, *, endpoints, covariates, variant: str = "none",
               time_column: str = "time_months", ties: str = "efron", level: float = 0.95) -> pd.DataFrame:
    """ARD rows of univariable (table "cox_univariable") and multivariable ("cox_multivariable") models."""
    covariates = [c for c in covariates if c in adsl.columns]
    rows: list[dict] = []
    if not covariates:
        return ard_frame(rows)
    parts = split_endpoints(tte, endpoints)
    for endpoint in endpoints:
        sel = parts.get((endpoint, variant))
        if sel is None or sel.empty:
            continue
        data = sel[["patient_id", time_column, "event"]].merge(adsl[["patient_id", *covariates]], on="patient_id",
                                                                 how="left")
        for col in covariates:
            if pd.api.types.is_bool_dtype(data[col]):
                data[col] = data[col].map({True: "yes", False: "no"}).astype(object)
            elif not pd.api.types.is_numeric_dtype(data[col]):
                data[col] = data[col].astype(object).where(data[col].notna(), None)
            else:
                data[col] = data[col].astype("float64")
        for cov in covariates:
            rows.extend(_model_rows(data, time_column, "event", [cov], "cox_univariable", endpoint, variant, ties,
                                    level))
        if len(covariates) > 1:
            rows.extend(_model_rows(data, time_column, "event", covariates, "cox_multivariable", endpoint, variant,
                                    ties, level))
    return ard_frame(rows)
