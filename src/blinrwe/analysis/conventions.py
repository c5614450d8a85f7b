"""R versus SAS: the numbers of the report under the other software's convention (issue 9 appendix).

Reviewers trained on SAS ask why a number differs from what SAS would print. For each
kind of statistic whose R and SAS defaults differ, this module recomputes the report's
number under the other convention, by calling ``blinrwe.stats`` with the other option:

=====================  ==============================  ================================  =============
kind                   R default                       SAS default                       other option
=====================  ==============================  ================================  =============
median_rule            ``quantile.survfit``            PROC LIFETEST quartile rule       ``rule="sas"``
ci_transform           ``conf.type = "log"``           ``CONFTYPE=LOGLOG``               log <-> log-log
landmark_beyond        last estimate carried forward   ``.`` (missing)                   R's carried value
                       (``summary(extend = TRUE)``)
binomial_ci            exact (``binom.test``)          Wald (PROC FREQ ``BINOMIAL``)     ``"wald"``
cox_ties               Efron                           Breslow (PROC PHREG)              the other ties
cox_convergence        relative log-lik change 1e-9    GCONV = 1e-8 (PROC PHREG)         the other rule
=====================  ==============================  ================================  =============

The report's own choice is the used one (``[survival] ci_transform``, ``[cox] ties``,
``[cox] convergence``; medians by R's rule, response rates exact, landmarks beyond follow-up
NE as SAS). Rows (section and table "conventions"): one ``convention`` row per kind
(``level`` = the code used, ``method`` = it in words), then per item ``as_reported`` and
``other_convention`` rows (value, lower, upper; ``level`` = the item: endpoint, model term or
response; ``time`` = the landmark; ``n`` = Newton iterations on ``cox_convergence`` rows).
Whole cohort only, the first censoring variant, the first Cox endpoint's largest model.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.cox import cox_ph
from blinrwe.stats.counts import event_counts
from blinrwe.stats.kaplan_meier import kaplan_meier_from_counts
from blinrwe.stats.proportion import proportion_ci

from .ard import ard_frame, ard_row, not_estimable
from .regression import SharedCoxModels, _covariate_frame, not_estimable_terms
from .settings import AnalysisSettings
from .survival import split_endpoints, time_column

__all__ = ["convention_rows", "convention_cox_rows", "primary_model_key", "KINDS", "SECTION"]

SECTION = "conventions"
#: The kinds of statistic compared, in report order.
KINDS = ("median_rule", "ci_transform", "landmark_beyond", "binomial_ci", "cox_ties", "cox_convergence")
_OTHER_TRANSFORM = {"log-log": "log", "log": "log-log", "plain": "log-log", "arcsine": "log-log"}
_MAX_RESPONSE_ROWS = 6


def _row(kind: str, statistic: str, value=None, **extra) -> dict:
    return ard_row(SECTION, SECTION, kind, statistic, value, **extra)


def _pair(kind: str, item: str, used: tuple, other: tuple, missing: str = "not_estimable", **extra) -> list[dict]:
    """as_reported and other_convention rows: ``used`` / ``other`` = (value, lower, upper, method); a value
    that is missing gets the note ``missing`` ("not_reached" for a median, else "not_estimable")."""
    rows = []
    for statistic, (value, lower, upper, method) in (("as_reported", used), ("other_convention", other)):
        known = value is not None and np.isfinite(value)
        rows.append(_row(kind, statistic, value, lower=lower, upper=upper, level=item, method=method,
                         note="" if known else missing, **extra))
    return rows


def _km_rows(parts, endpoints, variant, s: AnalysisSettings, tcol: str) -> list[dict]:
    rows: list[dict] = []
    other_ct = _OTHER_TRANSFORM.get(s.ci_transform, "log")
    for endpoint in endpoints:
        sel = parts.get((endpoint, variant))
        if sel is None or sel.empty:
            continue
        time = sel[tcol].to_numpy(dtype=float)
        event = sel["event"].to_numpy(dtype=np.int64)
        counts = event_counts(time, event)
        km = kaplan_meier_from_counts(counts, conf_type=s.ci_transform, level=s.confidence_level)
        r, sas = km.median(rule="r"), km.median(rule="sas")
        rows += _pair("median_rule", endpoint, (r.estimate, r.lower, r.upper, r.method),
                      (sas.estimate, sas.lower, sas.upper, sas.method), missing="not_reached", time_unit=s.time_unit)
        if not s.landmarks:
            continue
        at = km.at(list(s.landmarks))
        inside = at[at["estimable"].to_numpy(dtype=bool) & (at["survival"] > 0) & (at["survival"] < 1)]
        if len(inside):
            lm = inside.iloc[0]
            alt = kaplan_meier_from_counts(counts, conf_type=other_ct, level=s.confidence_level).at([lm["time"]]).iloc[0]
            rows += _pair("ci_transform", endpoint,
                          (lm["survival"], lm["lower"], lm["upper"], f"{s.ci_transform} transformed CI"),
                          (alt["survival"], alt["lower"], alt["upper"], f"{other_ct} transformed CI"),
                          time=float(lm["time"]), time_unit=s.time_unit)
        beyond = at[~at["estimable"].to_numpy(dtype=bool)]
        if len(beyond):
            lm = beyond.iloc[0]
            last = km.at([float(counts.time[-1])]).iloc[0]  # R summary(extend = TRUE): carried forward
            rows += _pair("landmark_beyond", endpoint, (None, None, None, "not estimable beyond follow-up (NE)"),
                          (last["survival"], last["lower"], last["upper"],
                           f"last estimate (at {float(counts.time[-1]):g}) carried forward"),
                          time=float(lm["time"]), time_unit=s.time_unit)
    return rows


def _binomial_rows(ard: pd.DataFrame, level: float) -> list[dict]:
    resp = ard[(ard["section"] == "response") & (ard["statistic"] == "proportion") & (ard["group_var"] == "")
               & ard["denominator"].gt(0)]
    if resp.empty:
        return []
    window = resp["level"].iloc[0]
    rows: list[dict] = []
    for rec in resp[resp["level"] == window].head(_MAX_RESPONSE_ROWS).itertuples(index=False):
        wald = proportion_ci(int(rec.n), int(rec.denominator), method="wald", level=level)
        rows += _pair("binomial_ci", str(rec.variable), (rec.value, rec.lower, rec.upper, rec.method),
                      (wald.estimate, wald.lower, wald.upper, wald.method), n=rec.n, denominator=rec.denominator)
    return rows


def _fit(data, tcol, covariates, ties, convergence, level, used=None):
    """The model under ``ties`` and ``convergence``: a refit of ``used``'s prepared rows when given."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if used is not None:
            return used.refit(ties, level, convergence=convergence)
        return cox_ph(data, tcol, "event", covariates, ties=ties, level=level, convergence=convergence)


