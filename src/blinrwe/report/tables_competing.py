"""Display tables of the competing-risk regression and the summary measures (issue 9).

Nothing here computes: every number is an ARD row (blinrwe.analysis.competing_regression,
blinrwe.analysis.summary_measures), formatted as the other tables are.

========================  ==========================================================
table id                  rows used
========================  ==========================================================
competing_regression_<e>  ``hr`` / ``cox_p`` of ARD table "cause_specific_cox" beside
                          ``shr`` / ``fg_p`` of "fine_gray" (level = model term, note
                          "reference" -> "1 (reference)"); ``events`` level "competing"
rmst                      ``rmst`` (value, lower, upper, n = events, denominator = N,
                          time = tau) per group; ``rmst_diff`` / ``rmst_diff_p``
                          (group "", level "<first>|<second>")
survival_difference       ``surv_diff`` (fractions, printed as percentage points) and
                          ``surv_diff_p`` per landmark ``time`` (group "", level
                          "<first>|<second>")
========================  ==========================================================
"""

from __future__ import annotations

import math
import re

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.model.i18n import _

from .analysis_text import analysis_text
from .ard_index import as_ard_index
from .context import ReportContext
from .disclosure import is_suppressed
from .formatting import (
    NOT_ESTIMABLE,
    REFERENCE_LEVEL,
    EstimateStyle,
    format_count,
    format_estimate_ci,
    format_hazard_ratio,
    format_number,
    format_p_value,
)
from .caveats import immortal_time_events, immortal_time_warning
from .labels import endpoint_label, grouping_label, in_sentence, level_label, variable_label
from .labels_variables import VARIABLE_LABELS
from .table_model import DisplayTable, Row, SpanningHeader, with_footnotes

__all__ = ["competing_regression_tables", "competing_regression_table", "rmst_table", "survival_difference_table",
           "MODELS"]

#: ARD table of each model -> (hazard-ratio statistic, p statistic)
MODELS = {"cause_specific_cox": ("hr", "cox_p"), "fine_gray": ("shr", "fg_p")}


def _missing(x) -> bool:
    """No number at all (a suppressed count, disclosure.py, is a number that prints "<k")."""
    return x is None or (isinstance(x, float) and math.isnan(x) and not is_suppressed(x))


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _readable(reason: str, context: ReportContext) -> str:
    """Codes the analysis names in a reason ("cns_involvement", "allo_hsct") as the labels the tables use."""
    def label(match):
        code = match.group(0)
        if code in VARIABLE_LABELS or code in context.variable_labels:
            return in_sentence(variable_label(code, context.variable_labels))
        return in_sentence(level_label(code, context.group_labels))
    return _CODE.sub(label, reason)


def _reasons(rows, statistics, context: ReportContext) -> list[str]:
    wanted = set(statistics)
    reasons = dict.fromkeys(not_estimable_reason(r["note"]) for r in rows if r["statistic"] in wanted)
    return [_("NE (not estimable): {reason}.").format(reason=_readable(analysis_text(reason.rstrip(".")), context).rstrip("."))
            for reason in reasons if reason]


def _term(term: str) -> tuple[str, str]:
    name, bracket, rest = str(term).partition("[")
    return name, rest.rstrip("]") if bracket else ""


def _difference_style(context: ReportContext, decimals: int, scale: float) -> EstimateStyle:
    # bounds of a difference may be negative: "-" between them would read as a minus sign
    separator = ", " if context.ci_separator.strip() == "-" else context.ci_separator
    return EstimateStyle(decimals, context.rounding, context.ci_level, scale, separator)


def _pair(level: str, group_var: str, context: ReportContext) -> str:
    """"Newly diagnosed minus relapsed/refractory" from the ARD level "<first>|<second>"."""
    first, _sep, second = level.partition("|")
    variable = group_var.partition("|")[0]
    label = lambda code: level_label(code, context.group_labels, variable=variable,  # noqa: E731
                                     variable_labels=context.variable_labels)
    return _("{first} minus {second}").format(first=label(first), second=label(second))


# ----------------------------------------------------------------------------- regression


def competing_regression_tables(ard, context: ReportContext) -> list[DisplayTable]:
    """One side-by-side table per competing-risk endpoint with model rows."""
    index = as_ard_index(ard)
    endpoints = dict.fromkeys(r["variable"] for t in MODELS for r in index.table(t))
    return [competing_regression_table(index, context, e) for e in endpoints]


