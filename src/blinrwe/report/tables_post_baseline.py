"""Tables of the groupings defined after the start, analysed without immortal time.

Read from the ARD section ``post_baseline`` (``blinrwe.analysis.post_baseline`` documents the
rows): the time-dependent table (patients entering the state, events in each state, Mantel-Byar
p, time-dependent Cox hazard ratio) and the landmark table (per landmark: patients excluded by
it, at risk at it in each state, events after it, medians from it, log-rank p). One heading row
per grouping ("Allo-HSCT after blinatumomab among responders"), one row per endpoint (and
landmark). Nothing is computed here; NE cells carry the analysis layer's reason as a footnote.
"""

from __future__ import annotations

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.model.i18n import _

from .ard_index import ArdRows, as_ard_index
from .context import ReportContext
from .formatting import NOT_REACHED, EstimateStyle, format_count, format_estimate_ci, format_hazard_ratio
from .labels import endpoint_label, grouping_label
from .table_model import DisplayTable, Row
from .tables import _by, _finish, _methods_note, _p_cell

__all__ = ["landmark_text", "post_baseline_heading", "post_baseline_tables", "time_dependent_table", "landmark_table"]

SECTION = "post_baseline"
TD_TABLE = "post_baseline_td"
LANDMARK_TABLE = "post_baseline_landmark"


def _reasons(rows: ArdRows, statistics) -> list[str]:
    """One footnote per distinct reason a printed statistic is NE, in the report's language (the ARD keeps
    the analysis layer's English reason)."""
    wanted = set(statistics)
    reasons = dict.fromkeys(not_estimable_reason(r["note"]) for r in rows if r["statistic"] in wanted)
    return [f"NE: {_(reason).rstrip('.')}." for reason in reasons if reason]


def _count(rows: ArdRows, statistic: str, group: str) -> str:
    row = rows.first(statistic=statistic, group=group)
    return "" if row is None else format_count(row["value"])


def _n_of(rows: ArdRows, statistic: str, group: str = "") -> str:
    row = rows.first(statistic=statistic, group=group)
    return "" if row is None else f"{format_count(row['value'])}/{format_count(row['denominator'])}"


def _pair(rows: ArdRows, statistic: str) -> str:
    without, with_ = _count(rows, statistic, "no"), _count(rows, statistic, "yes")
    return f"{without or '0'} / {with_ or '0'}" if without or with_ else ""


def _median(rows: ArdRows, group: str, context: ReportContext) -> str:
    row = rows.first(statistic="landmark_median", group=group)
    if row is None:
        return ""
    style = EstimateStyle(context.continuous_decimals, context.rounding, context.ci_level, 1.0, context.ci_separator)
    token = NOT_REACHED if "not_reached" in str(row["note"] or "") else None
    return format_estimate_ci(row["value"], row["lower"], row["upper"], style, token)


def _hazard_ratio(rows: ArdRows, context: ReportContext) -> str:
    row = rows.first(statistic="td_hr")
    if row is None:
        return ""
    return format_hazard_ratio(row["value"], row["lower"], row["upper"], context.hr_decimals, context.rounding)


def _grouping_heading(group_var: str, context: ReportContext, width: int) -> Row:
    return Row(grouping_label(group_var, context.variable_labels), ("",) * width, 0, True, (group_var,))


def time_dependent_table(ard, context: ReportContext) -> DisplayTable:
    """Mantel-Byar test and time-dependent Cox hazard ratio per grouping x endpoint."""
    sub = as_ard_index(ard).where(section=SECTION, table=TD_TABLE)
    columns = (_("Entered the group, n/N"), _("Events before / after entering, n"), _("Mantel-Byar p"),
               _("HR ({level}% CI), time-dependent").format(level=context.ci_level), _("Wald p (time-dependent)"))
    rows: list[Row] = []
    for group_var, g in _by(sub, "group_var").items():
        rows.append(_grouping_heading(group_var, context, len(columns)))
        for (endpoint, variant), e in _by(g, "variable", "variant").items():
            cells = (_n_of(e, "n_switched"), _pair(e, "sm_events"), _p_cell(e, "mantel_byar_p", context),
                     _hazard_ratio(e, context), _p_cell(e, "td_cox_p", context))
            rows.append(Row(endpoint_label(endpoint, variant, context.variable_labels), cells, 1, False,
                            (group_var, endpoint, variant)))
    notes = [
        _("Each patient counts in the group without the event until the day of the event and in the group with it "
          "from then on, so no group is credited with time before its event (no immortal time); a change on the "
          "day of the patient's last follow-up or event does not count. Hazard ratio: with the event against "
          "without it."),
        _methods_note(sub, ["mantel_byar_p"], "Time-dependent test"),
        _methods_note(sub, ["td_hr"], "Time-dependent hazard ratio"),
        *_reasons(sub, ["mantel_byar_p", "td_hr", "td_cox_p"]),
    ]
    table = DisplayTable("post_baseline_td", _("Groups defined after the start: time-dependent analysis"),
                         columns, tuple(rows), _("Grouping and endpoint"))
    return _finish(table, notes)


