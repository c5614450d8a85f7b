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
                          ``test_p`` (group_var set, group "") -> p column;
                          ``N`` (value = patients) -> column header "N = x"
response                  ``proportion`` (value, lower, upper as fractions 0-1,
                          n = responders, denominator = evaluable patients);
                          ``n`` per level (best-response distribution)
survival (+ followup)     ``events`` (n = events, denominator = N), ``km_median``
                          (note "not_reached" -> NR), ``km_rate`` per ``time``
                          (fractions; note "beyond_follow_up" -> NE), ``km_se``,
                          ``logrank_p``/``trend_p`` (group ""), ``followup_median``
cox_univariable,          ``hr`` (value, lower, upper; note "reference" or
cox_multivariable         value 1 with no CI -> "1 (reference)"), ``cox_p``
competing_risks           ``events``, ``cif`` per ``time`` (fractions), ``gray_p``
safety                    ``grade_any``, ``grade_1_2``, ``grade_3plus`` (value =
                          patients, denominator = N); term "any" = any AE
========================  ==========================================================

Columns follow the groups in ARD order, "Overall" first. Footnotes state the
methods from the ARD ``method`` column, the denominators and the abbreviations.
"""

from __future__ import annotations

import math
from typing import Iterable

import pandas as pd

from .context import ReportContext
from .formatting import (
    NOT_APPLICABLE,
    NOT_ESTIMABLE,
    NOT_REACHED,
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
from .labels import abbreviations_in, endpoint_label, level_label, variable_label, variant_label
from .table_model import DisplayTable, Row, SpanningHeader, with_footnotes

OVERALL = "Overall"
_CONTINUOUS_STATS = {"median", "mean", "sd", "min", "max", "q1", "q3"}
_TEST_STATS = ("test_p", "logrank_p", "trend_p", "gray_p")


# ----------------------------------------------------------------------------- helpers


def _select(ard: pd.DataFrame, **conditions) -> pd.DataFrame:
    mask = pd.Series(True, index=ard.index)
    for column, wanted in conditions.items():
        if isinstance(wanted, (list, tuple, set)):
            mask &= ard[column].isin(list(wanted))
        else:
            mask &= ard[column] == wanted
    return ard[mask]


def _first(rows: pd.DataFrame):
    return None if rows.empty else rows.iloc[0]


def _ordered_unique(values: Iterable) -> list:
    seen: dict = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _has_note(row, flag: str) -> bool:
    note = row.get("note") if row is not None else None
    return isinstance(note, str) and flag in note


def _group_columns(sub: pd.DataFrame) -> list[tuple[str, str]]:
    """(group_var, group) pairs of the table's columns: Overall first, then groups in ARD order."""
    pairs = _ordered_unique(zip(sub["group_var"], sub["group"]))
    pairs = [p for p in pairs if p[1] not in ("", None)]
    overall = [p for p in pairs if p[1] == OVERALL]
    return overall[:1] + [p for p in pairs if p[1] != OVERALL]


def _group_n(sub: pd.DataFrame, group_var: str, group: str):
    """Patients in a column: the ``N`` row, else the largest denominator in the column."""
    rows = _select(sub, group_var=group_var, group=group)
    n_rows = rows[rows["statistic"] == "N"]
    if not n_rows.empty:
        return n_rows["value"].iloc[0]
    dens = rows["denominator"].dropna()
    return dens.max() if not dens.empty else float("nan")


def _column_header(sub: pd.DataFrame, pair: tuple[str, str], context: ReportContext) -> str:
    n = _group_n(sub, *pair)
    label = level_label(pair[1], context.group_labels)
    return label if _missing(n) else f"{label} (N = {format_count(n)})"


def _methods_note(rows: pd.DataFrame, statistics: Iterable[str], prefix: str) -> str:
    methods = _ordered_unique(m for m in rows[rows["statistic"].isin(list(statistics))]["method"] if isinstance(m, str) and m)
    return f"{prefix}: {'; '.join(methods)}." if methods else ""


def _p_cell(rows: pd.DataFrame, statistic: str, context: ReportContext) -> str:
    row = _first(rows[rows["statistic"] == statistic])
    return "" if row is None else format_p_value(row["value"], context.p_decimals, rounding=context.rounding)