def competing_regression_table(ard, context: ReportContext, endpoint: str) -> DisplayTable:
    """Cause-specific HR (95% CI), p beside the Fine-Gray sHR (95% CI), p, per model term."""
    index = as_ard_index(ard)
    per_model = {t: index.table(t).where(variable=endpoint) for t in MODELS}
    columns = (_("Cause-specific HR ({level}% CI)").format(level=context.ci_level), "p",
               _("Subdistribution HR ({level}% CI)").format(level=context.ci_level), "p")
    spanning = (SpanningHeader(_("Cause-specific Cox"), 2), SpanningHeader(_("Fine-Gray"), 2))
    terms, references = [], set()
    for table, (hr_stat, _p) in MODELS.items():
        for r in per_model[table].where(statistic=hr_stat):
            if r["level"] and " + " not in r["level"] and r["level"] not in terms:
                terms.append(r["level"])
            if "reference" in r["note"]:
                references.add(r["level"])
    rows: list[Row] = []
    for covariate in dict.fromkeys(_term(t)[0] for t in terms):
        own = [t for t in terms if _term(t)[0] == covariate]
        own = [t for t in own if t in references] + [t for t in own if t not in references]
        categorical = any(_term(t)[1] for t in own)
        label = variable_label(covariate, context.variable_labels)
        if categorical:
            rows.append(Row(label, ("",) * 4, 0, True, (endpoint, covariate)))
        for term in own:
            cells = []
            for table, (hr_stat, p_stat) in MODELS.items():
                m = per_model[table].where(level=term)
                hr, p = m.first(statistic=hr_stat), m.first(statistic=p_stat)
                if hr is None:
                    cells += [NOT_ESTIMABLE, ""]
                elif "reference" in hr["note"]:
                    cells += [_(REFERENCE_LEVEL), ""]
                else:
                    cells.append(format_hazard_ratio(hr["value"], hr["lower"], hr["upper"], context.hr_decimals,
                                                     context.rounding))
                    cells.append("" if p is None else format_p_value(p["value"], context.p_decimals,
                                                                     rounding=context.rounding))
            row_label = (level_label(_term(term)[1], context.group_labels, variable=covariate,
                                     variable_labels=context.variable_labels) if categorical else label)
            rows.append(Row(row_label, tuple(cells), 1 if categorical else 0, False, (endpoint, term)))
    if not rows:  # no model could be fitted: one row saying so, the reason below
        rows.append(Row(_("Models of relapse"), (NOT_ESTIMABLE, "", NOT_ESTIMABLE, ""), 0, False, (endpoint, "model")))
    notes = []
    first = next((r for t, (s, _p) in MODELS.items() for r in per_model[t].where(statistic=s)
                  if not _missing(r["denominator"])), None)
    competing = next((r for t in MODELS for r in per_model[t].where(statistic="events", level="competing")), None)
    if first is not None:
        notes.append(_("{events} relapses and {competing} deaths without relapse (competing event) among {n} "
                       "patients with every covariate known.").format(
            events=format_count(first["n"]), competing=format_count(competing["value"]) if competing else "NA",
            n=format_count(first["denominator"])))
    notes += [
        _("Cause-specific HR: Cox model of relapse with deaths without relapse censored (the relapse rate among "
          "patients alive in remission). sHR: Fine-Gray subdistribution hazard ratio (the effect on the "
          "cumulative incidence of relapse; robust variance, as R cmprsk::crr)."),
        _("Both models hold all covariates together; hazard ratios of categorical covariates are relative to the "
          "level marked reference; p values are two-sided Wald tests."),
        *_reasons([r for t in MODELS for r in per_model[t]], ("hr", "shr", "cox_p", "fg_p"), context),
    ]
    variant = next((r["variant"] for t in MODELS for r in per_model[t]), "")
    title = _("Relapse with non-relapse mortality as competing event: cause-specific and subdistribution hazard "
              "ratios, {endpoint}").format(endpoint=endpoint_label(endpoint, variant, context.variable_labels))
    table = DisplayTable(f"competing_regression_{endpoint}", title, columns, tuple(rows), _("Model term"), spanning)
    return with_footnotes(table, *notes)


# ----------------------------------------------------------------------------- RMST