def primary_model_key(adsl: pd.DataFrame, s: AnalysisSettings) -> tuple | None:
    """The key (:class:`~.regression.SharedCoxModels`) of the model the appendix refits: the first Cox
    endpoint's model of every covariate, first censoring variant, unstratified (None: no such model)."""
    covariates = [c for c in s.cox_covariates if c in adsl.columns]
    if not s.cox_endpoints or not covariates:
        return None
    return SharedCoxModels.key(s.cox_endpoints[0], s.variants[0], time_column(s.time_unit), covariates)


def _cox_rows(parts, adsl, s: AnalysisSettings, tcol: str, shared: SharedCoxModels | None = None) -> list[dict]:
    covariates = [c for c in s.cox_covariates if c in adsl.columns]
    if not s.cox_endpoints or not covariates:
        return []
    endpoint = s.cox_endpoints[0]
    sel = parts.get((endpoint, s.variants[0]))
    if sel is None or sel.empty:
        return []
    other_ties = "breslow" if s.cox_ties == "efron" else "efron"
    other_conv = "phreg_gconv" if s.cox_convergence == "r" else "r"
    # the Cox table's fit of this model when it kept it (same rows, same options): refitted, not prepared again
    kept = shared.get(SharedCoxModels.key(endpoint, s.variants[0], tcol, covariates)) if shared else None
    if kept is not None and kept.options != (s.cox_ties, s.confidence_level, s.cox_convergence):
        kept = None
    data = kept.data if kept is not None else _covariate_frame(sel, adsl, tcol, covariates)
    try:
        used = kept.fit if kept is not None else _fit(data, tcol, covariates, s.cox_ties, s.cox_convergence,
                                                      s.confidence_level)
        by_ties = _fit(data, tcol, covariates, other_ties, s.cox_convergence, s.confidence_level, used)
        by_rule = _fit(data, tcol, covariates, s.cox_ties, other_conv, s.confidence_level, used)
    except StatisticalInputError as err:
        return [_row("cox_ties", "as_reported", None, level=endpoint, note=not_estimable(str(err)))]
    rows: list[dict] = []
    keys = dict(group_var=endpoint, denominator=used.n)
    unestimable = not_estimable_terms(used, data, tcol, "event", covariates)  # as the Cox table prints them: NE
    for t_used, t_ties, t_rule in zip(used.table.itertuples(), by_ties.table.itertuples(), by_rule.table.itertuples()):
        if t_used.term in unestimable:
            continue
        rows += _pair("cox_ties", t_used.term, (t_used.hr, t_used.lower, t_used.upper, f"{s.cox_ties} ties"),
                      (t_ties.hr, t_ties.lower, t_ties.upper, f"{other_ties} ties"), **keys)
        pair = _pair("cox_convergence", t_used.term, (t_used.coef, None, None, used.method),
                     (t_rule.coef, None, None, by_rule.method), **keys)
        pair[0]["n"], pair[1]["n"] = float(used.iterations), float(by_rule.iterations)
        rows += pair
    return rows


