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

This module builds the descriptive and response tables and holds the pieces the others
share; the survival, Cox, subgroup and competing-risk tables are in
:mod:`~blinrwe.report.tables_survival`, the safety tables in
:mod:`~blinrwe.report.tables_safety`, the flows, attrition and data-quality tables in
:mod:`~blinrwe.report.tables_flow`.

Columns follow the groups in ARD order, "Overall" first. Footnotes state the
methods from the ARD ``method`` column, the denominators and the abbreviations,
and why each printed NE could not be estimated (the reason of the ARD note
"not_estimable: <reason>", written by the analysis layer).
"""

from __future__ import annotations

import math
from typing import Iterable

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.model.i18n import _

from .analysis_text import analysis_text
from .ard_index import ArdRows, as_ard_index
from .context import ReportContext
from .disclosure import is_suppressed
from .formatting import (
    NOT_APPLICABLE,
    EstimateStyle,
    format_count,
    format_fraction_percent,
    format_interval,
    format_mean_sd,
    format_median_range,
    format_n_percent,
    format_number,
    format_p_value,
)
from .labels import (
    abbreviations_in,
    in_sentence,
    level_label,
    method_text,
    ordered_levels,
    variable_label,
)
from .labels_variables import MRD_DENOMINATOR_LABELS, RESPONSE_WINDOW_LABELS
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
