"""Display tables built from the ARD (blinrwe.analysis.ard): the tables a journal prints.

Nothing here computes a statistic: every printed number is an ARD row's
``value``/``lower``/``upper``/``n``/``denominator`` (only "n (%)" divides n by the
row's own denominator when the ARD carries no ``pct`` row for it). How each
table reads the ARD:

========================  ==========================================================
table id(s)               rows used
========================  ==========================================================
table1, exposure,         continuous variables: ``median``/``min``/``max``,
patterns (descriptive)    ``mean``/``sd``, ``missing``; categorical variables:
                          ``n`` per ``level`` (value = count, denominator = N),
                          optional ``pct`` (percent 0-100), ``missing``;
                          ``not_applicable`` (patients the variable does not
                          apply to); ``test_p`` (group_var set, group "") -> p
                          column; ``N`` (value = patients) -> header "N = x";
                          note "integer" -> median (range) without decimals;
                          note "not_applicable" -> NA in that column; a
                          variable whose levels are only "yes"/"no" prints
                          one row, "<label>, n (%)", from its "yes" rows
response                  ``proportion`` (value, lower, upper as fractions 0-1,
                          n = responders, denominator = evaluable patients);
                          ``n`` per level (best-response distribution)
survival (+ followup)     ``events`` (n = events, denominator = N), ``km_median``
                          (note "not_reached" -> NR), ``km_rate`` per ``time``
                          (fractions; note "beyond_follow_up" -> NE), ``km_se``
                          (with show_se, in the rate's cell: "64.2 ± 12.1 (95% CI
                          ...)"), ``logrank_p``/``trend_p`` (group ""),
                          ``followup_median``
cox_univariable,          ``hr`` (value, lower, upper; note "reference" or
cox_multivariable         value 1 with no CI -> "1 (reference)"), ``cox_p``
cox_subgroups             ``hr`` per group_var (subgroup variable) x group (level
                          compared), level = reference level, n/denominator =
                          events/patients; ``cox_p``
competing_risks           ``events``, ``cif`` per ``time`` (fractions), ``gray_p``
safety                    ``grade_any``, ``grade_1_2``, ``grade_3plus`` (value =
                          patients, denominator = N); term "any" = any AE
========================  ==========================================================

Columns follow the groups in ARD order, "Overall" first. Footnotes state the
methods from the ARD ``method`` column, the denominators and the abbreviations,
and why each printed NE could not be estimated (the reason of the ARD note
"not_estimable: <reason>", written by the analysis layer).
"""

from __future__ import annotations

import math
from typing import Iterable

import pandas as pd

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.model.i18n import _

from .analysis_text import analysis_text
from .ard_index import ArdRows, as_ard_index
from .caveats import immortal_time_events, immortal_time_warning, time_origin_note
from .context import ReportContext
from .disclosure import is_suppressed
from .formatting import (
    NOT_APPLICABLE,
    NOT_ESTIMABLE,
    NOT_REACHED,
    REFERENCE_LEVEL,
    EstimateStyle,
    format_count,
    format_estimate_ci,
    format_fraction_percent,
    format_hazard_ratio,
    format_interval,
    format_mean_sd,
    format_median_range,
    format_n_percent,
    format_number,
    format_p_value,
)
from .labels import (
    ENDPOINT_LABELS,
    MRD_DENOMINATOR_LABELS,
    RESPONSE_WINDOW_LABELS,
    abbreviations_in,
    by_variable,
    endpoint_label,
    in_sentence,
    level_label,
    method_text,
    ordered_levels,
    variable_label,
    variant_label,
)
from .table_model import DisplayTable, Row, SpanningHeader, with_footnotes

OVERALL = "Overall"
_CONTINUOUS_STATS = {"median", "mean", "sd", "min", "max", "q1", "q3"}
_TEST_STATS = ("test_p", "logrank_p", "trend_p", "gray_p")
_YES_NO = {"yes", "no"}  # ARD levels of a yes/no variable (analysis/levels.py)


# ----------------------------------------------------------------------------- helpers


def _ordered_unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _has_note(row, flag: str) -> bool:
    note = row.get("note") if row is not None else None
    return isinstance(note, str) and flag in note


def _by(rows: ArdRows, *columns: str) -> dict:
    """``rows`` split by one column (keys are its values) or several (keys are tuples), in
    one pass, groups in order of first appearance."""
    out: dict = {}
    for r in rows:
        key = r[columns[0]] if len(columns) == 1 else tuple(r[c] for c in columns)
        out.setdefault(key, []).append(r)
    return {k: ArdRows(v) for k, v in out.items()}


def _group_columns(sub: ArdRows) -> list[tuple[str, str]]:
    """(group_var, group) pairs of the table's columns: Overall first, then groups in ARD order."""
    pairs = [p for p in sub.unique_pairs("group_var", "group") if p[1]]
    overall = [p for p in pairs if p[1] == OVERALL]
    return overall[:1] + [p for p in pairs if p[1] != OVERALL]


def _group_sizes(sub: ArdRows) -> dict[tuple[str, str], float]:
    """Patients per column: the ``N`` row, else the largest denominator in the column."""
    sizes: dict[tuple[str, str], float] = {}
    from_n: set = set()
    for r in sub:
        pair = (r["group_var"], r["group"])
        if r["statistic"] == "N":
            if pair not in from_n:
                sizes[pair] = r["value"]
                from_n.add(pair)
        elif pair not in from_n and not _missing(r["denominator"]):
            current = sizes.get(pair)
            sizes[pair] = r["denominator"] if current is None or _missing(current) else max(current, r["denominator"])
    return sizes