def _test_rows(sub: pd.DataFrame, variable: str, statistics=_TEST_STATS) -> pd.DataFrame:
    rows = sub[(sub["variable"] == variable) & sub["statistic"].isin(list(statistics))]
    return rows[rows["group"].isin(["", None]) | rows["group"].isna()]


def _finish(table: DisplayTable, extra_notes: Iterable[str] = ()) -> DisplayTable:
    texts = [table.title, *table.columns, *(r.label for r in table.rows), *(c for r in table.rows for c in r.cells), *extra_notes]
    explained = {"NR", "NE", "NA"} if any("NR, median not reached" in n for n in extra_notes) else set()
    return with_footnotes(table, *extra_notes, abbreviations_in(texts, explained))


def _landmark_label(time: float, unit: str) -> str:
    """"1-year", "6-month", "day 100" for a landmark time in ``unit``."""
    if unit == "months" and time >= 12 and float(time) % 12 == 0:
        return f"{format_number(time / 12, 0)}-year"
    if unit == "months":
        return f"{time:g}-month"
    return f"Day {time:g}"


# ----------------------------------------------------------------------------- descriptive


def descriptive_table(ard: pd.DataFrame, table_id: str, title: str, context: ReportContext) -> DisplayTable:
    """Baseline-style table: continuous variables as median (range) and mean (SD),
    categorical variables as n (%), missing counts, and the between-group test p
    (Table 1 of seed 001; exposure; treatment patterns)."""
    sub = ard[ard["table"] == table_id]
    pairs = _group_columns(sub)
    columns = [_column_header(sub, p, context) for p in pairs]
    has_p = bool((sub["statistic"] == "test_p").any())
    if has_p:
        columns.append("p")
    pct = dict(decimals=context.percent_decimals, rounding=context.rounding)
    num = dict(decimals=context.continuous_decimals, rounding=context.rounding)
    rows: list[Row] = []
    any_partial_denominator = False

    def blank():
        return [""] * len(columns)

    for variable in _ordered_unique(sub.loc[sub["statistic"] != "N", "variable"]):
        v = sub[sub["variable"] == variable]
        p = _p_cell(_test_rows(v, variable, ("test_p",)), "test_p", context) if has_p else None
        label = variable_label(variable, context.variable_labels)
        levels = [lv for lv in _ordered_unique(v.loc[v["statistic"] == "n", "level"]) if lv not in ("", None)]
        if not levels and set(v["statistic"]) & _CONTINUOUS_STATS:
            heading = blank()
            if has_p:
                heading[-1] = p
            rows.append(Row(label, tuple(heading), 0, True, (variable,)))
            for spec in ("median_range", "mean_sd"):
                cells = blank()
                for i, (gv, g) in enumerate(pairs):
                    s = _stats_of(v, gv, g)
                    if spec == "median_range" and "median" in s:
                        cells[i] = format_median_range(s["median"], s.get("min"), s.get("max"), **num)
                    elif spec == "mean_sd" and "mean" in s:
                        cells[i] = format_mean_sd(s["mean"], s.get("sd"), **num)
                if any(cells):
                    rows.append(Row("Median (range)" if spec == "median_range" else "Mean (SD)", tuple(cells), 1, False, (variable, "", spec)))
        else:
            heading = blank()
            if has_p:
                heading[-1] = p
            rows.append(Row(f"{label}, n (%)", tuple(heading), 0, True, (variable,)))
            for level in levels:
                cells = blank()
                for i, (gv, g) in enumerate(pairs):
                    n_row = _first(_select(v, group_var=gv, group=g, level=level, statistic="n"))
                    if n_row is None:
                        cells[i] = "0"
                        continue
                    pct_row = _first(_select(v, group_var=gv, group=g, level=level, statistic="pct"))
                    fraction = None if pct_row is None or _missing(pct_row["value"]) else pct_row["value"] / 100
                    cells[i] = format_n_percent(n_row["value"], n_row["denominator"], fraction=fraction, **pct)
                    group_n = _group_n(sub, gv, g)
                    if not _missing(n_row["denominator"]) and not _missing(group_n) and n_row["denominator"] < group_n:
                        any_partial_denominator = True
                rows.append(Row(level_label(level, context.group_labels), tuple(cells), 1, False, (variable, level, "n")))
        missing = v[v["statistic"] == "missing"]
        if not missing.empty and (missing["value"].fillna(0) > 0).any():
            cells = blank()
            for i, (gv, g) in enumerate(pairs):
                m = _first(_select(missing, group_var=gv, group=g))
                cells[i] = "0" if m is None else format_count(m["value"])
            rows.append(Row("Missing, n", tuple(cells), 1, False, (variable, "", "missing")))

    notes = []
    if any_partial_denominator:
        notes.append("Percentages are of patients with a recorded value; missing values are counted separately.")
    notes.append(_methods_note(sub, ["test_p"], "p values"))
    table = DisplayTable(table_id, title, tuple(columns), tuple(rows), stub_header="Characteristic")
    return _finish(table, notes)


