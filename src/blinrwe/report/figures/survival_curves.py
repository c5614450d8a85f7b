"""Kaplan-Meier and cumulative-incidence curves with the number-at-risk table below.

Reads ``StudyResults.curves`` (step data: time, estimate, lower, upper, n_censor),
``StudyResults.risk_tables`` (numbers at risk at the tick times) and the ARD
(median survival, log-rank / Gray's p). Nothing is estimated here: the steps,
bands, censor marks, medians and p-values are drawn as the analysis layer
computed them.
"""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import blended_transform_factory

from blinrwe.model.i18n import _

from ..ard_index import ArdRows, as_ard_rows
from ..caveats import axis_label, immortal_time_events, immortal_time_warning
from ..context import ReportContext
from ..formatting import format_count, format_p_value
from ..labels import by_variable, endpoint_label, level_label, variable_label
from ..labels_codes import ENDPOINT_LABELS
from .base import PlottedFigure, group_colour, legend_clear_of, new_figure, occupied_cells
from .fonts import figure_style, text_width


#: above this many censoring times in one curve the tick marks are not drawn
MAX_CENSOR_MARKS = 300


def _ard_rows(ard: ArdRows, endpoint: str, variant: str, group_var: str, statistic: str) -> ArdRows:
    return ard.where(variable=endpoint, variant=variant, group_var=group_var, statistic=statistic)