def _column_header(sizes: dict, pair: tuple[str, str], context: ReportContext) -> str:
    n = sizes.get(pair, float("nan"))
    label = level_label(pair[1], context.group_labels, variable=pair[0], variable_labels=context.variable_labels)
    return label if _missing(n) and not is_suppressed(n) else _("{label} (N = {n})").format(label=label, n=format_count(n))


def _methods_note(rows: ArdRows, statistics: Iterable[str], prefix: str) -> str:
    wanted = set(statistics)
    methods = _ordered_unique(analysis_text(method_text(r["method"])) for r in rows if r["statistic"] in wanted and r["method"])
    return _("{what}: {methods}.").format(what=_(prefix), methods=_("; ").join(methods)) if methods else ""


def _p_cell(rows: ArdRows, statistic: str, context: ReportContext) -> str:
    row = rows.first(statistic=statistic)
    if row is None:
        return ""
    # NE for a test that could not be done (e.g. one group only), never a blank or "nan"
    return format_p_value(row["value"], context.p_decimals, rounding=context.rounding)


def _not_estimable_notes(rows: ArdRows, statistics: Iterable[str]) -> list[str]:
    """One footnote per distinct reason a printed statistic is NE ("NE: no events in level yes of
    cns_involvement (hazard ratio not estimable)."), read from the ARD note the analysis wrote."""
    wanted = set(statistics)
    reasons = _ordered_unique(not_estimable_reason(r["note"]) for r in rows if r["statistic"] in wanted)
    return [_("NE: {reason}.").format(reason=analysis_text(reason.rstrip("."))) for reason in reasons if reason]


def _test_rows(sub: ArdRows, variable: str, statistics=_TEST_STATS) -> ArdRows:
    """Between-group test rows of ``variable`` (group "" in the ARD)."""
    return sub.where(variable=variable, statistic=set(statistics), group="")


def _finish(table: DisplayTable, extra_notes: Iterable[str] = ()) -> DisplayTable:
    extra_notes = list(extra_notes)
    texts = [table.title, *table.columns, *(r.label for r in table.rows), *(c for r in table.rows for c in r.cells), *extra_notes]
    explained = {"NR", "NE", "NA"} if any(_("NR, median not reached") in n for n in extra_notes) else set()
    return with_footnotes(table, *extra_notes, abbreviations_in(texts, explained))


def _landmark_label(time: float, unit: str) -> str:
    """"1-year", "6-month", "day 100" for a landmark time in ``unit``."""
    if unit == "months" and time >= 12 and float(time) % 12 == 0:
        return _("{n}-year").format(n=format_number(time / 12, 0))
    if unit == "months":
        return _("{n}-month").format(n=f"{time:g}")
    return _("Day {n}").format(n=f"{time:g}")


# ----------------------------------------------------------------------------- descriptive


