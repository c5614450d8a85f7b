"""Cox proportional hazards regression: univariable and multivariable hazard ratios, PH test.

For each endpoint named in the specification: one model per covariate
(univariable) and one model with all covariates (multivariable, complete cases),
each with hazard ratios, Wald CIs and p-values, the likelihood-ratio test of
the model, and the proportional-hazards test (R ``cox.zph``, KM transform) per
term and globally. Fits are :func:`blinrwe.stats.cox.cox_ph` (R ``coxph``).

Categorical covariates are dummy-coded against their first level in sorted order
(R's factor default, as ``cox_ph``); that reference level gets its own ``hr`` row
(value 1, no CI, note "reference", level ``covariate[reference]``) placed before
the covariate's other levels, so the report prints "1 (reference)".

A term whose hazard ratio cannot be estimated (no events in its level or in the
reference level, a coefficient that diverges under monotone likelihood, a bound that is
not finite) keeps its rows with NaN and the reason in the note, "not_estimable: no
events in level yes of cns_involvement (hazard ratio not estimable)"
(:func:`not_estimable_terms`); the report prints NE with the reason as a footnote.

Subgroup hazard ratios (table "cox_subgroups", the forest plot of the seeds):
for each endpoint and each subgroup variable, the univariable Cox model of the
endpoint on that variable alone (patients with a known value), i.e. the hazard
ratio of each level against the reference level (first in sorted order) within
one model, as R ``coxph(Surv(time, event) ~ factor(subgroup))``. Rows:
``variable`` = endpoint, ``group_var`` = subgroup variable, ``group`` = compared
level, ``level`` = reference level, statistics ``hr`` (value, lower, upper) and
``cox_p`` (Wald p, method ``WALD_P_METHOD``); ``n`` = events and ``denominator`` = patients *of the level in
``group``* (the forest plot's "events/N" per row; the model's totals are their
sums over the variable's levels); plus the reference level's own ``hr`` row
(``group`` = ``level`` = reference, value 1, note "reference").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.cox import cox_ph
from blinrwe.stats.cox_zph import cox_zph

from .ard import ard_frame, ard_row, not_estimable
from .levels import codes_at, factor_levels, patient_positions
from .survival import endpoint_parts, flag_rows, immortal_time_flag, split_endpoints

__all__ = ["cox_models", "cox_subgroup_models", "reference_levels", "not_estimable_terms", "WALD_P_METHOD",
           "LR_P_METHOD", "SharedCoxModels", "SharedModel"]

SECTION = "cox"
#: ``method`` of ``cox_p`` rows: what the p-value of one coefficient is (R ``summary(coxph)`` "Pr(>|z|)").
WALD_P_METHOD = "Wald test (two-sided; z = coefficient / standard error)"
#: ``method`` of ``cox_lr_p`` rows: the global test of the model (R ``summary(coxph)`` "Likelihood ratio test").
LR_P_METHOD = "likelihood-ratio test of the model (chi-squared, df = number of model coefficients)"


def reference_levels(data: pd.DataFrame, time: str, event: str, covariates) -> dict[str, str]:
    """Reference (first) level of each categorical covariate among the complete rows, as ``cox_ph`` codes it:
    the first present category of a Categorical, else the smallest text in sorted order."""
    used = [time, event, *covariates]
    complete = data[used].notna().all(axis=1).to_numpy()
    out = {}
    for cov in covariates:
        col = data[cov]
        if isinstance(col.dtype, pd.CategoricalDtype):
            present = np.isin(np.arange(len(col.cat.categories)), col.cat.codes.to_numpy()[complete])
            levels = [lv for lv, ok in zip(col.cat.categories, present) if ok]
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            levels = sorted({str(v) for v in pd.unique(col[complete])})
        else:
            continue
        if levels:
            out[cov] = str(levels[0])
    return out


def _covariate_frame(sel: pd.DataFrame, adsl: pd.DataFrame, time_column: str, columns, *,
                     all_categorical: bool = False) -> pd.DataFrame:
    """Time, event and the ADSL ``columns`` for the rows of ``sel`` (taken by position, no merge).

    Text and yes/no columns (every column with ``all_categorical``) become Categoricals of
    their sorted ARD labels (``factor_levels``), which ``cox_ph`` codes exactly as the text
    itself (first sorted level = reference).
    """
    positions = patient_positions(adsl, sel["patient_id"])
    data = {time_column: sel[time_column].to_numpy(), "event": sel["event"].to_numpy()}
    for col in columns:
        values = adsl[col]
        if not all_categorical and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            taken = values.astype("float64").to_numpy()[np.maximum(positions, 0)]
            data[col] = np.where(positions >= 0, taken, np.nan)
        else:
            codes, labels = factor_levels(values)
            data[col] = pd.Categorical.from_codes(codes_at(codes, positions), categories=labels)
    return pd.DataFrame(data)


@dataclass(frozen=True, eq=False)
class SharedModel:
    """A Cox model of the Cox table kept for a later table: its covariate frame and its fit with the
    note; ``fit.refit`` fits the same prepared rows under other conventions."""

    data: pd.DataFrame
    fit: object
    note: str
    options: tuple  # (ties, level, convergence) of ``fit``


class SharedCoxModels:
    """The Cox models one table fits and a later one shows again, each prepared and fitted once.

    Clinical use: the R-versus-SAS appendix (analysis/conventions.py) shows the Cox table's primary
    model (first Cox endpoint and censoring variant, every covariate, no strata) again under SAS's
    ties and stopping rule; at a registry's size the model's rows are a million and its fit the
    costliest of the report. Only the models named in ``wanted`` are kept (each holds its rows):
    keys ``(endpoint, variant, time column, covariates)`` (:meth:`key`) of unstratified models.
    """

    def __init__(self, wanted=()):
        self.wanted = set(wanted)
        self.models: dict[tuple, SharedModel] = {}

    @staticmethod
    def key(endpoint: str, variant: str, time_column: str, covariates) -> tuple:
        return (endpoint, variant, time_column, tuple(covariates))

    def keep(self, key: tuple, data: pd.DataFrame, fit, note: str, options: tuple) -> None:
        """Keep the fit of model ``key`` if a later table wants it."""
        if key in self.wanted:
            self.models[key] = SharedModel(data, fit, note, tuple(options))

    def get(self, key: tuple) -> SharedModel | None:
        return self.models.get(key)


def _fit(data, time, event, covariates, ties, level, *, convergence="r", strata=(), like: list | None = None):
    """``cox_ph`` with its warnings collected: ``(fit, note)``, the note being the warnings
    joined ("did not converge" for a fit that stopped without one). ``strata``: columns of
    ``data`` with their own baseline hazard (stratified Cox, ``[cox] strata``). ``like``: a list
    holding the last model fitted to ``data`` (the times are sorted once for all its models;
    ``cox_ph(like=)``), updated with this one."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = cox_ph(data, time, event, covariates, ties=ties, level=level, convergence=convergence,
                     strata=list(strata) or None, like=like[-1] if like else None)
    if like is not None:
        like[:] = [fit.model]
    return fit, "; ".join(str(w.message) for w in caught) or ("" if fit.converged else "did not converge")


