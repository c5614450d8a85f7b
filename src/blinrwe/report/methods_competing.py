"""Methods sentences for the analyses of issue 9 present in the ARD: the test between groups
actually used (weighted, stratified, trend), stratified Cox, cause-specific Cox beside
Fine-Gray, RMST and survival differences. Written from the ARD rows the analysis layer
produced (their ``method``, ``time`` and terms), so the paragraph says what was done; each
sentence is translated here, where it is made.
"""

from __future__ import annotations

import re

import pandas as pd

from blinrwe.model.i18n import _

from .context import ReportContext
from .labels import in_sentence, sentence_gap, variable_label

__all__ = ["competing_methods_paragraph"]

_STRATA = re.compile(r"stratified by ([^;()]+)")
_RHO = re.compile(r"G\(([0-9.eE+-]+)\)")


def _rows(ard: pd.DataFrame, **conditions) -> pd.DataFrame:
    mask = pd.Series(True, index=ard.index)
    for column, wanted in conditions.items():
        mask &= ard[column].isin(wanted) if isinstance(wanted, (set, list, tuple)) else ard[column] == wanted
    return ard[mask]


def _labels(codes, context: ReportContext) -> str:
    return _("; ").join(in_sentence(variable_label(c, context.variable_labels)) for c in codes)


def _strata(methods) -> list[str]:
    found = []
    for m in methods:
        match = _STRATA.search(str(m))
        if match:
            found += [s.strip() for s in match.group(1).split(",")]
    return list(dict.fromkeys(s for s in found if s))


def _test_sentences(ard: pd.DataFrame, context: ReportContext) -> list[str]:
    tests = _rows(ard, section="survival", statistic="logrank_p")
    methods = [m for m in dict.fromkeys(tests["method"]) if isinstance(m, str) and m]
    out = []
    if any("Peto-Peto" in m for m in methods):
        out.append(_("Survival between groups is compared with the Peto-Peto test (each event time weighted by the "
                     "pooled Kaplan-Meier S(t-), more weight on early differences; R survdiff rho = 1)."))
    rhos = list(dict.fromkeys(match.group(1) for m in methods for match in [_RHO.search(m)] if match))
    if rhos:
        out.append(_("Survival between groups is compared with the Fleming-Harrington G({rho}) weighted log-rank "
                     "test (each event time weighted by S(t-)^{rho}; R survdiff rho = {rho}).").format(rho=rhos[0]))
    strata = _strata(methods)
    if strata:
        out.append(_("The tests between groups are stratified by {strata} (observed minus expected events and their "
                     "variance summed over strata; patients with an unknown stratum left out).").format(
            strata=_labels(strata, context)))
    trend = _rows(ard, section="survival", statistic="trend_p")
    if len(trend):
        variables = [g.partition("|")[0] for g in dict.fromkeys(trend["group_var"]) if isinstance(g, str) and g]
        out.append(_("For {variables}, whose levels are ordered, the log-rank test for trend (scores 1, 2, ... in "
                     "level order, 1 degree of freedom; SAS LIFETEST TREND) is given too.").format(
            variables=_labels(list(dict.fromkeys(variables)), context)))
    return out


def _cox_strata_sentence(ard: pd.DataFrame, context: ReportContext) -> list[str]:
    rows = _rows(ard, section="cox", statistic="hr", table={"cox_univariable", "cox_multivariable"})
    strata = _strata(dict.fromkeys(rows["method"]))
    if not strata:
        return []
    return [_("Cox models are stratified by {strata}: a separate baseline hazard per stratum (R coxph strata()), "
              "so no hazard ratio is given for them.").format(strata=_labels(strata, context))]


def _regression_sentences(ard: pd.DataFrame, context: ReportContext) -> list[str]:
    rows = _rows(ard, section="competing_regression", statistic={"hr", "shr"})
    if rows.empty:
        return []
    terms = [t for t in dict.fromkeys(rows["level"]) if isinstance(t, str) and t and " + " not in t]
    covariates = list(dict.fromkeys(t.partition("[")[0] for t in terms))
    text = _("For relapse, with death without relapse (non-relapse mortality) as the competing event, cause-specific "
             "hazard ratios (a Cox model of relapse with deaths without relapse censored) are shown beside Fine-Gray "
             "subdistribution hazard ratios (weighted partial likelihood, Breslow ties, robust sandwich variance "
             "including the term for the estimated censoring distribution, as R cmprsk::crr), both with all "
             "covariates in one model among the patients with every covariate known")
    if covariates:
        return [_("{sentence} ({covariates}).").format(sentence=text, covariates=_labels(covariates, context))]
    return [_("{sentence}.").format(sentence=text)]


def _summary_sentences(ard: pd.DataFrame, context: ReportContext) -> list[str]:
    out = []
    rmst = _rows(ard, table="rmst", statistic="rmst")
    if len(rmst):
        taus = ", ".join(f"{t:g}" for t in sorted(set(rmst["time"].dropna())))
        unit = context.time_unit
        horizon = (_("The restricted mean survival time (RMST) to {tau} days") if unit == "days" else
                   _("The restricted mean survival time (RMST) to {tau} months")).format(tau=taus)
        out.append(_("{horizon} is the area under the Kaplan-Meier curve up to that horizon, with R survival's "
                     "variance (survfit rmean) and a normal confidence interval; between two groups the difference "
                     "is the first level minus the second, with a normal confidence interval and a Wald test. A "
                     "group whose follow-up ends before the horizon with its curve above zero is not estimable (R "
                     "would extend the curve flat to the horizon).").format(horizon=horizon))
    if len(_rows(ard, table="survival_difference", statistic="surv_diff")):
        out.append(_("Survival differences between the two levels of a grouping at each landmark are the first "
                     "level minus the second, with Greenwood standard errors, a normal confidence interval and a "
                     "Wald test; a landmark beyond either group's follow-up is not estimable."))
    return out


def competing_methods_paragraph(ard, context: ReportContext) -> str:
    """The paragraph ("" when the ARD has none of these analyses)."""
    if ard is None or not len(ard):
        return ""
    sentences = [*_test_sentences(ard, context), *_cox_strata_sentence(ard, context),
                 *_regression_sentences(ard, context), *_summary_sentences(ard, context)]
    return sentence_gap().join(sentences)