def descriptive_table(ard, table_id: str, title: str, context: ReportContext) -> DisplayTable:
    """Baseline-style table: continuous variables as median (range) and mean (SD),
    categorical variables as n (%), missing counts, and the between-group test p
    (Table 1 of seed 001; exposure; treatment patterns).

    ``ard`` is the ARD DataFrame or an :class:`~blinrwe.report.ard_index.ArdIndex` of it."""
    index = as_ard_index(ard)
    sub = index.table(table_id)
    pairs = _group_columns(sub)
    sizes = _group_sizes(sub)
    columns = [_column_header(sizes, p, context) for p in pairs]
    has_p = sub.has(statistic="test_p")
    if has_p:
        columns.append("p")
    pct = dict(decimals=context.percent_decimals, rounding=context.rounding)
    num = dict(decimals=context.continuous_decimals, rounding=context.rounding)
    rows: list[Row] = []
    any_partial_denominator = False
    unrecorded: list[str] = []  # columns of the template left empty for every patient: named once, not tabled

    def blank():
        return [""] * len(columns)

    for variable, v in _by(sub, "variable").items():
        if all(r["statistic"] == "N" for r in v):
            continue
        if not any(r["statistic"] in _CONTINUOUS_STATS or (r["statistic"] == "n" and r["level"]) for r in v):
            unrecorded.append(variable_label(variable, context.variable_labels))
            continue
        p = _p_cell(_test_rows(v, variable, ("test_p",)), "test_p", context) if has_p else None
        label = variable_label(variable, context.variable_labels)
        levels = ordered_levels(lv for lv in _ordered_unique(r["level"] for r in v if r["statistic"] == "n") if lv)
        integer = any(_has_note(r, "integer") for r in v)
        # (group_var, group, level, statistic) -> record, first wins as in ARD order
        cell: dict[tuple, dict] = {}
        for r in v:
            cell.setdefault((r["group_var"], r["group"], r["level"], r["statistic"]), r)
        # columns where the variable does not apply (e.g. relapse number among newly diagnosed patients)
        not_applicable = {(r["group_var"], r["group"]) for r in v if _has_note(r, "not_applicable") and r["statistic"] in ("missing", "n", "pct")}
        if not levels and any(r["statistic"] in _CONTINUOUS_STATS for r in v):
            heading = blank()
            if has_p:
                heading[-1] = p
            rows.append(Row(label, tuple(heading), 0, True, (variable,)))
            for spec in ("median_range", "mean_sd"):
                cells = blank()
                for i, (gv, g) in enumerate(pairs):
                    s = {stat: rec["value"] for (cgv, cg, _, stat), rec in cell.items() if cgv == gv and cg == g}
                    if spec == "median_range" and "median" in s:
                        cells[i] = format_median_range(s["median"], s.get("min"), s.get("max"), integer=integer, **num)
                    elif spec == "mean_sd" and "mean" in s:
                        cells[i] = format_mean_sd(s["mean"], s.get("sd"), **num)
                    elif (gv, g) in not_applicable:
                        cells[i] = NOT_APPLICABLE
                if any(c and c != NOT_APPLICABLE for c in cells):
                    rows.append(Row(_("Median (range)") if spec == "median_range" else _("Mean (SD)"), tuple(cells), 1, False, (variable, "", spec)))
        else:
            def level_cells(level):
                nonlocal any_partial_denominator
                cells = blank()
                for i, (gv, g) in enumerate(pairs):
                    n_row = cell.get((gv, g, level, "n"))
                    pct_row = cell.get((gv, g, level, "pct"))
                    if _has_note(n_row, "not_applicable") or _has_note(pct_row, "not_applicable"):
                        cells[i] = NOT_APPLICABLE
                        continue
                    if n_row is None:
                        cells[i] = "0"
                        continue
                    fraction = None if pct_row is None or _missing(pct_row["value"]) else pct_row["value"] / 100
                    cells[i] = format_n_percent(n_row["value"], n_row["denominator"], fraction=fraction, **pct)
                    group_n = sizes.get((gv, g), float("nan"))
                    if not _missing(n_row["denominator"]) and not _missing(group_n) and n_row["denominator"] < group_n:
                        any_partial_denominator = True
                return cells

            if levels and set(levels) <= _YES_NO:
                # A yes/no variable on one row, the patients with "yes" (journal layout); the test of
                # the yes/no table stays on the row, missing counts follow as for any variable.
                cells = level_cells("yes")
                if has_p:
                    cells[-1] = p
                rows.append(Row(_("{label}, n (%)").format(label=label), tuple(cells), 0, False, (variable, "yes", "n")))
            else:
                heading = blank()
                if has_p:
                    heading[-1] = p
                rows.append(Row(_("{label}, n (%)").format(label=label), tuple(heading), 0, True, (variable,)))
                for level in levels:
                    rows.append(Row(level_label(level, context.group_labels, variable=variable, variable_labels=context.variable_labels), tuple(level_cells(level)), 1, False,
                                    (variable, level, "n")))
        missing = v.where(statistic="missing")
        if any(is_suppressed(m["value"]) or (not _missing(m["value"]) and m["value"] > 0) for m in missing):
            cells = blank()
            for i, (gv, g) in enumerate(pairs):
                m = missing.first(group_var=gv, group=g)
                cells[i] = (NOT_APPLICABLE if m is not None and _has_note(m, "not_applicable")
                            else "0" if m is None else format_count(m["value"]))
            rows.append(Row(_("Missing, n"), tuple(cells), 1, False, (variable, "", "missing")))
        inapplicable = v.where(statistic="not_applicable")
        if any(is_suppressed(m["value"]) or (not _missing(m["value"]) and m["value"] > 0) for m in inapplicable):
            cells = blank()
            for i, (gv, g) in enumerate(pairs):
                m = inapplicable.first(group_var=gv, group=g)
                cells[i] = "0" if m is None else format_count(m["value"])
            rows.append(Row(_("Not applicable, n"), tuple(cells), 1, False, (variable, "", "not_applicable")))

    notes = []
    if any_partial_denominator:
        notes.append(_("Percentages are of patients with a recorded value; missing values are counted separately."))
    if any(r.key[-1:] == ("not_applicable",) or NOT_APPLICABLE in r.cells for r in rows):
        notes.append(_("NA, not applicable (the characteristic does not apply to these patients, e.g. relapse number "
                       "in newly diagnosed patients); they are counted in 'Not applicable' and excluded from percentages."))
    if unrecorded:
        notes.append(_("Not recorded for any patient: {variables}.").format(
            variables=_(", ").join(in_sentence(label) for label in unrecorded)))
    notes.append(_methods_note(sub, ["test_p"], "p values"))
    notes += _not_estimable_notes(sub, ["test_p"]) if has_p else []
    table = DisplayTable(table_id, title, tuple(columns), tuple(rows), stub_header=_("Characteristic"))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- response


def _window_and_denominator(level: str) -> tuple[str, str]:
    """ARD response levels read "<window>" or "<window>|<denominator>" (analysis/response.py)."""
    window, _sep, denominator = str(level or "").partition("|")
    return window, denominator