def rmst_table(ard, context: ReportContext) -> DisplayTable:
    """RMST (95% CI) per endpoint, overall and by group, with the two-group difference and its p."""
    sub = as_ard_index(ard).table("rmst")
    style = EstimateStyle(context.continuous_decimals, context.rounding, context.ci_level, 1.0, context.ci_separator)
    diff_style = _difference_style(context, context.continuous_decimals, 1.0)
    days = context.time_unit == "days"
    columns = ("N", (_("RMST in days ({level}% CI)") if days else _("RMST in months ({level}% CI)")).format(
        level=context.ci_level), "p")
    rows: list[Row] = []
    taus = sorted({r["time"] for r in sub if not _missing(r["time"])})
    for (endpoint, variant) in dict.fromkeys((r["variable"], r["variant"]) for r in sub):
        e = sub.where(variable=endpoint, variant=variant)
        rows.append(Row(endpoint_label(endpoint, variant, context.variable_labels), ("",) * 3, 0, True,
                        (endpoint, variant)))
        for gvar in dict.fromkeys(r["group_var"] for r in e):
            g = e.where(group_var=gvar)
            level = 1
            if gvar:
                rows.append(Row(grouping_label(gvar, context.variable_labels), ("",) * 3, 1, True,
                                (endpoint, variant, gvar)))
                level = 2
            for r in g.where(statistic="rmst"):
                label = (_("Whole cohort") if r["group"] == "Overall" else
                         level_label(r["group"], context.group_labels, variable=gvar.partition("|")[0],
                                     variable_labels=context.variable_labels))
                cell = format_estimate_ci(r["value"], r["lower"], r["upper"], style)
                rows.append(Row(label, (format_count(r["denominator"]), cell, ""), level, False,
                                (endpoint, variant, gvar, r["group"])))
            diff, p = g.first(statistic="rmst_diff"), g.first(statistic="rmst_diff_p")
            if diff is not None:
                label = _("Difference, {pair}").format(pair=_pair(diff["level"], gvar, context))
                cell = format_estimate_ci(diff["value"], diff["lower"], diff["upper"], diff_style)
                p_text = format_p_value(p["value"], context.p_decimals, rounding=context.rounding) if p else ""
                rows.append(Row(label, ("", cell, p_text), level, False, (endpoint, variant, gvar, "difference")))
    tau_text = ", ".join(format_number(t, 0 if float(t).is_integer() else 1) for t in taus)
    title = (_("Restricted mean survival time to {tau} days") if days else
             _("Restricted mean survival time to {tau} months")).format(tau=tau_text)
    notes = [
        _("RMST: restricted mean survival time, the area under the Kaplan-Meier curve from 0 to the horizon (the "
          "mean time event-free within that horizon), with R survival's variance and a normal confidence interval."),
        _("Differences are the first level minus the second, with se = sqrt(se1\u00b2 + se2\u00b2), a normal "
          "confidence interval and a two-sided Wald test."),
        *_reasons(sub, ("rmst", "rmst_diff", "rmst_diff_p"), context),
        immortal_time_warning(immortal_time_events(r["note"] for r in sub)),  # a group defined after time 0
    ]
    table = DisplayTable("rmst", title, columns, tuple(rows), _("Endpoint and group"))
    return with_footnotes(table, *notes)


# ----------------------------------------------------------------------------- survival difference


def _landmark(time: float, unit: str) -> str:
    return (_("At {n} days") if unit == "days" else _("At {n} months")).format(n=f"{time:g}")


def survival_difference_table(ard, context: ReportContext) -> DisplayTable:
    """Difference in survival (percentage points, 95% CI) and p between two groups at each landmark."""
    sub = as_ard_index(ard).table("survival_difference")
    style = _difference_style(context, context.percent_decimals, 100.0)
    times = sorted({r["time"] for r in sub if not _missing(r["time"])})
    columns, spanning = [], []
    for t in times:
        columns += [_("Difference ({level}% CI)").format(level=context.ci_level), "p"]
        spanning.append(SpanningHeader(_landmark(t, context.time_unit), 2))
    rows: list[Row] = []
    for (endpoint, variant) in dict.fromkeys((r["variable"], r["variant"]) for r in sub):
        e = sub.where(variable=endpoint, variant=variant)
        rows.append(Row(endpoint_label(endpoint, variant, context.variable_labels), ("",) * len(columns), 0, True,
                        (endpoint, variant)))
        for gvar, level in dict.fromkeys((r["group_var"], r["level"]) for r in e):
            g = e.where(group_var=gvar, level=level)
            cells = []
            for t in times:
                d, p = g.first(statistic="surv_diff", time=t), g.first(statistic="surv_diff_p", time=t)
                cells.append(NOT_ESTIMABLE if d is None else format_estimate_ci(d["value"], d["lower"], d["upper"],
                                                                                style))
                cells.append("" if p is None else format_p_value(p["value"], context.p_decimals,
                                                                 rounding=context.rounding))
            label = _("{grouping}: {pair}").format(grouping=grouping_label(gvar, context.variable_labels),
                                                   pair=_pair(level, gvar, context))
            rows.append(Row(label, tuple(cells), 1, False, (endpoint, variant, gvar)))
    notes = [
        _("Difference in Kaplan-Meier survival between the two levels of each grouping (first minus second), in "
          "percentage points, with Greenwood standard errors, a normal confidence interval and a two-sided Wald "
          "test at each landmark."),
        *_reasons(sub, ("surv_diff", "surv_diff_p"), context),
        immortal_time_warning(immortal_time_events(r["note"] for r in sub)),  # a group defined after time 0
    ]
    table = DisplayTable("survival_difference", _("Difference in survival between two groups at landmark times"),
                         tuple(columns), tuple(rows), _("Endpoint and group"), tuple(spanning))
    return with_footnotes(table, *notes)