def _stats_of(v: pd.DataFrame, group_var: str, group: str) -> dict:
    rows = _select(v, group_var=group_var, group=group)
    return {s: val for s, val in zip(rows["statistic"], rows["value"])}


# ----------------------------------------------------------------------------- response


_WINDOW_LABELS = {"2_cycles": "Within 2 cycles", "12_weeks": "Within 12 weeks", "overall": "At any time after blinatumomab", "": ""}
_DENOMINATOR_LABELS = {"all_treated": "all treated patients", "available": "patients with MRD assessed",
                       "responders": "responders", "positive_at_t0": "MRD-positive at first infusion"}


def _window_and_denominator(level: str) -> tuple[str, str]:
    """ARD response levels read "<window>" or "<window>|<denominator>" (analysis/response.py)."""
    window, _, denominator = str(level or "").partition("|")
    return window, denominator


def response_table(ard: pd.DataFrame, context: ReportContext, table_id: str = "response", title: str = "Response to blinatumomab") -> DisplayTable:
    """Response rates as n/N (%) with the exact (Clopper-Pearson) CI per group, by assessment
    window (within 2 cycles, 12 weeks, overall), MRD negativity with each denominator
    named (seed 001 Table 2: "87.2% (41/47) within 2 cycles", seed 003 section 3.2)."""
    sub = ard[ard["table"] == table_id]
    pairs = _group_columns(sub)
    spanning, columns = [], []
    for pair in pairs:
        spanning.append(SpanningHeader(_column_header(sub, pair, context), 2))
        columns += ["n/N (%)", f"{context.ci_level}% CI"]
    style = EstimateStyle(context.percent_decimals, context.rounding, context.ci_level, 100.0, context.ci_separator)
    rows: list[Row] = []
    levels = _ordered_unique(sub.loc[sub["statistic"].isin(["proportion", "n"]), "level"].fillna(""))
    windows = _ordered_unique(_window_and_denominator(lv)[0] for lv in levels)
    for window in windows:
        in_window = [lv for lv in levels if _window_and_denominator(lv)[0] == window]
        if window:
            rows.append(Row(_WINDOW_LABELS.get(window, window.replace("_", " ").capitalize()), tuple([""] * len(columns)), 0, True, (window,)))
        w = sub[sub["level"].fillna("").isin(in_window)]
        for variable, level in _ordered_unique(zip(w["variable"], w["level"].fillna(""))):
            v = w[(w["variable"] == variable) & (w["level"].fillna("") == level)]
            _, denominator = _window_and_denominator(level)
            label = variable_label(variable, context.variable_labels)
            if denominator:
                label += f" (of {_DENOMINATOR_LABELS.get(denominator, denominator.replace('_', ' '))})"
            indent = 1 if window else 0
            if (v["statistic"] == "proportion").any():
                cells = []
                for gv, g in pairs:
                    r = _first(_select(v, group_var=gv, group=g, statistic="proportion"))
                    if r is None:
                        cells += [NOT_APPLICABLE, ""]
                        continue
                    cells.append(format_fraction_percent(r["n"], r["denominator"], fraction=r["value"], decimals=style.decimals, rounding=style.rounding))
                    cells.append(format_interval(r["lower"], r["upper"], style.decimals, style.rounding, 100.0, style.separator))
                rows.append(Row(label, tuple(cells), indent, False, (variable, level, "proportion")))
            elif (v["statistic"] == "n").any():
                cells = []
                for gv, g in pairs:
                    r = _first(_select(v, group_var=gv, group=g, statistic="n"))
                    cells += [NOT_APPLICABLE if r is None else format_count(r["value"]), ""]
                rows.append(Row(f"{label}, n", tuple(cells), indent, False, (variable, level, "n")))
    notes = [
        "n/N: patients with the response / patients in the denominator named in the row.",
        _methods_note(sub, ["proportion"], "Confidence intervals"),
    ]
    table = DisplayTable(table_id, title, tuple(columns), tuple(rows), "Response", tuple(spanning))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- survival