def response_table(ard, context: ReportContext, table_id: str = "response", title: str | None = None,
                   group_var: str | None = None) -> DisplayTable:
    """Response rates as n/N (%) with the exact (Clopper-Pearson) CI per group, by assessment
    window (within 2 cycles, 12 weeks, overall), MRD negativity with each denominator
    named (seed 001 Table 2: "87.2% (41/47) within 2 cycles", seed 003 section 3.2).

    ``group_var`` keeps the whole cohort and the groups of that variable only (a table per
    grouping stays readable; every grouping side by side would not fit a page)."""
    sub = as_ard_index(ard).table(table_id)
    if group_var is not None:  # the whole cohort and the groups of one grouping variable
        sub = ArdRows(r for r in sub if r["group_var"] in ("", group_var))
    pairs = _group_columns(sub)
    sizes = _group_sizes(sub)
    spanning, columns = [], []
    for pair in pairs:
        spanning.append(SpanningHeader(_column_header(sizes, pair, context), 2))
        columns += ["n/N (%)", _("{level}% CI").format(level=context.ci_level)]
    style = EstimateStyle(context.percent_decimals, context.rounding, context.ci_level, 100.0, context.ci_separator)
    rows: list[Row] = []
    shown = sub.where(statistic={"proportion", "n"})
    # populations the analysis named (overt disease, in CR at start): their words, with the defining setting
    named = {r["variable"]: r["method"] for r in sub if r["statistic"] == "population" and r["method"]}
    levels = shown.unique("level")
    windows = _ordered_unique(_window_and_denominator(lv)[0] for lv in levels)
    for window in windows:
        in_window = {lv for lv in levels if _window_and_denominator(lv)[0] == window}
        if window:
            heading = _(RESPONSE_WINDOW_LABELS[window]) if window in RESPONSE_WINDOW_LABELS else level_label(window)
            rows.append(Row(heading, tuple([""] * len(columns)), 0, True, (window,)))
        w = sub.where(level=in_window)
        for (variable, level), v in _by(w, "variable", "level").items():
            _window, denominator = _window_and_denominator(level)
            label = variable_label(variable, context.variable_labels)
            if denominator:
                of = (analysis_text(named[denominator]) if named.get(denominator)
                      else _(MRD_DENOMINATOR_LABELS[denominator]) if denominator in MRD_DENOMINATOR_LABELS
                      else level_label(denominator).lower())
                label = _("{label} (of {denominator})").format(label=label, denominator=of)
            indent = 1 if window else 0
            if v.has(statistic="proportion"):
                cells = []
                for gv, g in pairs:
                    r = v.first(group_var=gv, group=g, statistic="proportion")
                    if r is None:
                        cells += [NOT_APPLICABLE, ""]
                        continue
                    cells.append(format_fraction_percent(r["n"], r["denominator"], fraction=r["value"], decimals=style.decimals, rounding=style.rounding))
                    cells.append(format_interval(r["lower"], r["upper"], style.decimals, style.rounding, 100.0, style.separator))
                rows.append(Row(label, tuple(cells), indent, False, (variable, level, "proportion")))
            elif v.has(statistic="n"):
                cells = []
                for gv, g in pairs:
                    r = v.first(group_var=gv, group=g, statistic="n")
                    cells += [NOT_APPLICABLE if r is None else format_count(r["value"]), ""]
                rows.append(Row(_("{label}, n").format(label=label), tuple(cells), indent, False, (variable, level, "n")))
    notes = [
        _("n/N: patients with the response / patients in the denominator named in the row (no name: all patients "
          "in the column)."),
        _methods_note(sub, ["proportion"], "Confidence intervals"),
        *_not_estimable_notes(sub, ["proportion"]),
    ]
    table = DisplayTable(table_id, title or _("Response to blinatumomab"), tuple(columns), tuple(rows), _("Response"), tuple(spanning))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- survival


def _survival_cells(rows: ArdRows, context: ReportContext) -> dict:
    """Formatted cells of one endpoint x variant x group, keyed like the table rows."""
    style = EstimateStyle(context.continuous_decimals, context.rounding, context.ci_level, 1.0, context.ci_separator)
    rate_style = EstimateStyle(context.percent_decimals, context.rounding, context.ci_level, 100.0, context.ci_separator)
    out: dict = {}
    events = rows.first(statistic="events")
    if events is not None:
        n_events = events["n"] if not _missing(events["n"]) else events["value"]
        out[("events",)] = f"{format_count(n_events)}/{format_count(events['denominator'])}"
    median = rows.first(statistic="km_median")
    if median is not None:
        token = NOT_REACHED if (_has_note(median, "not_reached") or (_missing(median["value"]) and _has_note(median, "not reached"))) else None
        out[("km_median",)] = format_estimate_ci(median["value"], median["lower"], median["upper"], style, token)
    se_at = {float(r["time"]): r["value"] for r in rows.where(statistic="km_se")} if context.show_se else {}
    for r in rows.where(statistic="km_rate"):
        token = NOT_ESTIMABLE if _has_note(r, "beyond_follow_up") else None
        out[("km_rate", float(r["time"]))] = format_estimate_ci(r["value"], r["lower"], r["upper"], rate_style, token,
                                                                se=se_at.get(float(r["time"])))
    follow = rows.first(statistic="followup_median")
    if follow is not None:
        has_ci = not (_missing(follow["lower"]) and _missing(follow["upper"]))
        out[("followup_median",)] = (
            format_estimate_ci(follow["value"], follow["lower"], follow["upper"], style) if has_ci
            else format_number(follow["value"], context.continuous_decimals, context.rounding)
        )
    simple = rows.first(statistic="followup_simple_median")
    if simple is not None:
        out[("followup_simple_median",)] = format_number(simple["value"], context.continuous_decimals, context.rounding)
    return out


def _survival_row_specs(sub: ArdRows, context: ReportContext) -> list[tuple[tuple, str]]:
    unit = context.time_unit
    shown_unit = _(unit)
    specs = [(("followup_median",), _("Median follow-up (reverse Kaplan-Meier), {unit} (95% CI)").format(unit=shown_unit)),
             (("followup_simple_median",), _("Median observation time, {unit}").format(unit=shown_unit)),
             (("events",), _("Events/N")),
             (("km_median",), _("Median, {unit} (95% CI)").format(unit=shown_unit))]
    rate = _("% \u00b1 SE (95% CI)") if context.show_se else _("% (95% CI)")
    for t in sorted({r["time"] for r in sub if r["statistic"] == "km_rate" and not _missing(r["time"])}):
        specs.append((("km_rate", float(t)), _("{landmark} rate, {rate}").format(landmark=_landmark_label(t, unit), rate=rate)))
    return specs