def convention_cox_rows(parts: dict, adsl: pd.DataFrame, s: AnalysisSettings,
                        shared: SharedCoxModels | None = None) -> list[dict]:
    """The appendix's ``cox_ties`` and ``cox_convergence`` rows (the primary Cox model under the other ties
    and the other stopping rule); ``shared``: the Cox table's models, kept for :func:`primary_model_key`
    (the caller computes these rows right after the Cox table, so the model's rows are not held longer)."""
    return _cox_rows(parts, adsl, s, time_column(s.time_unit), shared)


def convention_rows(ard: pd.DataFrame, tte: pd.DataFrame | None, adsl: pd.DataFrame,
                    s: AnalysisSettings, parts: dict | None = None, cox: list[dict] | None = None) -> pd.DataFrame:
    """ARD rows of the R-versus-SAS appendix (module docstring); ``parts``: :func:`split_endpoints` of ``tte``
    when the caller already has it; ``cox``: :func:`convention_cox_rows` when the caller already has them."""
    used = {"median_rule": ("r", "R quantile.survfit rule"),
            "ci_transform": (s.ci_transform, f"{s.ci_transform} transformed pointwise CI"),
            "landmark_beyond": ("ne", "not estimable beyond the last observation (NE), as SAS"),
            "binomial_ci": ("clopper-pearson", "Clopper-Pearson exact interval"),
            "cox_ties": (s.cox_ties, f"{s.cox_ties} approximation for ties"),
            "cox_convergence": (s.cox_convergence, "R coxph stopping rule" if s.cox_convergence == "r"
                                else "SAS PHREG GCONV = 1e-8")}
    rows = [_row(kind, "convention", None, level=code, method=text) for kind, (code, text) in used.items()]
    if tte is not None and not tte.empty:
        tcol = time_column(s.time_unit)
        parts = split_endpoints(tte, (*s.endpoints, *s.cox_endpoints)) if parts is None else parts
        km_endpoints = [e for e in s.endpoints if (e, s.variants[0]) in parts
                        and not ("event_type" in parts[(e, s.variants[0])]
                                 and parts[(e, s.variants[0])]["event_type"].notna().any())]
        rows += _km_rows(parts, km_endpoints, s.variants[0], s, tcol)
        rows += _cox_rows(parts, adsl, s, tcol) if cox is None else cox
    rows += _binomial_rows(ard, s.response_confidence_level)
    return ard_frame(rows)