def _survival_cells(rows: pd.DataFrame, context: ReportContext) -> dict:
    """Formatted cells of one endpoint x variant x group, keyed like the table rows."""
    style = EstimateStyle(context.continuous_decimals, context.rounding, context.ci_level, 1.0, context.ci_separator)
    rate_style = EstimateStyle(context.percent_decimals, context.rounding, context.ci_level, 100.0, context.ci_separator)
    out: dict = {}
    events = _first(rows[rows["statistic"] == "events"])
    if events is not None:
        n_events = events["n"] if not _missing(events["n"]) else events["value"]
        out[("events",)] = f"{format_count(n_events)}/{format_count(events['denominator'])}"
    median = _first(rows[rows["statistic"] == "km_median"])
    if median is not None:
        token = NOT_REACHED if (_has_note(median, "not_reached") or (_missing(median["value"]) and _has_note(median, "not reached"))) else None
        out[("km_median",)] = format_estimate_ci(median["value"], median["lower"], median["upper"], style, token)
    for _, r in rows[rows["statistic"] == "km_rate"].iterrows():
        token = NOT_ESTIMABLE if _has_note(r, "beyond_follow_up") else None
        out[("km_rate", float(r["time"]))] = format_estimate_ci(r["value"], r["lower"], r["upper"], rate_style, token)
    for _, r in rows[rows["statistic"] == "km_se"].iterrows():
        out[("km_se", float(r["time"]))] = (
            NOT_ESTIMABLE if _has_note(r, "beyond_follow_up") or _missing(r["value"])
            else f"\u00b1 {format_number(r['value'] * 100, context.percent_decimals, context.rounding)}"
        )
    follow = _first(rows[rows["statistic"] == "followup_median"])
    if follow is not None:
        has_ci = not (_missing(follow["lower"]) and _missing(follow["upper"]))
        out[("followup_median",)] = (
            format_estimate_ci(follow["value"], follow["lower"], follow["upper"], style) if has_ci
            else format_number(follow["value"], context.continuous_decimals, context.rounding)
        )
    simple = _first(rows[rows["statistic"] == "followup_simple_median"])
    if simple is not None:
        out[("followup_simple_median",)] = format_number(simple["value"], context.continuous_decimals, context.rounding)
    return out


def _survival_row_specs(sub: pd.DataFrame, context: ReportContext) -> list[tuple[tuple, str]]:
    unit = context.time_unit
    specs = [(("followup_median",), f"Median follow-up (reverse Kaplan-Meier), {unit} (95% CI)"),
             (("followup_simple_median",), f"Median observation time, {unit}"), (("events",), "Events/N"),
             (("km_median",), f"Median, {unit} (95% CI)")]
    for t in sorted(set(sub.loc[sub["statistic"] == "km_rate", "time"].dropna())):
        specs.append((("km_rate", float(t)), f"{_landmark_label(t, unit)} rate, % (95% CI)"))
        if context.show_se:
            specs.append((("km_se", float(t)), "\u00b1 SE, %"))
    return specs