def _time_caveats(index, sub: ArdRows, by_endpoint: dict) -> list[str]:
    """Footnotes on time 0 of the table's endpoints (their ``time_origin`` rows) and, for a comparison
    by a group defined after the first infusion, the immortal-time warning."""
    endpoints = {e for e, _ in by_endpoint}
    origins = {r["variable"]: r["level"] for r in index.where(statistic="time_origin")
               if r["variable"] in endpoints and r["level"]}
    return [time_origin_note(origins), immortal_time_warning(immortal_time_events(r["note"] for r in sub))]


def survival_table(ard, context: ReportContext, group_var: str = "", title: str | None = None) -> DisplayTable:
    """Kaplan-Meier summary per endpoint and censoring variant: events/N, median (95% CI),
    landmark rates (95% CI) [+/- SE], with the log-rank p when groups are compared
    (seed 001 Table 2, seed 003 section 3.4)."""
    sub = as_ard_index(ard).where(section={"survival", "followup"}, group_var=group_var)
    pairs = _group_columns(sub)
    events_rows = sub.where(statistic="events")
    sizes = _group_sizes(events_rows if len(events_rows) else sub)
    columns = [_column_header(sizes, p, context) for p in pairs]
    has_p = group_var != "" and sub.has(statistic={"logrank_p", "trend_p"})
    if has_p:
        columns.append(_("Log-rank p"))
    has_trend = has_p and sub.has(statistic="logrank_p") and sub.has(statistic="trend_p")  # [survival] trend
    if has_trend:
        columns.append(_("Trend p"))
    specs = _survival_row_specs(sub, context)
    rows: list[Row] = []
    by_endpoint = _by(sub, "variable", "variant")
    for (endpoint, variant), e in by_endpoint.items():
        by_group = _by(e, "group")
        per_group = [_survival_cells(by_group.get(g, ArdRows()), context) for _, g in pairs]
        heading = [""] * len(columns)
        if has_p:
            heading[len(pairs)] = _p_cell(e, "logrank_p", context) or _p_cell(e, "trend_p", context)
        if has_trend:
            heading[-1] = _p_cell(e, "trend_p", context)
        rows.append(Row(endpoint_label(endpoint, variant, context.variable_labels), tuple(heading), 0, True, (endpoint, variant)))
        for key, label in specs:
            if not any(key in cells for cells in per_group):
                continue
            cells = [cells.get(key, NOT_APPLICABLE) for cells in per_group] + [""] * (has_p + has_trend)
            rows.append(Row(label, tuple(cells), 1, False, (endpoint, variant, *key)))
    title = title or (_("Time-to-event outcomes") if not group_var else
                      _("Time-to-event outcomes {by}").format(by=by_variable(group_var, context.variable_labels)))
    table_id = "survival" if not group_var else f"survival_by_{group_var.replace('|', '_among_')}"
    notes = [
        *_time_caveats(as_ard_index(ard), sub, by_endpoint),
        _("NR, median not reached; NE, not estimable (a bound or a landmark beyond follow-up)."),
        _methods_note(sub, ["km_median"], "Medians"),
        _methods_note(sub, ["km_rate"], "Landmark rates"),
        _methods_note(sub, ["followup_median"], "Follow-up"),
        _methods_note(sub, ["logrank_p", "trend_p"], "p values"),
        _("Landmark rates are shown \u00b1 their Greenwood standard error.") if context.show_se else "",
        *_not_estimable_notes(sub, ["km_median", "km_rate", "followup_median", *(["logrank_p", "trend_p"] if has_p else [])]),
    ]
    table = DisplayTable(table_id, title, tuple(columns), tuple(rows), _("Endpoint"))
    return _finish(table, notes)


def censoring_variants_table(ard, context: ReportContext, group: str = OVERALL) -> DisplayTable:
    """The same endpoint under its censoring variants side by side (e.g. EFS not censored
    vs censored at allo-HSCT/CAR-T, seed 001), whole cohort."""
    sub = as_ard_index(ard).where(section="survival", group=group, group_var="")
    by_endpoint = _by(sub, "variable")
    multi = {e: rows.unique("variant") for e, rows in by_endpoint.items() if len(rows.unique("variant")) > 1}
    variants = _ordered_unique(v for vs in multi.values() for v in vs)
    columns = [variant_label(v, context.variable_labels) for v in variants]
    specs = _survival_row_specs(sub, context)
    rows: list[Row] = []
    for endpoint, endpoint_variants in multi.items():
        e = _by(by_endpoint[endpoint], "variant")
        per_variant = [_survival_cells(e[v], context) if v in endpoint_variants else {} for v in variants]
        rows.append(Row(endpoint_label(endpoint, "", context.variable_labels), tuple([""] * len(columns)), 0, True, (endpoint,)))
        for key, label in specs:
            if not any(key in cells for cells in per_variant):
                continue
            rows.append(Row(label, tuple(c.get(key, NOT_APPLICABLE) for c in per_variant), 1, False, (endpoint, *key)))
    table = DisplayTable("censoring_variants", _("Sensitivity of time-to-event outcomes to censoring rules"), tuple(columns),
                         tuple(rows), _("Endpoint"))
    return _finish(table, [_("Each column is one censoring rule applied to the whole cohort."), _("NR, median not reached; NE, not estimable."),
                           *_not_estimable_notes(sub, ["km_median", "km_rate"])])


# ----------------------------------------------------------------------------- Cox


def _cox_term(term: str) -> tuple[str, str]:
    """ "disease_setting[relapsed_refractory]" -> ("disease_setting", "relapsed_refractory"); "age" -> ("age", "")."""
    name, bracket, rest = str(term).partition("[")
    return name, rest.rstrip("]") if bracket else ""