def survival_curve_plot(curves: pd.DataFrame, risk_tables: pd.DataFrame, ard, analysis: str,
                        context: ReportContext, name: str | None = None) -> PlottedFigure:
    """One figure for one ``analysis`` of ``curves`` (all its groups).

    Kaplan-Meier curves (kind "km") fall from 100%, cumulative incidence (kind "cif")
    rises from 0. Censored observations are marked with "|" on the curve, pointwise
    CI bands are drawn when ``context.ci_bands``, dotted lines mark medians reached,
    and the log-rank (or Gray's) p heads the legend, which is placed where no curve, band
    or median line is (:func:`~.base.legend_clear_of`). The number-at-risk table sits under
    the x axis, each count centred on its tick.
    """
    ard = as_ard_rows(ard)
    c = curves[curves["analysis"] == analysis].sort_values(["group", "time"], kind="stable")
    if c.empty:
        raise ValueError(f"no curve rows for analysis {analysis!r}")
    first = c.iloc[0]
    endpoint, variant, group_var, kind = first["endpoint"], str(first["variant"] or ""), str(first["group_var"] or ""), first["kind"]
    groups = list(dict.fromkeys(c["group"]))
    if "Overall" in groups:
        groups = ["Overall"] + [g for g in groups if g != "Overall"]
    risk = risk_tables[risk_tables["analysis"] == analysis] if risk_tables is not None and not risk_tables.empty else risk_tables.iloc[0:0]
    ticks = sorted(set(risk["time"].astype(float))) if not risk.empty else []
    n_table_rows = len(groups) if ticks else 0

    # room on the left for the risk-table row labels (bold, ~0.085 in a character) inside the canvas
    group_labels = {g: level_label(g, context.group_labels, variable=group_var, variable_labels=context.variable_labels) for g in groups}
    longest = max((text_width(label) for label in group_labels.values()), default=0)
    left = max(0.2, (0.085 * longest + 0.75) / 7.0)
    with matplotlib.rc_context(figure_style()):
        fig = new_figure(7.0, 4.4 + 0.22 * n_table_rows + (0.45 if ticks else 0))
        if ticks:
            grid = fig.add_gridspec(2, 1, height_ratios=[4.4, 0.45 + 0.22 * n_table_rows], hspace=0.42,
                                    left=left, right=0.97, top=0.93, bottom=0.08)
            ax = fig.add_subplot(grid[0])
            ax_risk = fig.add_subplot(grid[1], sharex=ax)
        else:
            ax = fig.add_axes((0.12, 0.14, 0.84, 0.78))
            ax_risk = None

        censor_points, medians, legend_n = [], [], []
        drawn_steps = []  # (x, lower, upper) of every line and band, to keep the legend off them
        # censor ticks stop being readable marks past a few hundred per curve (a registry of
        # 100,000 patients draws a solid band): then they are left out and the caption says so
        marks_readable = int((c["n_censor"].fillna(0) > 0).groupby(c["group"]).sum().max() or 0) <= MAX_CENSOR_MARKS
        median_rows = _ard_rows(ard, endpoint, variant, group_var, "km_median")
        for i, group in enumerate(groups):
            g = c[c["group"] == group]
            colour = group_colour(i) if len(groups) > 1 else "#000000"
            t = g["time"].to_numpy(float)
            est = g["estimate"].to_numpy(float)
            n0 = g["n_risk"].iloc[0]
            label = group_labels[group]
            legend_n.append(n0)
            ax.step(t, est, where="post", color=colour, label=_("{label} (n = {n})").format(label=label, n=format_count(n0)))
            drawn_steps.append((t, est, est))
            if context.ci_bands and g["lower"].notna().any():
                ax.fill_between(t, g["lower"].to_numpy(float), g["upper"].to_numpy(float), step="post",
                                color=colour, alpha=0.13, linewidth=0)
                drawn_steps.append((t, g["lower"].to_numpy(float), g["upper"].to_numpy(float)))
            cens = g[g["n_censor"].fillna(0) > 0]
            if not cens.empty and marks_readable:
                ax.plot(cens["time"], cens["estimate"], linestyle="none", marker="|", markersize=6,
                        markeredgewidth=1.1, color=colour)
                censor_points.append(cens[["group", "time", "estimate"]])
            m = median_rows.first(group=group) if kind == "km" else None
            if m is not None:
                if not math.isnan(m["value"]):
                    med = float(m["value"])
                    ax.plot([0, med, med], [0.5, 0.5, 0], linestyle=":", linewidth=0.9, color=colour)
                    drawn_steps += [([0, med], [0.5, 0.5], [0.5, 0.5]), ([med, med], [0, 0], [0.5, 0.5])]
                    medians.append({"group": group, "median": med})

        ax.set_ylim(-0.02, 1.04)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        x_max = max(ticks[-1] if ticks else 0.0, float(c["time"].max()))
        ax.set_xlim(0, x_max * 1.02 if x_max > 0 else 1)
        if ticks:
            ax.set_xticks(ticks)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
        # time 0 is the endpoint's declared origin (RFS, DOR, CIR: the first response), carried by its curve
        origin = str(first["time_origin"]) if "time_origin" in c.columns and isinstance(first["time_origin"], str) \
            and first["time_origin"] else context.time_origin
        ax.set_xlabel(axis_label(context.time_unit, origin))
        english = ENDPOINT_LABELS.get(endpoint, "")
        base = _(english) if english else variable_label(endpoint, context.variable_labels)
        if kind == "cif" and not english.lower().startswith("cumulative incidence"):
            ylabel = _("Cumulative incidence of {endpoint} (%)").format(endpoint=base[0].lower() + base[1:])
        else:
            ylabel = _("{label} (%)").format(label=base)
        ax.set_ylabel(ylabel)
        ax.set_title(endpoint_label(endpoint, variant, context.variable_labels), loc="left", fontweight="bold")
        ax.grid(axis="y", linewidth=0.4, color="#d9d9d9")

        p_text = ""
        p_stat = "gray_p" if kind == "cif" else "logrank_p"
        p_rows = _ard_rows(ard, endpoint, variant, group_var, p_stat)
        if len(p_rows) and len(groups) > 1:
            p = format_p_value(p_rows[0]["value"], context.p_decimals, rounding=context.rounding)
            name_p = _("Gray's test") if kind == "cif" else _("Log-rank")
            p_text = f"{name_p} p < {p[1:]}" if p.startswith("<") else f"{name_p} p = {p}"
        # the p heads the legend; together they go where the curves leave room (KM curves fall
        # away from the lower left, incidence curves rise away from the upper left)
        legend_clear_of(ax, occupied_cells(ax, drawn_steps), ("lower left",) if kind == "km" else ("upper left",),
                        frameon=False, title=p_text or None, alignment="left")

        risk_drawn = pd.DataFrame(columns=["group", "time", "n_risk"])
        if ax_risk is not None:
            ax_risk.set_ylim(-0.5, n_table_rows - 0.5)
            ax_risk.invert_yaxis()
            for side in ("top", "right", "left", "bottom"):
                ax_risk.spines[side].set_visible(False)
            ax_risk.tick_params(axis="both", length=0, labelbottom=False, labelleft=False)
            label_at = blended_transform_factory(ax_risk.transAxes, ax_risk.transData)
            drawn = []
            for i, group in enumerate(groups):
                colour = group_colour(i) if len(groups) > 1 else "#000000"
                ax_risk.text(-0.08, i, group_labels[group], transform=label_at,
                             ha="right", va="center", color=colour, fontweight="bold")
                r = risk[risk["group"] == group]
                for t, n in zip(r["time"].astype(float), r["n_risk"]):
                    ax_risk.text(t, i, format_count(n), ha="center", va="center")
                    drawn.append({"group": group, "time": t, "n_risk": n})
            ax_risk.text(-0.08, -0.9, _("Number at risk"), transform=label_at, ha="right", va="center", fontstyle="italic")
            risk_drawn = pd.DataFrame(drawn, columns=["group", "time", "n_risk"])
        # groups defined after the first infusion (allo-HSCT, response ...): said on the figure itself
        warning = immortal_time_warning(immortal_time_events(
            r["note"] for r in ard if r["variable"] == endpoint and (r["group_var"] or "") == group_var))
        if warning:
            fig.text(0.01, 0.005, _("Caution: groups defined after time 0 (immortal-time bias; see caption)"),
                     ha="left", va="bottom", color="#a00000", fontsize=7.5)

    censors = pd.concat(censor_points, ignore_index=True) if censor_points else pd.DataFrame(columns=["group", "time", "estimate"])
    stem = name or "figure_" + "_".join(x for x in (kind, endpoint, variant, group_var) if x).replace("/", "-").replace(" ", "_").replace("|", "_among_").lower()
    title = curve_title(kind, endpoint, variant, group_var, context)
    parts = [_("Tick marks show censored observations") if marks_readable
             else _("Censored observations are not marked (more than {n} per curve)").format(n=MAX_CENSOR_MARKS)]
    if context.ci_bands:
        parts.append(_("shaded bands are pointwise {level}% confidence intervals").format(level=context.ci_level))
    if medians:
        parts.append(_("dotted lines mark the median"))
    caption = _("{list}.").format(list=_("; ").join(parts)) + (f" {warning}" if warning else "")
    data = {
        "curves": c.reset_index(drop=True),
        "risk_table": risk_drawn,
        "censor_marks": censors,
        "medians": pd.DataFrame(medians, columns=["group", "median"]),
        "p_value": pd.DataFrame({"text": [p_text]}),
        "caveats": pd.DataFrame({"text": [warning] if warning else []}),
    }
    return PlottedFigure(stem, title, fig, data, caption)


def curve_title(kind: str, endpoint: str, variant: str, group_var: str, context: ReportContext) -> str:
    """The figure title: "Kaplan-Meier estimate of overall survival (OS) by disease setting",
    "Cumulative incidence of relapse (CIR) by Philadelphia chromosome"."""
    described = endpoint_label(endpoint, variant, context.variable_labels)
    lowered = described[:1].lower() + described[1:]
    if kind == "km":
        title = _("Kaplan-Meier estimate of {endpoint}").format(endpoint=lowered)
    elif ENDPOINT_LABELS.get(endpoint, "").lower().startswith("cumulative incidence"):
        title = described
    else:
        title = _("Cumulative incidence of {endpoint}").format(endpoint=lowered)
    return _("{title} {by}").format(title=title, by=by_variable(group_var, context.variable_labels)) if group_var else title