def not_estimable_terms(fit, data: pd.DataFrame, time: str, event: str, covariates) -> dict[str, str]:
    """Model terms whose hazard ratio cannot be estimated, each with the reason in words.

    A term is not estimable when its level or the reference level has no events, when its
    coefficient diverges (monotone likelihood, flagged by ``cox_ph`` as R ``coxph`` does:
    "coefficient may be infinite"), or when its hazard ratio, a bound or its p value is not
    a finite number. R prints such a hazard ratio as ~0 or
    ~1e9 with the bound 0 or Inf and a p near 1; none of them is an estimate, so the ARD
    keeps NaN and the reason: no events in the compared level, no events in the reference
    level, or the events ordered completely by the covariate (monotone likelihood).
    """
    warned = " ".join(fit.warnings)  # names the diverging terms: "Loglik converged before variable(s) ['x[yes]']"
    complete = data[[time, event, *covariates]].notna().all(axis=1).to_numpy()
    had_event = data[event].to_numpy()[complete] == 1
    references = reference_levels(data, time, event, covariates)
    table = fit.table.set_index("term")
    out: dict[str, str] = {}
    for cov, columns in fit.terms.items():
        events_in = {}
        if isinstance(data[cov].dtype, pd.CategoricalDtype):
            codes = data[cov].cat.codes.to_numpy()[complete]
            counts = np.bincount(codes[had_event], minlength=len(data[cov].cat.categories))
            events_in = dict(zip((str(c) for c in data[cov].cat.categories), counts.tolist()))
        for term in columns:
            rec = table.loc[term]
            level = term[len(cov) + 1:-1] if term.startswith(f"{cov}[") else ""
            if level and events_in.get(level) == 0:
                reason = f"no events in level {level} of {cov}"
            elif level and events_in.get(references.get(cov)) == 0:
                reason = f"no events in the reference level {references[cov]} of {cov}"
            elif repr(term) in warned:
                reason = f"the events are ordered completely by {cov} (monotone likelihood, infinite coefficient)"
            elif not all(np.isfinite(float(rec[c])) for c in ("hr", "lower", "upper", "p")):
                reason = f"the estimate for {term} or its variance is not a finite number"
            else:
                continue
            out[term] = f"{reason} (hazard ratio not estimable)"
    return out