def survival_table(ard: pd.DataFrame, context: ReportContext, group_var: str = "", title: str | None = None) -> DisplayTable:
    """Kaplan-Meier summary per endpoint and censoring variant: events/N, median (95% CI),
    landmark rates (95% CI) [+/- SE], with the log-rank p when groups are compared
    (seed 001 Table 2, seed 003 section 3.4)."""
    sub = ard[(ard["section"].isin(["survival", "followup"])) & (ard["group_var"] == group_var)]
    pairs = _group_columns(sub)
    columns = [_column_header(sub[sub["statistic"] == "events"] if (sub["statistic"] == "events").any() else sub, p, context) for p in pairs]
    has_p = group_var != "" and sub["statistic"].isin(["logrank_p", "trend_p"]).any()
    if has_p:
        columns.append("Log-rank p")
    specs = _survival_row_specs(sub, context)
    rows: list[Row] = []
    endpoints = _ordered_unique(zip(sub["variable"], sub["variant"].fillna("")))
    for endpoint, variant in endpoints:
        e = sub[(sub["variable"] == endpoint) & (sub["variant"].fillna("") == variant)]
        per_group = [_survival_cells(_select(e, group=g), context) for _, g in pairs]
        heading = [""] * len(columns)
        if has_p:
            heading[-1] = _p_cell(e, "logrank_p", context) or _p_cell(e, "trend_p", context)
        rows.append(Row(endpoint_label(endpoint, variant, context.variable_labels), tuple(heading), 0, True, (endpoint, variant)))
        for key, label in specs:
            if not any(key in cells for cells in per_group):
                continue
            cells = [cells.get(key, NOT_APPLICABLE) for cells in per_group] + ([""] if has_p else [])
            rows.append(Row(label, tuple(cells), 1, False, (endpoint, variant, *key)))
    title = title or ("Time-to-event outcomes" if not group_var else f"Time-to-event outcomes by {variable_label(group_var, context.variable_labels).lower()}")
    table_id = "survival" if not group_var else f"survival_by_{group_var}"
    notes = [
        "NR, median not reached; NE, not estimable (a bound or a landmark beyond follow-up).",
        _methods_note(sub, ["km_median", "km_rate"], "Estimates"),
        _methods_note(sub, ["followup_median"], "Follow-up"),
        _methods_note(sub, ["logrank_p", "trend_p"], "p values"),
    ]
    table = DisplayTable(table_id, title, tuple(columns), tuple(rows), "Endpoint")
    return _finish(table, notes)


def censoring_variants_table(ard: pd.DataFrame, context: ReportContext, group: str = OVERALL) -> DisplayTable:
    """The same endpoint under its censoring variants side by side (e.g. EFS not censored
    vs censored at allo-HSCT/CAR-T, seed 001), whole cohort."""
    sub = ard[(ard["section"] == "survival") & (ard["group"] == group) & (ard["group_var"] == "")]
    variants_by_endpoint = sub.groupby("variable", sort=False)["variant"].apply(lambda s: _ordered_unique(s.fillna("")))
    multi = {e: v for e, v in variants_by_endpoint.items() if len(v) > 1}
    variants = _ordered_unique(v for vs in multi.values() for v in vs)
    columns = [variant_label(v, context.variable_labels) for v in variants]
    specs = _survival_row_specs(sub, context)
    rows: list[Row] = []
    for endpoint, endpoint_variants in multi.items():
        e = sub[sub["variable"] == endpoint]
        per_variant = [_survival_cells(e[e["variant"].fillna("") == v], context) if v in endpoint_variants else {} for v in variants]
        rows.append(Row(endpoint_label(endpoint, "", context.variable_labels), tuple([""] * len(columns)), 0, True, (endpoint,)))
        for key, label in specs:
            if not any(key in cells for cells in per_variant):
                continue
            rows.append(Row(label, tuple(c.get(key, NOT_APPLICABLE) for c in per_variant), 1, False, (endpoint, *key)))
    table = DisplayTable("censoring_variants", "Sensitivity of time-to-event outcomes to censoring rules", tuple(columns), tuple(rows), "Endpoint")
    return _finish(table, ["Each column is one censoring rule applied to the whole cohort.", "NR, median not reached; NE, not estimable."])


# ----------------------------------------------------------------------------- Cox


def _cox_term(term: str) -> tuple[str, str]:
    """ "disease_setting[relapsed_refractory]" -> ("disease_setting", "relapsed_refractory"); "age" -> ("age", "")."""
    name, bracket, rest = str(term).partition("[")
    return name, rest.rstrip("]") if bracket else ""