def landmark_text(time: float, time_unit: str) -> str:
    """"landmark 6 months" / "landmark 90 days" (one message per unit, so each language words it)."""
    text = _("landmark {time} months") if time_unit == "months" else _("landmark {time} days")
    return text.format(time=f"{time:g}")


def _landmark_text(time: float, context: ReportContext) -> str:
    return landmark_text(time, context.time_unit)


def landmark_table(ard, context: ReportContext) -> DisplayTable:
    """Per grouping x endpoint x landmark: excluded, at risk in each state, events, medians, log-rank p."""
    sub = as_ard_index(ard).where(section=SECTION, table=LANDMARK_TABLE)
    months = context.time_unit == "months"
    medians = ((_("Median without the event, months ({level}% CI)"), _("Median with the event, months ({level}% CI)"))
               if months else
               (_("Median without the event, days ({level}% CI)"), _("Median with the event, days ({level}% CI)")))
    columns = (_("Excluded by the landmark, n (events)"), _("At the landmark without the event, n"),
               _("At the landmark with the event, n"), _("Events after the landmark, without / with"),
               *(m.format(level=context.ci_level) for m in medians), _("Log-rank p from the landmark"))
    rows: list[Row] = []
    for group_var, g in _by(sub, "group_var").items():
        rows.append(_grouping_heading(group_var, context, len(columns)))
        for (endpoint, variant, time), e in _by(g, "variable", "variant", "time").items():
            excluded = e.first(statistic="landmark_excluded")
            excluded_cell = "" if excluded is None else (
                f"{format_count(excluded['value'])} ({format_count(excluded['n'])})")
            cells = (excluded_cell, _count(e, "landmark_n", "no"), _count(e, "landmark_n", "yes"),
                     _pair(e, "landmark_events"), _median(e, "no", context), _median(e, "yes", context),
                     _p_cell(e, "landmark_logrank_p", context))
            label = f"{endpoint_label(endpoint, variant, context.variable_labels)}, {_landmark_text(time, context)}"
            rows.append(Row(label, cells, 1, False, (group_var, endpoint, variant, float(time))))
    notes = [
        _("Patients still event-free and under follow-up at the landmark, grouped by whether the event had "
          "happened by then; times and medians from the landmark. A patient whose event happens after the landmark "
          "stays in the group without it (no immortal time)."),
        _("NR, median from the landmark not reached; NE, not estimable."),
        _methods_note(sub, ["landmark_logrank_p"], "Landmark p values"),
        *_reasons(sub, ["landmark_median", "landmark_logrank_p"]),
    ]
    table = DisplayTable("post_baseline_landmark", _("Groups defined after the start: landmark analysis"),
                         columns, tuple(rows), _("Grouping, endpoint and landmark"))
    return _finish(table, notes)


def post_baseline_heading() -> str:
    """The report section's heading."""
    return _("Groups defined after the start")


def post_baseline_tables(ard, context: ReportContext) -> list[DisplayTable]:
    """The tables the ARD holds rows for (time-dependent first)."""
    index = as_ard_index(ard)
    out = []
    if len(index.table(TD_TABLE)):
        out.append(time_dependent_table(index, context))
    if len(index.table(LANDMARK_TABLE)):
        out.append(landmark_table(index, context))
    return [t for t in out if not t.is_empty]
