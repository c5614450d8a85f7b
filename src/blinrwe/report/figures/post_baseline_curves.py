"""Simon-Makuch and landmark curves: survival by a state entered after the start, without immortal time.

Simon-Makuch (kind ``simon_makuch`` of ``StudyResults.curves``): Kaplan-Meier by current state;
a patient is at risk in the curve without the event until the day of the event and in the curve
with it from then on, so the number-at-risk table shows patients moving between the curves.
Landmark (kind ``landmark``): Kaplan-Meier from the landmark among the patients event-free at it,
by their state then. Both are drawn by :func:`~.survival_curves.survival_curve_plot` (same style,
risk table, legend placement) from the analysis layer's steps; only the test named in the legend
(Mantel-Byar or log-rank from the landmark), the axis, the title and the caption differ.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from blinrwe.model.i18n import _

from ..ard_index import ArdRows, as_ard_rows
from ..context import ReportContext
from ..formatting import format_p_value
from ..labels import by_variable, endpoint_label
from ..tables_post_baseline import landmark_text
from .base import PlottedFigure
from .survival_curves import survival_curve_plot

__all__ = ["simon_makuch_plot", "landmark_plot", "landmark_time"]


def landmark_time(analysis: str) -> float | None:
    """The landmark of a curve's ``analysis`` key ("OS:none:allo_hsct_after:landmark=6" -> 6.0)."""
    _, found, value = str(analysis).rpartition(":landmark=")
    return float(value) if found else None


def _as_km(curves: pd.DataFrame) -> pd.DataFrame:
    return curves.assign(kind="km")


def _as_logrank(rows: ArdRows) -> ArdRows:
    """The test rows as ``logrank_p`` rows, so the curve plot places the legend with a p heading it
    (its text is then replaced by the test's own name)."""
    return ArdRows([{**r, "statistic": "logrank_p"} for r in rows])


def _p_text(rows: ArdRows, statistic: str, name: str, context: ReportContext) -> str:
    row = rows.first(statistic=statistic)
    if row is None:
        return ""
    p = format_p_value(row["value"], context.p_decimals, rounding=context.rounding)
    return f"{name} p < {p[1:]}" if p.startswith("<") else f"{name} p = {p}"


def _retitle(plotted: PlottedFigure, *, name: str, title: str, caption: str, legend: str,
             xlabel: str = "") -> PlottedFigure:
    fig = plotted.figure
    ax = fig.axes[0]
    current = ax.get_legend()
    if current is not None and current.get_title() is not None:
        current.get_title().set_text(legend)
        current.get_title().set_visible(bool(legend))
    if xlabel:
        ax.set_xlabel(xlabel)
    data = dict(plotted.data)
    data["p_value"] = pd.DataFrame({"text": [legend]})
    return replace(plotted, name=name, title=title, caption=caption, data=data)


def _stem(prefix: str, endpoint: str, variant: str, group_var: str, extra: str = "") -> str:
    parts = (prefix, endpoint, variant, group_var, extra)
    return "_".join(p for p in parts if p).replace("/", "-").replace(" ", "_").replace("|", "_among_").replace(
        ".", "_").lower()


def simon_makuch_plot(curves: pd.DataFrame, risk: pd.DataFrame, ard, analysis: str,
                      context: ReportContext) -> PlottedFigure:
    """Simon-Makuch curves of one endpoint x grouping, the Mantel-Byar p in the legend."""
    ard = as_ard_rows(ard)
    c = curves[curves["analysis"] == analysis]
    first = c.iloc[0]
    endpoint, variant, group_var = first["endpoint"], str(first["variant"] or ""), str(first["group_var"] or "")
    test = ard.where(statistic="mantel_byar_p")
    plotted = survival_curve_plot(_as_km(c), risk, _as_logrank(test), analysis, context)
    legend = _p_text(test, "mantel_byar_p", _("Mantel-Byar"), context)
    described = endpoint_label(endpoint, variant, context.variable_labels)
    title = _("Simon-Makuch estimate of {endpoint} {by}").format(
        endpoint=described[:1].lower() + described[1:], by=by_variable(group_var, context.variable_labels))
    caption = _("Kaplan-Meier curves by current state: a patient is at risk in the curve without the event until "
                "the day of the event and in the curve with it from then on, so the numbers at risk move between "
                "the curves and no curve is credited with time before its event (no immortal time). The legend "
                "gives the patients ever in each curve.")
    return _retitle(plotted, name=_stem("figure_simon_makuch", endpoint, variant, group_var), title=title,
                    caption=caption + " " + plotted.caption, legend=legend)


def landmark_plot(curves: pd.DataFrame, risk: pd.DataFrame, ard, analysis: str,
                  context: ReportContext) -> PlottedFigure:
    """Curves from one landmark of one endpoint x grouping, the log-rank p from the landmark in the legend."""
    ard = as_ard_rows(ard)
    at = landmark_time(analysis)
    c = curves[curves["analysis"] == analysis]
    first = c.iloc[0]
    endpoint, variant, group_var = first["endpoint"], str(first["variant"] or ""), str(first["group_var"] or "")
    own = ArdRows([r for r in ard if r["statistic"] == "landmark_median" and float(r["time"]) == at])
    medians = ArdRows([{**r, "statistic": "km_median"} for r in own])
    rows = ArdRows([r for r in ard if r["statistic"] == "landmark_logrank_p" and float(r["time"]) == at])
    plotted = survival_curve_plot(_as_km(c), risk, ArdRows([*medians, *_as_logrank(rows)]), analysis, context)
    legend = _p_text(rows, "landmark_logrank_p", _("Log-rank from the landmark"), context)
    when = landmark_text(at, context.time_unit)
    described = endpoint_label(endpoint, variant, context.variable_labels)
    title = _("{endpoint} from the {landmark} {by}").format(
        endpoint=described, landmark=when, by=by_variable(group_var, context.variable_labels))
    caption = _("Patients event-free and under follow-up at the landmark, by whether the event had happened by "
                "then (no immortal time); the legend gives the patients at the landmark.")
    xlabel = (_("Months since the landmark ({time} months after time 0)") if context.time_unit == "months" else
              _("Days since the landmark ({time} days after time 0)")).format(time=f"{at:g}")
    return _retitle(plotted, name=_stem("figure_landmark", endpoint, variant, group_var, f"{at:g}"), title=title,
                    caption=caption + " " + plotted.caption, legend=legend, xlabel=xlabel)


def post_baseline_figure_jobs(curves: pd.DataFrame, risk: pd.DataFrame, ard, context: ReportContext) -> list:
    """One figure job per Simon-Makuch analysis and per landmark analysis of ``curves`` (ARD order),
    each given only its own curve, risk and ARD rows."""
    from .base import FigureJob

    if curves is None or curves.empty:
        return []
    mine = curves[curves["kind"].isin(["simon_makuch", "landmark"])]
    if mine.empty:
        return []
    if risk is None or risk.empty:
        risk = pd.DataFrame(columns=["analysis", "group", "time", "n_risk"])
    risk_of = dict(tuple(risk.groupby("analysis", sort=False)))
    rows = as_ard_rows(ard).where(section="post_baseline")
    jobs = []
    for analysis, c in mine.groupby("analysis", sort=False):
        first = c.iloc[0]
        own = rows.where(variable=first["endpoint"], variant=first["variant"], group_var=first["group_var"])
        builder = simon_makuch_plot if first["kind"] == "simon_makuch" else landmark_plot
        jobs.append(FigureJob(builder, (c, risk_of.get(analysis, risk.iloc[0:0]), ArdRows(list(own)), analysis,
                                        context)))
    return jobs