def cox_tables(ard: pd.DataFrame, context: ReportContext) -> list[DisplayTable]:
    """One hazard-ratio table per endpoint of the Cox rows (ARD: variable = endpoint,
    level = model term, as in analysis/regression.py)."""
    sub = ard[ard["table"].isin(["cox_univariable", "cox_multivariable"])]
    return [cox_table(ard, context, endpoint) for endpoint in _ordered_unique(sub.loc[sub["statistic"] == "hr", "variable"])]


def cox_table(ard: pd.DataFrame, context: ReportContext, endpoint: str, title: str = "Cox proportional hazards regression") -> DisplayTable:
    """Univariable and multivariable hazard ratios side by side (HR (95% CI), p) for one endpoint.

    A categorical covariate prints as a heading with one row per non-reference level;
    a row marked "reference" in the ARD note prints "1 (reference)"."""
    models = [t for t in ("cox_univariable", "cox_multivariable") if ((ard["table"] == t) & (ard["variable"] == endpoint)).any()]
    sub = ard[ard["table"].isin(models) & (ard["variable"] == endpoint)]
    spanning = [SpanningHeader("Univariable" if m == "cox_univariable" else "Multivariable", 2) for m in models]
    columns = []
    for _ in models:
        columns += [f"HR ({context.ci_level}% CI)", "p"]
    rows: list[Row] = []
    terms = [t for t in _ordered_unique(sub.loc[sub["statistic"] == "hr", "level"].fillna("")) if t and t != "GLOBAL"]
    covariates = _ordered_unique(_cox_term(t)[0] for t in terms)
    for covariate in covariates:
        own = [t for t in terms if _cox_term(t)[0] == covariate]
        categorical = any(_cox_term(t)[1] for t in own)
        label = variable_label(covariate, context.variable_labels)
        if categorical:
            rows.append(Row(label, tuple([""] * len(columns)), 0, True, (endpoint, covariate)))
        for term in own:
            cells = []
            for model in models:
                m = sub[(sub["table"] == model) & (sub["level"].fillna("") == term)]
                hr = _first(m[m["statistic"] == "hr"])
                p = _first(m[m["statistic"] == "cox_p"])
                if hr is None:
                    cells += ["", ""]
                elif _has_note(hr, "reference"):
                    cells += ["1 (reference)", ""]
                else:
                    cells.append(format_hazard_ratio(hr["value"], hr["lower"], hr["upper"], context.hr_decimals, context.rounding))
                    cells.append("" if p is None else format_p_value(p["value"], context.p_decimals, rounding=context.rounding))
            level = _cox_term(term)[1]
            row_label = level_label(level, context.group_labels) if categorical else label
            rows.append(Row(row_label, tuple(cells), 1 if categorical else 0, False, (endpoint, term)))
    events = _first(sub[sub["statistic"] == "hr"])
    notes = [_methods_note(sub, ["hr"], "Hazard ratios"), _methods_note(sub, ["cox_p"], "p values")]
    if events is not None and not _missing(events["n"]):
        notes.insert(0, f"{format_count(events['n'])} events among {format_count(events['denominator'])} patients.")
    notes.append("Hazard ratios of categorical covariates are relative to the first level (reference), which is not shown.")
    variant = _first(sub)["variant"] if not sub.empty else ""
    table = DisplayTable(f"cox_{endpoint}", f"{title}: {endpoint_label(endpoint, variant or '', context.variable_labels)}",
                         tuple(columns), tuple(rows), "Variable", tuple(spanning))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- competing risks