def _model_rows(data, time, event, covariates, table, endpoint, variant, ties, level, convergence="r", strata=(),
                shared: SharedCoxModels | None = None, like: list | None = None) -> list[dict]:
    keys = dict(variant=variant)
    label = " + ".join(covariates)
    try:
        fit, note = _fit(data, time, event, covariates, ties, level, convergence=convergence, strata=strata,
                         like=like)
    except StatisticalInputError as err:
        return [ard_row(SECTION, table, endpoint, "hr", None, level=label, note=not_estimable(str(err)), **keys)]
    if shared is not None and not strata:
        shared.keep(shared.key(endpoint, variant, time, covariates), data, fit, note, (ties, level, convergence))
    rows = []
    references = reference_levels(data, time, event, covariates)
    unestimable = not_estimable_terms(fit, data, time, event, covariates)
    first_term = {cols[0]: cov for cov, cols in fit.terms.items() if cols}
    for rec in fit.table.itertuples(index=False):
        cov = first_term.get(rec.term)
        if cov in references:
            rows.append(ard_row(SECTION, table, endpoint, "hr", 1.0, level=f"{cov}[{references[cov]}]", n=fit.n_events,
                                denominator=fit.n, method=fit.method, note="reference", **keys))
        common = dict(level=rec.term, n=fit.n_events, denominator=fit.n, method=fit.method, note=note, **keys)
        hr, lower, upper, coef, p = rec.hr, rec.lower, rec.upper, rec.coef, rec.p
        if rec.term in unestimable:
            hr = lower = upper = coef = p = None
            common["note"] = not_estimable(unestimable[rec.term])
        rows.append(ard_row(SECTION, table, endpoint, "hr", hr, lower=lower, upper=upper, **common))
        rows.append(ard_row(SECTION, table, endpoint, "coef", coef, **common))
        rows.append(ard_row(SECTION, table, endpoint, "cox_p", p, **{**common, "method": WALD_P_METHOD}))
    rows.append(ard_row(SECTION, table, endpoint, "cox_lr_p", fit.lr_test.p, level=label, n=fit.n_events,
                        denominator=fit.n, method=LR_P_METHOD, note=note, **keys))
    if fit.n_dropped:
        rows.append(ard_row(SECTION, table, endpoint, "missing", fit.n_dropped, level=label,
                            method="patients dropped for missing covariates (complete cases)", **keys))
    try:
        zph = cox_zph(fit)
        for rec in zph.table.itertuples(index=False):
            rows.append(ard_row(SECTION, table, endpoint, "zph_p", rec.p, level=str(rec.term), n=fit.n_events,
                                denominator=fit.n, method=zph.method, **keys))
    except (StatisticalInputError, np.linalg.LinAlgError) as err:
        rows.append(ard_row(SECTION, table, endpoint, "zph_p", None, level=label, note=not_estimable(str(err)),
                            **keys))
    return rows


def cox_models(tte: pd.DataFrame, adsl: pd.DataFrame, *, endpoints, covariates, variant: str = "none",
               time_column: str = "time_months", ties: str = "efron", level: float = 0.95,
               parts: dict | None = None, convergence: str = "r", strata=(),
               shared: SharedCoxModels | None = None) -> pd.DataFrame:
    """ARD rows of univariable (table "cox_univariable") and multivariable ("cox_multivariable") models.

    ``parts``: :func:`~.survival.split_endpoints` of ``tte`` when the caller already has it.
    ``strata``: ADSL columns with their own baseline hazard in every model (stratified Cox,
    R ``strata()``; the method names them); a stratum is not also a covariate.
    ``convergence``: the stopping rule of ``cox_ph`` ("r" or SAS PHREG's "phreg_gconv").
    ``shared``: keeps the fits a later table asks for (:class:`SharedCoxModels`).
    """
    strata = [c for c in strata if c in adsl.columns]
    covariates = [c for c in covariates if c in adsl.columns and c not in strata]
    rows: list[dict] = []
    if not covariates:
        return ard_frame(rows)
    parts = split_endpoints(tte, endpoints) if parts is None else parts
    for endpoint, _, sel in endpoint_parts(parts, endpoints, (variant,)):
        data = _covariate_frame(sel, adsl, time_column, covariates)
        if strata:
            data = data.join(_covariate_frame(sel, adsl, time_column, strata, all_categorical=True)[strata])
        like: list = []  # the models of one endpoint share its rows: sorted once
        for cov in covariates:
            rows.extend(_model_rows(data, time_column, "event", [cov], "cox_univariable", endpoint, variant, ties,
                                    level, convergence, strata, shared, like))
        if len(covariates) > 1:
            rows.extend(_model_rows(data, time_column, "event", covariates, "cox_multivariable", endpoint, variant,
                                    ties, level, convergence, strata, shared, like))
    return ard_frame(rows)


