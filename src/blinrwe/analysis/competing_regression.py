"""Regression for relapse with non-relapse mortality as the competing event: cause-specific Cox
beside Fine-Gray (issue 9).

Domain-spec section 4: the CIR endpoint's rows of ``AnalysisData.tte`` have ``event_type``
1 = relapse, 2 = death without relapse (NRM), 0 = censored (derive/endpoints.py). Two models
of the same covariates (``[cox] competing_covariates``, else ``[cox] covariates``; all of
them in one model, complete cases), fitted on the endpoint's first censoring variant:

* cause-specific Cox (table "cause_specific_cox"): a Cox model of relapse with deaths
  without relapse censored, R ``coxph(Surv(time, status == 1) ~ ...)``; its hazard ratio is
  the relapse rate among patients alive and in remission (:func:`blinrwe.stats.cox.cox_ph`,
  the ``[cox] ties`` and ``strata``);
* Fine-Gray (table "fine_gray"): the subdistribution hazard ratio (sHR), how a covariate
  changes the cumulative incidence of relapse, R ``cmprsk::crr(..., failcode = 1)``
  (:func:`blinrwe.stats.fine_gray.fine_gray`).

Rows as the Cox tables (analysis/regression.py): ``variable`` = endpoint, ``level`` = model
term, a reference row per categorical covariate ("covariate[reference]", value 1, note
"reference"); statistics ``hr``, ``coef``, ``cox_p`` (Wald) in "cause_specific_cox" and
``shr``, ``coef``, ``fg_p`` (Wald, robust variance) in "fine_gray"; ``n`` = relapses,
``denominator`` = patients of the model; one ``events`` row per model with ``level``
"competing" counting the competing events. A model that cannot be fitted (no relapses, one
level only, collinear covariates) is one row with NaN and the reason; a term whose ratio is
not estimable (no relapses in its level or the reference level, a coefficient that diverges
under monotone likelihood) keeps its rows with NaN and the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.fine_gray import fine_gray

from .ard import ard_frame, ard_row, not_estimable
from .regression import WALD_P_METHOD, _covariate_frame, _fit, not_estimable_terms, reference_levels
from .survival import endpoint_parts, split_endpoints

__all__ = ["competing_regression", "SECTION"]

SECTION = "competing_regression"
FG_P_METHOD = "Wald test (two-sided; z = coefficient / robust standard error)"


def _relapses_by_level(data: pd.DataFrame, time: str, covariates) -> dict[str, dict[str, int]]:
    """Relapses per level of each categorical covariate among the complete rows."""
    complete = data[[time, "event_type", *covariates]].notna().all(axis=1).to_numpy()
    relapse = data["event_type"].to_numpy()[complete] == 1
    out = {}
    for cov in covariates:
        if isinstance(data[cov].dtype, pd.CategoricalDtype):
            codes = data[cov].cat.codes.to_numpy()[complete]
            counts = np.bincount(codes[relapse], minlength=len(data[cov].cat.categories))
            out[cov] = dict(zip((str(c) for c in data[cov].cat.categories), counts.tolist()))
    return out


def _fine_gray_unestimable(fit, data, time, covariates) -> dict[str, str]:
    """Terms of a Fine-Gray fit whose sHR is not estimable, with the reason (as regression.not_estimable_terms)."""
    by_level = _relapses_by_level(data, time, covariates)
    references = reference_levels(data.assign(event=(data["event_type"] == 1).astype(float)), time, "event", covariates)
    table = fit.table.set_index("term")
    out = {}
    for cov, columns in fit.terms.items():
        for term in columns:
            level = term[len(cov) + 1:-1] if term.startswith(f"{cov}[") else ""
            rec = table.loc[term]
            if level and by_level.get(cov, {}).get(level) == 0:
                reason = f"no relapses in level {level} of {cov}"
            elif level and by_level.get(cov, {}).get(references.get(cov)) == 0:
                reason = f"no relapses in the reference level {references[cov]} of {cov}"
            elif repr(term) in fit.note or term in fit.note:
                reason = f"the relapses are ordered completely by {cov} (monotone likelihood, infinite coefficient)"
            elif fit.note and not np.isfinite(float(rec["se"])):  # fine_gray gives no variance beside a diverging term
                reason = f"no robust variance while another coefficient diverges ({fit.note})"
            elif not all(np.isfinite(float(rec[c])) for c in ("hr", "lower", "upper", "p")):
                reason = f"the estimate for {term} or its variance is not a finite number"
            else:
                continue
            out[term] = f"{reason} (subdistribution hazard ratio not estimable)"
    return out


def _term_rows(table_id, endpoint, variant, fit_table, terms, references, unestimable, n_events, n, method,
               statistic, p_statistic, p_method, note) -> list[dict]:
    rows = []
    first_term = {cols[0]: cov for cov, cols in terms.items() if cols}
    keys = dict(variant=variant, n=n_events, denominator=n)
    for rec in fit_table.itertuples(index=False):
        cov = first_term.get(rec.term)
        if cov in references:
            rows.append(ard_row(SECTION, table_id, endpoint, statistic, 1.0, level=f"{cov}[{references[cov]}]",
                                method=method, note="reference", **keys))
        hr, lower, upper, coef, p, term_note = rec.hr, rec.lower, rec.upper, rec.coef, rec.p, note
        if rec.term in unestimable:
            hr = lower = upper = coef = p = None
            term_note = not_estimable(unestimable[rec.term])
        common = dict(level=rec.term, note=term_note, **keys)
        rows.append(ard_row(SECTION, table_id, endpoint, statistic, hr, lower=lower, upper=upper, method=method,
                            **common))
        rows.append(ard_row(SECTION, table_id, endpoint, "coef", coef, method=method, **common))
        rows.append(ard_row(SECTION, table_id, endpoint, p_statistic, p, method=p_method, **common))
    return rows


def _failed(table_id, endpoint, variant, statistic, label, reason) -> list[dict]:
    return [ard_row(SECTION, table_id, endpoint, statistic, None, level=label, variant=variant,
                    note=not_estimable(reason.rstrip(".")))]


def _competing_row(table_id, endpoint, variant, k, n) -> dict:
    return ard_row(SECTION, table_id, endpoint, "events", k, level="competing", n=k, denominator=n, variant=variant,
                   method="count of competing events (death without relapse)")


def _cause_specific(data, time, covariates, endpoint, variant, ties, level, strata) -> list[dict]:
    table_id, label = "cause_specific_cox", " + ".join(covariates)
    cs = data.assign(event=(data["event_type"] == 1).astype(float))
    if not (cs["event"] == 1).any():
        return _failed(table_id, endpoint, variant, "hr", label, "no relapses among the patients analysed "
                       "(cause-specific hazard ratio not estimable)")
    try:
        fit, note = _fit(cs, time, "event", covariates, ties, level, strata=strata)
    except StatisticalInputError as err:
        return _failed(table_id, endpoint, variant, "hr", label, str(err))
    unestimable = not_estimable_terms(fit, cs, time, "event", covariates)
    references = reference_levels(cs, time, "event", covariates)
    rows = _term_rows(table_id, endpoint, variant, fit.table, fit.terms, references, unestimable, fit.n_events, fit.n,
                      fit.method + "; deaths without relapse censored (cause-specific hazard of relapse)",
                      "hr", "cox_p", WALD_P_METHOD, note)
    used = cs.loc[cs[[time, "event_type", *covariates, *strata]].notna().all(axis=1), "event_type"]
    rows.append(_competing_row(table_id, endpoint, variant, int((used == 2).sum()), fit.n))
    return rows


def _subdistribution(data, time, covariates, endpoint, variant, level) -> list[dict]:
    table_id, label = "fine_gray", " + ".join(covariates)
    if not (data["event_type"] == 1).any():
        return _failed(table_id, endpoint, variant, "shr", label, "no relapses among the patients analysed "
                       "(subdistribution hazard ratio not estimable)")
    try:
        fit = fine_gray(data, time, "event_type", cause=1, covariates=covariates, level=level)
    except (StatisticalInputError, np.linalg.LinAlgError) as err:
        return _failed(table_id, endpoint, variant, "shr", label, str(err))
    note = "" if fit.converged else "did not converge"
    unestimable = _fine_gray_unestimable(fit, data, time, covariates)
    references = reference_levels(data.assign(event=(data["event_type"] == 1).astype(float)), time, "event",
                                  covariates)
    rows = _term_rows(table_id, endpoint, variant, fit.table, fit.terms, references, unestimable, fit.n_events, fit.n,
                      fit.method, "shr", "fg_p", FG_P_METHOD, note)
    rows.append(_competing_row(table_id, endpoint, variant, fit.n_competing, fit.n))
    return rows


def competing_regression(tte: pd.DataFrame, adsl: pd.DataFrame, *, endpoints, covariates, variant: str = "none",
                         time_column: str = "time_months", ties: str = "efron", level: float = 0.95,
                         strata=(), parts: dict | None = None) -> pd.DataFrame:
    """ARD rows of the cause-specific Cox and Fine-Gray models of each competing-risk endpoint (CIR)."""
    strata = [c for c in strata if c in adsl.columns]
    covariates = [c for c in covariates if c in adsl.columns and c not in strata]
    rows: list[dict] = []
    if not covariates:
        return ard_frame(rows)
    parts = split_endpoints(tte, endpoints) if parts is None else parts
    for endpoint, _, sel in endpoint_parts(parts, endpoints, (variant,)):
        if "event_type" not in sel.columns or not sel["event_type"].notna().any():
            continue  # not a competing-risk endpoint
        data = _covariate_frame(sel, adsl, time_column, covariates)
        if strata:
            data = data.join(_covariate_frame(sel, adsl, time_column, strata, all_categorical=True)[strata])
        data["event_type"] = sel["event_type"].to_numpy(dtype=float, na_value=np.nan)
        rows.extend(_cause_specific(data, time_column, covariates, endpoint, variant, ties, level, strata))
        rows.extend(_subdistribution(data, time_column, covariates, endpoint, variant, level))
    return ard_frame(rows)