def competing_risks_table(ard: pd.DataFrame, context: ReportContext, group_var: str = "") -> DisplayTable:
    """Cumulative incidence (Aalen-Johansen) at landmarks with 95% CI per group and Gray's test p."""
    sub = ard[(ard["table"] == "competing_risks") & (ard["group_var"] == group_var)]
    pairs = _group_columns(sub)
    columns = [_column_header(sub, p, context) for p in pairs]
    has_p = (sub["statistic"] == "gray_p").any()
    if has_p:
        columns.append("Gray's test p")
    style = EstimateStyle(context.percent_decimals, context.rounding, context.ci_level, 100.0, context.ci_separator)
    rows: list[Row] = []
    keys = sub.loc[sub["statistic"] != "N"]
    for variable, variant in _ordered_unique(zip(keys["variable"], keys["variant"].fillna(""))):
        v = sub[(sub["variable"] == variable) & (sub["variant"].fillna("") == variant)]
        heading = [""] * len(columns)
        if has_p:
            heading[-1] = _p_cell(v, "gray_p", context)
        rows.append(Row(endpoint_label(variable, variant, context.variable_labels), tuple(heading), 0, True, (variable, variant)))
        if (v["statistic"] == "events").any():
            cells = []
            for gv, g in pairs:
                r = _first(_select(v, group=g, statistic="events"))
                cells.append(NOT_APPLICABLE if r is None else f"{format_count(r['n'] if not _missing(r['n']) else r['value'])}/{format_count(r['denominator'])}")
            rows.append(Row("Events/N", tuple(cells + ([""] if has_p else [])), 1, False, (variable, variant, "events")))
        for t in sorted(set(v.loc[v["statistic"] == "cif", "time"].dropna())):
            cells = []
            for gv, g in pairs:
                r = _first(v[(v["group"] == g) & (v["statistic"] == "cif") & (v["time"] == t)])
                if r is None:
                    cells.append(NOT_APPLICABLE)
                else:
                    token = NOT_ESTIMABLE if _has_note(r, "beyond_follow_up") else None
                    cells.append(format_estimate_ci(r["value"], r["lower"], r["upper"], style, token))
            label = f"{_landmark_label(t, context.time_unit)} cumulative incidence, % (95% CI)"
            rows.append(Row(label, tuple(cells + ([""] if has_p else [])), 1, False, (variable, variant, "cif", float(t))))
    notes = [_methods_note(sub, ["cif"], "Cumulative incidence"), _methods_note(sub, ["gray_p"], "p values")]
    table = DisplayTable("competing_risks", "Cumulative incidence with competing risks", tuple(columns), tuple(rows), "Endpoint")
    return _finish(table, notes)


# ----------------------------------------------------------------------------- safety


_GRADE_COLUMNS = (("grade_any", "Any grade"), ("grade_1_2", "Grade 1-2"), ("grade_3plus", "Grade \u2265 3"))


def safety_table(ard: pd.DataFrame, context: ReportContext, title: str = "Adverse events during blinatumomab") -> DisplayTable:
    """Patients with each adverse event at their worst grade: any grade, grade 1-2 and
    grade >= 3, n (%) (seed 001 Table 3; seed 003 Table 3). CRS and ICANS first after
    'any adverse event', the other terms in ARD order."""
    sub = ard[ard["table"] == "safety"]
    pairs = _group_columns(sub)
    present = [(s, lab) for s, lab in _GRADE_COLUMNS if (sub["statistic"] == s).any()]
    spanning, columns = [], []
    for pair in pairs:
        spanning.append(SpanningHeader(_column_header(sub, pair, context), len(present)))
        columns += [lab for _, lab in present]
    terms = _ordered_unique(sub.loc[sub["statistic"].isin([s for s, _ in present]), "variable"])
    priority = [t for t in ("any", "CRS", "ICANS") if t in terms]
    terms = priority + [t for t in terms if t not in priority]
    rows: list[Row] = []
    for term in terms:
        cells = []
        for gv, g in pairs:
            for statistic, _ in present:
                r = _first(_select(sub, variable=term, group_var=gv, group=g, statistic=statistic))
                pct = _first(_select(sub, variable=term, group_var=gv, group=g, statistic=f"{statistic}_pct"))
                fraction = None if pct is None or _missing(pct["value"]) else pct["value"] / 100
                cells.append("0" if r is None else format_n_percent(r["value"], r["denominator"], context.percent_decimals, context.rounding, fraction))
        label = level_label(term, context.group_labels) if term in ("any", "CRS", "ICANS") else level_label(term, context.variable_labels)
        rows.append(Row(label, tuple(cells), 0 if term == "any" else 1, False, (term,)))
    notes = [
        "Patients are counted once per term at their worst grade; percentages of all treated patients in the column.",
        _methods_note(sub, [s for s, _ in present], "Grading and window"),
    ]
    table = DisplayTable("safety", title, tuple(columns), tuple(rows), "Adverse event, n (%)", tuple(spanning))
    return _finish(table, notes)