def cox_tables(ard, context: ReportContext) -> list[DisplayTable]:
    """One hazard-ratio table per endpoint of the Cox rows (ARD: variable = endpoint,
    level = model term, as in analysis/regression.py)."""
    index = as_ard_index(ard)
    sub = index.tables(["cox_univariable", "cox_multivariable"])
    return [cox_table(index, context, endpoint) for endpoint in sub.where(statistic="hr").unique("variable")]


def cox_table(ard, context: ReportContext, endpoint: str, title: str | None = None) -> DisplayTable:
    """Univariable and multivariable hazard ratios side by side (HR (95% CI), p) for one endpoint.

    A categorical covariate prints as a heading with one row per non-reference level;
    a row marked "reference" in the ARD note prints "1 (reference)"."""
    index = as_ard_index(ard)
    per_model = {t: index.table(t).where(variable=endpoint) for t in ("cox_univariable", "cox_multivariable")}
    models = [t for t, rows in per_model.items() if len(rows)]
    sub = ArdRows(r for t in models for r in per_model[t])
    spanning = [SpanningHeader(_("Univariable") if m == "cox_univariable" else _("Multivariable"), 2) for m in models]
    columns = []
    for _model in models:
        columns += [_("HR ({level}% CI)").format(level=context.ci_level), "p"]
    rows: list[Row] = []
    terms = [t for t in sub.where(statistic="hr").unique("level") if t and t != "GLOBAL"]
    covariates = _ordered_unique(_cox_term(t)[0] for t in terms)
    reference_terms = {r["level"] for r in sub.where(statistic="hr") if _has_note(r, "reference")}
    for covariate in covariates:
        own = [t for t in terms if _cox_term(t)[0] == covariate]
        own = [t for t in own if t in reference_terms] + [t for t in own if t not in reference_terms]  # reference first
        categorical = any(_cox_term(t)[1] for t in own)
        label = variable_label(covariate, context.variable_labels)
        if categorical:
            rows.append(Row(label, tuple([""] * len(columns)), 0, True, (endpoint, covariate)))
        for term in own:
            cells = []
            for model in models:
                m = per_model[model].where(level=term)
                hr = m.first(statistic="hr")
                p = m.first(statistic="cox_p")
                if hr is None:
                    cells += ["", ""]
                elif _has_note(hr, "reference"):
                    cells += [_(REFERENCE_LEVEL), ""]
                else:
                    cells.append(format_hazard_ratio(hr["value"], hr["lower"], hr["upper"], context.hr_decimals, context.rounding))
                    cells.append("" if p is None else format_p_value(p["value"], context.p_decimals, rounding=context.rounding))
            level = _cox_term(term)[1]
            row_label = level_label(level, context.group_labels, variable=covariate, variable_labels=context.variable_labels) if categorical else label
            rows.append(Row(row_label, tuple(cells), 1 if categorical else 0, False, (endpoint, term)))
    events = sub.first(statistic="hr")
    notes = [_methods_note(sub, ["hr"], "Hazard ratios"), _methods_note(sub, ["cox_p"], "p values"),
             *_not_estimable_notes(sub, ["hr", "cox_p"])]
    if events is not None and not _missing(events["n"]):
        notes.insert(0, _("{events} events among {patients} patients.").format(
            events=format_count(events["n"]), patients=format_count(events["denominator"])))
    if reference_terms:
        notes.append(_("Hazard ratios of categorical covariates are relative to the level marked reference."))
    else:
        notes.append(_("Hazard ratios of categorical covariates are relative to the first level (reference), which is not shown."))
    variant = sub[0]["variant"] if len(sub) else ""
    table = DisplayTable(f"cox_{endpoint}", _("{title}: {endpoint}").format(
                             title=title or _("Cox proportional hazards regression"), endpoint=endpoint_label(endpoint, variant or "", context.variable_labels)),
                         tuple(columns), tuple(rows), _("Variable"), tuple(spanning))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- competing risks


def competing_risks_table(ard, context: ReportContext, group_var: str = "") -> DisplayTable:
    """Cumulative incidence (Aalen-Johansen) at landmarks with 95% CI per group and Gray's test p."""
    sub = as_ard_index(ard).table("competing_risks").where(group_var=group_var)
    pairs = _group_columns(sub)
    sizes = _group_sizes(sub)
    columns = [_column_header(sizes, p, context) for p in pairs]
    has_p = sub.has(statistic="gray_p")
    if has_p:
        columns.append(_("Gray's test p"))
    style = EstimateStyle(context.percent_decimals, context.rounding, context.ci_level, 100.0, context.ci_separator)
    rows: list[Row] = []
    keyed = ArdRows(r for r in sub if r["statistic"] not in ("N", "time_origin"))
    for (variable, variant), v in _by(keyed, "variable", "variant").items():
        heading = [""] * len(columns)
        if has_p:
            heading[-1] = _p_cell(v, "gray_p", context)
        rows.append(Row(endpoint_label(variable, variant, context.variable_labels), tuple(heading), 0, True, (variable, variant)))
        if v.has(statistic="events"):
            cells = []
            for gv, g in pairs:
                r = v.first(group=g, statistic="events")
                cells.append(NOT_APPLICABLE if r is None else f"{format_count(r['n'] if not _missing(r['n']) else r['value'])}/{format_count(r['denominator'])}")
            rows.append(Row(_("Events/N"), tuple(cells + ([""] if has_p else [])), 1, False, (variable, variant, "events")))
        for t in sorted({r["time"] for r in v if r["statistic"] == "cif" and not _missing(r["time"])}):
            cells = []
            for gv, g in pairs:
                r = v.first(group=g, statistic="cif", time=t)
                if r is None:
                    cells.append(NOT_APPLICABLE)
                else:
                    token = NOT_ESTIMABLE if _has_note(r, "beyond_follow_up") else None
                    cells.append(format_estimate_ci(r["value"], r["lower"], r["upper"], style, token))
            label = _("{landmark} cumulative incidence, % (95% CI)").format(landmark=_landmark_label(t, context.time_unit))
            rows.append(Row(label, tuple(cells + ([""] if has_p else [])), 1, False, (variable, variant, "cif", float(t))))
    notes = [*_time_caveats(as_ard_index(ard), sub, _by(keyed, "variable", "variant")),
             _methods_note(sub, ["cif"], "Cumulative incidence"), _methods_note(sub, ["gray_p"], "p values"),
             *_not_estimable_notes(sub, ["cif", "gray_p"])]
    title = (_("Cumulative incidence with competing risks {by}").format(by=by_variable(group_var, context.variable_labels))
             if group_var else _("Cumulative incidence with competing risks"))
    table_id = "competing_risks" if not group_var else f"competing_risks_by_{group_var.replace('|', '_among_')}"
    table = DisplayTable(table_id, title, tuple(columns), tuple(rows), _("Endpoint"))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- safety


