"""Appendix "R versus SAS conventions" (ARD section "conventions", ``blinrwe.analysis.conventions``).

One table listing, for each kind of statistic in the report, the R default, the SAS
default and what this report used, and a second table with the numbers under the
other convention wherever the two differ (medians, ties, CI transform, binomial CI,
landmarks beyond follow-up, Cox stopping rule). Kinds whose R and SAS defaults agree
(log-rank test, Greenwood variance, Gray's test) are listed as the same. Formats only.
"""

from __future__ import annotations

from blinrwe.model.i18n import _

from .ard_index import as_ard_index
from .context import ReportContext
from .disclosure import is_suppressed
from .formatting import EstimateStyle, format_estimate_ci, format_number, format_percent
from .labels import endpoint_label, level_label, variable_label
from .table_model import DisplayTable, Row

__all__ = ["conventions_tables", "CONVENTIONS"]

#: kind -> (statistic, R default, SAS default); English is the message id (locale/zh/cost.toml).
CONVENTIONS = {
    "median_rule": ("Kaplan-Meier median and its CI",
                    "quantile.survfit: first time S(t) <= 0.5 (midpoint of a flat segment at 0.5)",
                    "PROC LIFETEST: smallest event time with S(t) < 0.5 (midpoint when S = 0.5 exactly)"),
    "ci_transform": ("Pointwise CI of survival rates", "log (conf.type = \"log\")", "log-log (CONFTYPE=LOGLOG)"),
    "landmark_beyond": ("Survival rate at a landmark beyond the last follow-up",
                        "last estimate carried forward (summary.survfit, extend = TRUE)",
                        "missing (TIMELIST prints a dot)"),
    "binomial_ci": ("CI of a response rate", "exact Clopper-Pearson (binom.test)",
                    "Wald asymptotic limits (PROC FREQ BINOMIAL; exact limits printed beside them)"),
    "cox_ties": ("Cox model: tied event times", "Efron approximation (coxph ties = \"efron\")",
                 "Breslow (PROC PHREG TIES=BRESLOW)"),
    "cox_convergence": ("Cox model: when the fit stops",
                        "relative change of the log likelihood <= 1e-9 (coxph.control)",
                        "relative gradient criterion GCONV = 1e-8 (PROC PHREG)"),
}
#: Kinds with the same default in both (listed for completeness, no second number).
SAME = (
    ("Log-rank test of survival curves", "survdiff", "PROC LIFETEST STRATA (log-rank)"),
    ("Standard error of survival rates", "Greenwood formula", "Greenwood formula"),
    ("Gray's test of cumulative incidence", "cmprsk::cuminc", "PROC LIFETEST EVENTCODE= (Gray's test)"),
)
USED_TEXT = {
    "log-log": "log-log transform", "log": "log transform", "plain": "plain (linear) interval",
    "arcsine": "arcsine-square-root transform",
    "ne": "not estimable (NE), as SAS", "clopper-pearson": "exact Clopper-Pearson, as R",
    "efron": "Efron, as R", "breslow": "Breslow, as SAS", "phreg_gconv": "GCONV = 1e-8, as SAS PHREG",
}
#: How the used convention of the rule kinds reads ("r" names R's rule there).
_USED_RULE = {("median_rule", "r"): "R quantile.survfit rule", ("cox_convergence", "r"): "R coxph rule"}


def _item(kind: str, rec: dict, context: ReportContext) -> str:
    item = str(rec["level"])
    if kind in ("median_rule", "ci_transform", "landmark_beyond"):
        label = endpoint_label(item)
        if rec.get("time") == rec.get("time"):  # a landmark
            text = _("{endpoint} at {time} months") if context.time_unit == "months" else _("{endpoint} at {time} days")
            label = text.format(endpoint=label, time=format_number(rec["time"], 0))
        return label
    if kind in ("cox_ties", "cox_convergence"):
        endpoint = endpoint_label(str(rec["group_var"]))
        term, _sep, level = item.partition("[")
        name = variable_label(term, context.variable_labels)
        return f"{endpoint}: {name}" + (f" = {level_label(level.rstrip(']'), context.group_labels, variable=term)}"
                                        if level else "")
    return level_label(item, context.group_labels)