def _level_counts(data: pd.DataFrame, time_column: str, gvar: str) -> tuple[dict, dict]:
    """Patients and events per level of the Categorical ``gvar`` among the rows the model uses."""
    complete = data.notna().all(axis=1).to_numpy()  # every column the model uses (strata too)
    codes = data[gvar].cat.codes.to_numpy()[complete]
    event = data["event"].to_numpy()[complete].astype(np.int64) == 1
    k = len(data[gvar].cat.categories)
    patients = np.bincount(codes, minlength=k)
    events = np.bincount(codes[event], minlength=k)
    labels = [str(c) for c in data[gvar].cat.categories]
    return dict(zip(labels, patients.tolist())), dict(zip(labels, events.tolist()))


def cox_subgroup_models(tte: pd.DataFrame, adsl: pd.DataFrame, *, endpoints, subgroups, variant: str = "none",
                        time_column: str = "time_months", ties: str = "efron", level: float = 0.95,
                        parts: dict | None = None, convergence: str = "r", strata=()) -> pd.DataFrame:
    """ARD rows of table "cox_subgroups": per endpoint and subgroup variable, the HR of each level vs the reference.

    One univariable Cox model per endpoint x subgroup variable (module docstring).
    A model that cannot be fitted (one level only, no events) gives one ``hr`` row
    with NaN and the reason in ``note`` ("not_estimable: ..."). ``strata``: as in
    :func:`cox_models`, each model stratified by those of them that are not its own variable.
    """
    strata = [c for c in strata if c in adsl.columns]
    subgroups = [g for g in subgroups if g in adsl.columns]
    rows: list[dict] = []
    if not subgroups:
        return ard_frame(rows)
    parts = split_endpoints(tte, endpoints) if parts is None else parts
    for endpoint, _, sel in endpoint_parts(parts, endpoints, (variant,)):
        frame = _covariate_frame(sel, adsl, time_column, list(dict.fromkeys([*subgroups, *strata])),
                                 all_categorical=True)
        like: list = []  # fitted from ``frame`` itself (its columns of the model only): sorted once
        for gvar in subgroups:
            own_strata = [c for c in strata if c != gvar]
            data = frame[[time_column, "event", gvar, *own_strata]]
            keys = dict(group_var=gvar, variant=variant)
            try:
                fit, note = _fit(frame, time_column, "event", [gvar], ties, level, convergence=convergence,
                                 strata=own_strata, like=like)
            except StatisticalInputError as err:
                rows.append(ard_row(SECTION, "cox_subgroups", endpoint, "hr", None, group="",
                                    note=not_estimable(str(err)), **keys))
                continue
            reference = reference_levels(data, time_column, "event", [gvar])[gvar]
            patients, events = _level_counts(data, time_column, gvar)
            unestimable = not_estimable_terms(fit, data, time_column, "event", [gvar])

            def counts(level_name):
                return dict(n=events[level_name], denominator=patients[level_name], method=fit.method, **keys)

            rows.append(ard_row(SECTION, "cox_subgroups", endpoint, "hr", 1.0, group=reference, level=reference,
                                note="reference", **counts(reference)))
            prefix = f"{gvar}["
            for rec in fit.table.itertuples(index=False):
                compared = rec.term[len(prefix):-1] if rec.term.startswith(prefix) else rec.term
                hr, lower, upper, p, term_note = rec.hr, rec.lower, rec.upper, rec.p, note
                if rec.term in unestimable:
                    hr = lower = upper = p = None
                    term_note = not_estimable(unestimable[rec.term])
                rows.append(ard_row(SECTION, "cox_subgroups", endpoint, "hr", hr, lower=lower, upper=upper,
                                    group=compared, level=reference, note=term_note, **counts(compared)))
                rows.append(ard_row(SECTION, "cox_subgroups", endpoint, "cox_p", p, group=compared,
                                    level=reference, note=term_note, **{**counts(compared), "method": WALD_P_METHOD}))
    for r in rows:  # hazard ratios by a group defined after the first infusion: immortal-time bias
        flag_rows([r], immortal_time_flag(r["group_var"]))
    return ard_frame(rows)