_GRADE_COLUMNS = (("grade_any", "Any grade"), ("grade_1_2", "Grade 1-2"), ("grade_3plus", "Grade \u2265 3"))


def safety_table(ard, context: ReportContext, title: str | None = None) -> DisplayTable:
    """Patients with each adverse event at their worst grade: any grade, grade 1-2 and
    grade >= 3, n (%) (seed 001 Table 3; seed 003 Table 3). CRS and ICANS first after
    'any adverse event', the other terms in ARD order."""
    sub = as_ard_index(ard).table("safety")
    pairs = _group_columns(sub)
    sizes = _group_sizes(sub)
    present = [(s, lab) for s, lab in _GRADE_COLUMNS if sub.has(statistic=s)]
    spanning, columns = [], []
    for pair in pairs:
        spanning.append(SpanningHeader(_column_header(sizes, pair, context), len(present)))
        columns += [_(lab) for _stat, lab in present]
    terms = sub.where(statistic={s for s, _ in present}).unique("variable")
    priority = [t for t in ("any", "CRS", "ICANS") if t in terms]
    terms = priority + [t for t in terms if t not in priority]
    cell: dict[tuple, dict] = {}
    for r in sub:
        cell.setdefault((r["variable"], r["group_var"], r["group"], r["statistic"]), r)
    rows: list[Row] = []
    for term in terms:
        cells = []
        for gv, g in pairs:
            for statistic, _label in present:
                r = cell.get((term, gv, g, statistic))
                pct = cell.get((term, gv, g, f"{statistic}_pct"))
                fraction = None if pct is None or _missing(pct["value"]) else pct["value"] / 100
                cells.append("0" if r is None else format_n_percent(r["value"], r["denominator"], context.percent_decimals, context.rounding, fraction))
        label = level_label(term, context.group_labels) if term in ("any", "CRS", "ICANS") else level_label(term, context.variable_labels)
        rows.append(Row(label, tuple(cells), 0 if term == "any" else 1, False, (term,)))
    notes = [
        _("Patients are counted once per term at their worst grade; percentages of all treated patients in the column."),
        _methods_note(sub, [s for s, _ in present], "Grading and window"),
    ]
    table = DisplayTable("safety", title or _("Adverse events during blinatumomab"), tuple(columns), tuple(rows), _("Adverse event, n (%)"), tuple(spanning))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- flows, attrition, data quality


def flow_table(flows: pd.DataFrame, context: ReportContext, title: str | None = None) -> DisplayTable:
    """Patients from each blinatumomab exposure class (rows) to each next therapy (columns)."""
    sources = ordered_levels(flows["source"])
    targets = ordered_levels(flows["target"])
    counts = {(s, t): n for s, t, n in zip(flows["source"], flows["target"], flows["n"])}
    rows = [
        Row(level_label(s, context.group_labels), tuple(format_count(counts.get((s, t), 0)) for t in targets), 0, False, (s,))
        for s in sources
    ]
    columns = tuple(level_label(t, context.group_labels) for t in targets)
    table = DisplayTable("flows", title or _("Therapy after blinatumomab by exposure"), columns, tuple(rows), _("Blinatumomab exposure"),
                         (SpanningHeader(_("Next therapy, n"), len(columns)),) if columns else ())
    return _finish(table, [_("Counts of patients; each patient is counted once, at the first therapy after blinatumomab.")])


def attrition_table_from_ard(ard, title: str | None = None) -> DisplayTable:
    """Patients included in each analysis set and excluded by reason, from the ARD rows
    ``section="flow", table="attrition"`` (variable = analysis set, level = "included" or
    "excluded: <reason>", value = patients). A set that cannot be determined from the data
    (level "unavailable: <reason>", no "included" row) prints NA and "Not available: <reason>"
    rather than 0 included."""
    sub = as_ard_index(ard).table("attrition").where(section="flow")
    rows: list[Row] = []
    for analysis_set, a in _by(sub, "variable").items():
        included = a.first(level="included")
        rows.append(Row(_analysis_set_label(analysis_set), (NOT_APPLICABLE if included is None else format_count(included["value"]),),
                        0, False, (analysis_set, "included")))
        for r in a:
            if r["level"] == "included":
                continue
            level = str(r["level"])
            if level.startswith("unavailable: "):
                reason = level.removeprefix("unavailable: ")
                if included is None:  # nobody can be placed in the set: say why, no count
                    rows.append(Row(_("Not available: {reason}").format(reason=analysis_text(reason)), ("",), 1, False, (analysis_set, reason)))
                else:
                    rows.append(Row(_("Not determined: {reason}").format(reason=analysis_text(reason)), (format_count(r["value"]),), 1, False,
                                    (analysis_set, reason)))
                continue
            reason = level.removeprefix("excluded: ")
            rows.append(Row(_("Excluded: {reason}").format(reason=analysis_text(reason)), (format_count(r["value"]),), 1, False,
                            (analysis_set, reason)))
    return DisplayTable("attrition", title or _("Patient flow"), (_("Patients included, n"),), tuple(rows), _("Analysis set"),
                        footnotes=(_("Indented rows: patients excluded from the analysis set above, by reason."),))