def _number(kind: str, rec: dict, context: ReportContext) -> str:
    style = EstimateStyle(decimals=context.continuous_decimals, rounding=context.rounding, level=context.ci_level,
                          separator=context.ci_separator)
    if is_suppressed(rec.get("n")) or is_suppressed(rec.get("denominator")):
        return str(rec["n"] if is_suppressed(rec.get("n")) else rec["denominator"])  # a rate would reveal it
    if kind in ("ci_transform", "landmark_beyond", "binomial_ci"):
        pct = EstimateStyle(decimals=context.percent_decimals, rounding=context.rounding, level=context.ci_level,
                            separator=context.ci_separator, scale=100.0)
        return format_estimate_ci(rec["value"], rec["lower"], rec["upper"], pct)
    if kind == "median_rule":
        token = "NR" if "not_reached" in str(rec["note"]) else None
        return format_estimate_ci(rec["value"], rec["lower"], rec["upper"], style, point_token=token)
    if kind == "cox_ties":
        hr = EstimateStyle(decimals=max(context.hr_decimals, 3), rounding=context.rounding, level=context.ci_level,
                           separator=context.ci_separator)
        return format_estimate_ci(rec["value"], rec["lower"], rec["upper"], hr)
    if kind == "cox_convergence":  # the digits where the two stopping rules differ
        return _("{coef} ({n} iterations)").format(coef=format_number(rec["value"], 7, "half_up"),
                                                    n=format_number(rec["n"], 0))
    return format_percent(rec["value"], context.percent_decimals, context.rounding)


def conventions_tables(ard, context: ReportContext) -> tuple[DisplayTable, ...]:
    """The two appendix tables (none without the ARD rows of section "conventions")."""
    rows = as_ard_index(ard).table("conventions")
    if not len(rows):
        return ()
    columns = (_("R default"), _("SAS default"), _("Used in this report"))
    listed = []
    for kind, (what, r_default, sas_default) in CONVENTIONS.items():
        used = rows.first(variable=kind, statistic="convention")
        if used is None:
            continue
        code = str(used["level"])
        text = _USED_RULE.get((kind, code), USED_TEXT.get(code, code))
        listed.append(Row(_(what), (_(r_default), _(sas_default), _(text)), key=(kind, "convention")))
    for what, r_default, sas_default in SAME:
        listed.append(Row(_(what), (_(r_default), _(sas_default), _("the same in both")), key=(what, "same")))
    first = DisplayTable("conventions", _("R and SAS defaults, and what this report used"), columns, tuple(listed),
                         stub_header=_("Kind of statistic"))
    numbers = []
    for kind, (what, _r, _s) in CONVENTIONS.items():
        reported = rows.where(variable=kind, statistic="as_reported")
        other = rows.where(variable=kind, statistic="other_convention")
        if not len(reported):
            continue
        numbers.append(Row(_(what), ("", ""), is_heading=True, key=(kind, "heading")))
        for a, b in zip(reported, other):
            numbers.append(Row(_item(kind, a, context), (_number(kind, a, context), _number(kind, b, context)),
                               level=1, key=(kind, str(a["level"]), a["time"] if a["time"] == a["time"] else None)))
    tables = [first]
    if numbers:
        tables.append(DisplayTable(
            "conventions_numbers", _("Numbers of this report under the other convention"),
            (_("As reported"), _("Under the other convention")), tuple(numbers), stub_header=_("Kind of statistic"),
            footnotes=(_("The other convention is SAS's where the report follows R, and R's where it follows SAS; "
                         "computed from the same data by the same functions with the other option."),
                       _("Cox coefficients are printed to 7 decimals, with the Newton-Raphson iterations: the two "
                         "stopping rules differ in the 4th-6th digit (R's usually takes one more step)."))))
    return tuple(tables)