# ----------------------------------------------------------------------------- flows, attrition, data quality


def flow_table(flows: pd.DataFrame, context: ReportContext, title: str = "Therapy after blinatumomab by exposure") -> DisplayTable:
    """Patients from each blinatumomab exposure class (rows) to each next therapy (columns)."""
    sources = _ordered_unique(flows["source"])
    targets = _ordered_unique(flows["target"])
    counts = {(s, t): n for s, t, n in zip(flows["source"], flows["target"], flows["n"])}
    rows = [
        Row(level_label(s, context.group_labels), tuple(format_count(counts.get((s, t), 0)) for t in targets), 0, False, (s,))
        for s in sources
    ]
    columns = tuple(level_label(t, context.group_labels) for t in targets)
    table = DisplayTable("flows", title, columns, tuple(rows), "Blinatumomab exposure", (SpanningHeader("Next therapy, n", len(columns)),) if columns else ())
    return _finish(table, ["Counts of patients; each patient is counted once, at the first therapy after blinatumomab."])


def attrition_table_from_ard(ard: pd.DataFrame, title: str = "Patient flow") -> DisplayTable:
    """Patients included in each analysis set and excluded by reason, from the ARD rows
    ``section="flow", table="attrition"`` (variable = analysis set, level = "included" or
    "excluded: <reason>", value = patients)."""
    sub = ard[(ard["section"] == "flow") & (ard["table"] == "attrition")]
    rows: list[Row] = []
    for analysis_set in _ordered_unique(sub["variable"]):
        a = sub[sub["variable"] == analysis_set]
        included = _first(a[a["level"] == "included"])
        rows.append(Row(f"{level_label(analysis_set)}: included", (NOT_APPLICABLE if included is None else format_count(included["value"]),),
                        0, False, (analysis_set, "included")))
        for _, r in a[a["level"] != "included"].iterrows():
            reason = str(r["level"]).removeprefix("excluded: ")
            rows.append(Row(f"Excluded: {reason}", (format_count(r["value"]),), 1, False, (analysis_set, reason)))
    return DisplayTable("attrition", title, ("Patients, n",), tuple(rows), "Analysis set")


def attrition_table(attrition: pd.DataFrame, title: str = "Patient flow") -> DisplayTable:
    """Patients included in each analysis set and those excluded, by reason
    (the attrition log of blinrwe.derive, one row per analysis set x patient)."""
    rows: list[Row] = []
    for analysis_set in _ordered_unique(attrition["analysis_set"]):
        a = attrition[attrition["analysis_set"] == analysis_set]
        included = a["included"].astype(bool)
        rows.append(Row(f"{level_label(analysis_set)}: included", (format_count(int(included.sum())),), 0, False, (analysis_set, "included")))
        excluded = a.loc[~included, "reason"].fillna("reason not recorded")
        for reason, n in excluded.value_counts(sort=False).items():
            rows.append(Row(f"Excluded: {reason}", (format_count(int(n)),), 1, False, (analysis_set, reason)))
    return DisplayTable("attrition", title, ("Patients, n",), tuple(rows), "Analysis set",
                        footnotes=("Every analysis set starts from all patients with at least one blinatumomab infusion.",))


def data_quality_table(findings: Iterable, title: str = "Data-quality findings") -> DisplayTable:
    """Validation warnings (appendix): severity, where (sheet, row, column) and the finding.

    Accepts objects or mappings with ``severity``, ``table`` (or ``sheet``), ``row``,
    ``column`` and ``message``; patient-level values are whatever the message holds.
    """
    rows = []
    for i, f in enumerate(findings):
        get = (lambda k, f=f: f.get(k)) if isinstance(f, dict) else (lambda k, f=f: getattr(f, k, None))
        where = ", ".join(str(x) for x in (get("table") or get("sheet"), f"row {get('row')}" if get("row") not in (None, "") else None, get("column")) if x)
        rows.append(Row(str(get("severity") or "warning").capitalize(), (where, str(get("message") or "")), 0, False, (i,)))
    return DisplayTable("data_quality", title, ("Where", "Finding"), tuple(rows), "Severity")