def _analysis_set_label(analysis_set: str) -> str:
    """"treated" -> "All treated patients", "OS" -> "Overall survival (OS)"; other names as written."""
    if analysis_set in ENDPOINT_LABELS:
        return endpoint_label(analysis_set)
    return level_label(analysis_set) if analysis_set in _CODED_SETS else analysis_text(analysis_set)


#: analysis sets named by a code (the others are named in words by the derivation: "MRD response: responders")
_CODED_SETS = frozenset({"treated", "efficacy", "safety"})


def attrition_table(attrition: pd.DataFrame, title: str | None = None) -> DisplayTable:
    """Patients included in each analysis set and those excluded, by reason
    (the attrition log of blinrwe.derive, one row per analysis set x patient)."""
    rows: list[Row] = []
    for analysis_set in _ordered_unique(attrition["analysis_set"]):
        a = attrition[attrition["analysis_set"] == analysis_set]
        flag = a["included"].astype("boolean")
        if flag.isna().all():  # the set cannot be determined from these data: unknown, not empty
            reason = a["reason"].dropna().iloc[0] if a["reason"].notna().any() else "not determinable from these data"
            rows.append(Row(_analysis_set_label(analysis_set), (NOT_APPLICABLE,), 0, False, (analysis_set, "included")))
            rows.append(Row(_("Not available: {reason}").format(reason=analysis_text(reason)), ("",), 1, False, (analysis_set, reason)))
            continue
        included = flag.fillna(False).astype(bool)
        rows.append(Row(_analysis_set_label(analysis_set), (format_count(int(included.sum())),), 0, False, (analysis_set, "included")))
        excluded = a.loc[~included, "reason"].fillna("reason not recorded")
        for reason, n in excluded.value_counts(sort=False).items():
            rows.append(Row(_("Excluded: {reason}").format(reason=analysis_text(reason)), (format_count(int(n)),), 1, False,
                            (analysis_set, reason)))
    return DisplayTable("attrition", title or _("Patient flow"), (_("Patients included, n"),), tuple(rows), _("Analysis set"),
                        footnotes=(_("Every analysis set starts from all patients with at least one blinatumomab infusion."),))


def data_quality_table(findings: Iterable, title: str | None = None) -> DisplayTable:
    """Validation warnings (appendix): severity, where (sheet, row, column) and the finding.

    Accepts objects or mappings with ``severity``, ``table`` (or ``sheet``), ``row``,
    ``column`` and ``message``; patient-level values are whatever the message holds.
    """
    rows = []
    for i, f in enumerate(findings):
        get = (lambda k, f=f: f.get(k)) if isinstance(f, dict) else (lambda k, f=f: getattr(f, k, None))
        row = _("row {row}").format(row=get("row")) if get("row") not in (None, "") else None
        where = ", ".join(str(x) for x in (get("table") or get("sheet"), row, get("column")) if x)
        rows.append(Row(_(str(get("severity") or "warning").capitalize()), (where, str(get("message") or "")), 0, False, (i,)))
    return DisplayTable("data_quality", title or _("Data-quality findings"), (_("Where"), _("Finding")), tuple(rows), _("Severity"))


def subgroup_table(ard, context: ReportContext, endpoint: str) -> DisplayTable:
    """Hazard ratios of ``endpoint`` within subgroups (ARD table ``cox_subgroups``): per
    subgroup variable the reference level ("1 (reference)") and each compared level with
    events/patients, HR (95% CI) and p. The same rows as the subgroup forest plot."""
    from .figures.forest import subgroup_forest_rows  # the figure and the table print the same rows

    sub = as_ard_index(ard).table("cox_subgroups").where(variable=endpoint)
    forest = subgroup_forest_rows(sub, endpoint, context)
    has_events = (forest["events"] != "").any()
    columns = ([_("Events/N")] if has_events else []) + [_("HR ({level}% CI)").format(level=context.ci_level), "p"]
    rows = []
    for r in forest.itertuples(index=False):
        if r.kind == "heading":
            rows.append(Row(r.label, tuple(([r.events] if has_events else []) + ["", ""]), 0, True, r.key))
        else:
            cells = ([r.events] if has_events else []) + [r.text, r.p_text]
            rows.append(Row(r.label, tuple(cells), 1, False, r.key))
    variant = sub[0]["variant"] if len(sub) else ""
    notes = [_("Hazard ratios compare each level with the reference level of the same subgroup variable."),
             immortal_time_warning(immortal_time_events(r["note"] for r in sub)),
             _methods_note(sub, ["hr"], "Hazard ratios"), _methods_note(sub, ["cox_p"], "p values"),
             *_not_estimable_notes(sub, ["hr", "cox_p"])]
    table = DisplayTable(f"cox_subgroups_{endpoint}", _("Hazard ratios by subgroup: {endpoint}").format(
                             endpoint=endpoint_label(endpoint, variant, context.variable_labels)),
                         tuple(columns), tuple(rows), _("Subgroup"))
    return _finish(table, notes)
