"""Survival, Cox, subgroup and competing-risk display tables from the ARD.

How each reads the ARD (rows survival, cox_univariable, cox_multivariable,
cox_subgroups, competing_risks) is in :mod:`blinrwe.report.tables`.
"""

from __future__ import annotations

from blinrwe.model.i18n import _

from .ard_index import ArdRows, as_ard_index
from .caveats import immortal_time_events, immortal_time_warning, time_origin_note
from .context import ReportContext
from .formatting import (
    NOT_APPLICABLE,
    NOT_ESTIMABLE,
    NOT_REACHED,
    REFERENCE_LEVEL,
    EstimateStyle,
    format_count,
    format_estimate_ci,
    format_hazard_ratio,
    format_number,
    format_p_value,
)
from .labels import by_variable, endpoint_label, level_label, variable_label, variant_label
from .table_model import DisplayTable, Row, SpanningHeader
from .tables import (
    OVERALL,
    _by,
    _column_header,
    _finish,
    _group_columns,
    _group_sizes,
    _has_note,
    _landmark_label,
    _methods_note,
    _missing,
    _not_estimable_notes,
    _ordered_unique,
    _p_cell,
)


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
