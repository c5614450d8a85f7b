"""Forest plots of hazard ratios from the ARD: Cox model terms or subgroups.

Two sources (blinrwe/analysis/ard.py):

* ``cox_univariable`` / ``cox_multivariable``: variable = endpoint, level = model term
  ("ph_status[positive]"), statistic ``hr`` (value, lower, upper) and ``cox_p``;
* ``cox_subgroups``: variable = endpoint, group_var = subgroup variable, group = the level
  compared, level = the reference level, statistic ``hr`` (n = events, denominator =
  patients) and ``cox_p``.

A row whose ``hr`` is marked "reference" in the ARD note prints "1 (reference)" and is
drawn as an open diamond on the line of no effect; for subgroups without such a row the
reference level (the ARD ``level``) is still listed, as a reader expects to see what the
hazard ratios compare against. The HR axis is logarithmic with the line of no effect at 1;
"HR (95% CI)" and p are printed beside each row with the same formatting as the tables.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter, NullLocator

from blinrwe.model.i18n import _

from ..ard_index import as_ard_rows
from ..context import ReportContext
from ..disclosure import is_suppressed
from ..formatting import REFERENCE_LEVEL, format_count, format_hazard_ratio, format_p_value
from ..labels import level_label, sentence_gap, variable_label
from .base import PlottedFigure, new_figure
from .fonts import figure_style

FOREST_COLUMNS = ("label", "kind", "hr", "lower", "upper", "text", "p_text", "events", "key")
_KINDS = ("heading", "reference", "estimate")
_TABLE_KIND = {"cox_subgroups": "subgroups", "cox_univariable": "univariable", "cox_multivariable": "multivariable"}


def _is_reference(r: dict) -> bool:
    return "reference" in r["note"] or (r["value"] == 1 and math.isnan(r["lower"]) and math.isnan(r["upper"]))


def _p_text(p: dict | None, context: ReportContext) -> str:
    return "" if p is None else format_p_value(p["value"], context.p_decimals, rounding=context.rounding)


def _hr_text(r: dict, context: ReportContext) -> str:
    return format_hazard_ratio(r["value"], r["lower"], r["upper"], context.hr_decimals, context.rounding)


def _events_text(r: dict) -> str:
    missing = math.isnan(r["n"]) and not is_suppressed(r["n"])  # a suppressed count prints "<k"
    return "" if missing else f"{format_count(r['n'])}/{format_count(r['denominator'])}"


def _row(label, kind, r=None, text="", p_text="", events="", key=()) -> dict:
    hr, lo, hi = (1.0, np.nan, np.nan) if kind == "reference" else (
        (r["value"], r["lower"], r["upper"]) if r is not None else (np.nan, np.nan, np.nan))
    return {"label": label, "kind": kind, "hr": hr, "lower": lo, "upper": hi, "text": text, "p_text": p_text, "events": events,
            "key": key}


def cox_forest_rows(ard, table: str, endpoint: str, context: ReportContext, hr: str = "hr",
                    p: str = "cox_p") -> pd.DataFrame:
    """One row per model term of ``table`` for ``endpoint`` ("Variable: level"), in ARD order
    except that a covariate's reference level comes before its other levels. ``hr``, ``p``: the
    ARD statistics of the ratio and its p (e.g. "shr", "fg_p" of a Fine-Gray model)."""
    rows = as_ard_rows(ard).where(table=table, variable=endpoint)
    p_of = {r["level"]: r for r in rows.where(statistic=p)}
    terms = [r for r in rows.where(statistic=hr) if r["level"] not in ("", "GLOBAL") and " + " not in r["level"]]
    covariates = list(dict.fromkeys(r["level"].partition("[")[0] for r in terms))
    out = []
    for covariate in covariates:
        own = [r for r in terms if r["level"].partition("[")[0] == covariate]
        for r in sorted(own, key=lambda r: not _is_reference(r)):  # stable: reference first
            name, bracket, level = r["level"].partition("[")
            label = variable_label(name, context.variable_labels)
            if bracket:
                label = _("{variable}: {level}").format(variable=label, level=level_label(level.rstrip(']'), context.group_labels, variable=name, variable_labels=context.variable_labels))
            if _is_reference(r):
                out.append(_row(label, "reference", text=_(REFERENCE_LEVEL), key=(endpoint, r["level"])))
            else:
                out.append(_row(label, "estimate", r, _hr_text(r, context), _p_text(p_of.get(r["level"]), context),
                                key=(endpoint, r["level"])))
    return pd.DataFrame(out, columns=FOREST_COLUMNS)


def subgroup_forest_rows(ard, endpoint: str, context: ReportContext) -> pd.DataFrame:
    """Rows of the subgroup forest plot of ``endpoint``: per subgroup variable a heading, the
    reference level, then each compared level, in ARD order.

    Events/patients (ARD ``n``/``denominator``) are printed per level when they differ
    between the levels of a subgroup variable, else once on its heading (model totals)."""
    rows = as_ard_rows(ard).where(table="cox_subgroups", variable=endpoint)
    p_of = {(r["group_var"], r["group"]): r for r in rows.where(statistic="cox_p")}
    out = []
    hr_rows = rows.where(statistic="hr")
    for subgroup in hr_rows.unique("group_var"):
        own = hr_rows.where(group_var=subgroup)
        per_level = len({(r["n"], r["denominator"]) for r in own}) > 1
        totals = "" if per_level else _events_text(own[0])
        out.append(_row(variable_label(subgroup, context.variable_labels), "heading", events=totals, key=(endpoint, subgroup)))
        references = [r for r in own if _is_reference(r)]
        compared = [r for r in own if not _is_reference(r)]
        reference_levels = [r["group"] or r["level"] for r in references] or list(dict.fromkeys(r["level"] for r in compared if r["level"]))
        for level in reference_levels:
            ref = next((r for r in references if (r["group"] or r["level"]) == level), None)
            out.append(_row(level_label(level, context.group_labels, variable=subgroup, variable_labels=context.variable_labels), "reference", text=_(REFERENCE_LEVEL),
                            events=_events_text(ref) if ref is not None and per_level else "", key=(endpoint, subgroup, level)))
        for r in compared:
            out.append(_row(level_label(r["group"], context.group_labels, variable=subgroup, variable_labels=context.variable_labels), "estimate", r, _hr_text(r, context),
                            _p_text(p_of.get((subgroup, r["group"])), context), _events_text(r) if per_level else "",
                            key=(endpoint, subgroup, r["group"])))
    return pd.DataFrame(out, columns=FOREST_COLUMNS)


def forest_rows(ard, table: str, endpoint: str | None = None, context: ReportContext = ReportContext()) -> pd.DataFrame:
    """The rows a forest plot of ARD ``table`` draws for ``endpoint`` (the first endpoint with
    hazard ratios when not given)."""
    hr = as_ard_rows(ard).where(table=table, statistic="hr")
    if endpoint is None:
        if not len(hr):
            raise ValueError(f"ARD table {table!r} has no hazard-ratio rows")
        endpoint = hr[0]["variable"]
    if table == "cox_subgroups":
        return subgroup_forest_rows(ard, endpoint, context)
    return cox_forest_rows(ard, table, endpoint, context)


def forest_name(table: str, endpoint: str) -> str:
    """File stem of a forest plot: ``figure_forest_<subgroups|univariable|multivariable>_<endpoint>``."""
    kind = _TABLE_KIND.get(table, table)
    return f"figure_forest_{kind}_{endpoint}".lower().replace(" ", "_").replace("/", "-")


def forest_plot(ard, table: str, context: ReportContext, title: str = "Hazard ratios",
                name: str | None = None, endpoint: str | None = None,
                rows: pd.DataFrame | None = None) -> PlottedFigure:
    """Forest plot of the hazard ratios in ARD ``table`` ("cox_subgroups", "cox_univariable",
    "cox_multivariable") for one endpoint (ARD variable; the first when not given).

    Subgroups are grouped under a bold heading per subgroup variable, with the reference
    level first. Hazard ratios are squares with their CI whiskers (an arrow where a bound
    falls outside the axis), reference levels open diamonds at 1. ``rows``: rows of
    :data:`FOREST_COLUMNS` built by the caller (e.g. two models side by side) instead of
    those of ``table``.
    """
    ard = as_ard_rows(ard)
    rows = forest_rows(ard, table, endpoint, context) if rows is None else rows
    if endpoint is None:
        endpoint = ard.where(table=table, statistic="hr")[0]["variable"]
    if not (rows["kind"] == "estimate").any():
        raise ValueError(f"ARD table {table!r} has no hazard-ratio rows for {endpoint!r}")
    name = name or forest_name(table, endpoint)
    n = len(rows)
    y = np.arange(n, dtype=float)[::-1]
    est = rows[rows["kind"] == "estimate"]
    y_est = y[(rows["kind"] == "estimate").to_numpy()]
    values = est[["hr", "lower", "upper"]].to_numpy(float)
    finite = values[np.isfinite(values) & (values > 0)]
    lo = min(0.5, float(finite.min()) * 0.8) if finite.size else 0.1
    hi = max(2.0, float(finite.max()) * 1.25) if finite.size else 10.0
    lo, hi = max(lo, 0.01), min(hi, 100.0)  # a bound beyond these is drawn as an arrow
    has_events = (rows["events"] != "").any()
    has_p = (rows["p_text"] != "").any()

    height = 0.95 + 0.27 * n
    with matplotlib.rc_context(figure_style()):
        fig = new_figure(7.2, height)
        # label column on the left (axes coordinates < 0), text columns on the right (> 1)
        ax = fig.add_axes((0.38, 0.62 / height, 0.30, 1 - 0.98 / height))
        hr = est["hr"].to_numpy(float)
        lower = np.clip(est["lower"].to_numpy(float), lo, hi)
        upper = np.clip(est["upper"].to_numpy(float), lo, hi)
        drawable = np.isfinite(hr)
        ax.errorbar(np.clip(hr[drawable], lo, hi), y_est[drawable],
                    xerr=[np.clip(hr[drawable], lo, hi) - np.nan_to_num(lower[drawable], nan=lo),
                          np.nan_to_num(upper[drawable], nan=hi) - np.clip(hr[drawable], lo, hi)],
                    fmt="s", color="#0072B2", ecolor="#333333", elinewidth=1.1, capsize=2.5, markersize=5)
        for yi, l0, u0, h in zip(y_est, est["lower"], est["upper"], hr):
            if math.isfinite(h) and (not math.isfinite(u0) or u0 > hi):
                ax.annotate("", xy=(hi, yi), xytext=(min(max(h, lo), hi), yi),
                            arrowprops=dict(arrowstyle="->", color="#333333", lw=1.1))
            if math.isfinite(h) and (not math.isfinite(l0) or l0 < lo):
                ax.annotate("", xy=(lo, yi), xytext=(min(max(h, lo), hi), yi),
                            arrowprops=dict(arrowstyle="->", color="#333333", lw=1.1))
        ref = (rows["kind"] == "reference").to_numpy()
        if ref.any():
            ax.plot(np.ones(ref.sum()), y[ref], linestyle="none", marker="D", markersize=4.5,
                    markerfacecolor="white", markeredgecolor="#333333")
        ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle="--")
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50, 100) if lo <= t <= hi]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FixedFormatter([f"{t:g}" for t in ticks]))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(-0.7, n - 0.3)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel(_("Hazard ratio ({level}% CI), log scale").format(level=context.ci_level))
        at = ax.get_yaxis_transform()
        # row labels are the y tick labels, left-aligned in a column 1.2 axes widths to the left
        indent = "    " if (rows["kind"] == "heading").any() else ""
        ax.set_yticks(y)
        labels = ax.set_yticklabels([lab if kind == "heading" else indent + lab for lab, kind in zip(rows["label"], rows["kind"])])
        axes_width_pt = 0.30 * 7.2 * 72
        ax.tick_params(axis="y", length=0, pad=1.2 * axes_width_pt)
        for text, kind in zip(labels, rows["kind"]):
            text.set_horizontalalignment("left")
            text.set_verticalalignment("center")  # level with the texts beside it
            if kind == "heading":
                text.set_fontweight("bold")
        columns = [(1.04, _("HR ({level}% CI)").format(level=context.ci_level), rows["text"])]
        if has_p:
            columns.append((1.62, "p", rows["p_text"]))
        if has_events:
            columns.insert(0, (-0.24, _("Events/N"), rows["events"]))
        header_y = n - 0.3
        for x, header, texts in columns:
            ha = "right" if x < 0 else "left"
            ax.text(x + (0.2 if x < 0 else 0), header_y, header, transform=at, ha=ha, va="bottom", fontweight="bold")
            for yi, text in zip(y, texts):
                if text:
                    ax.text(x + (0.2 if x < 0 else 0), yi, text, transform=at, ha=ha, va="center")
        fig.suptitle(title if title != "Hazard ratios" else _(title), x=0.02, ha="left", fontweight="bold", fontsize=10)
    data = {"hazard_ratios": pd.DataFrame({"label": est["label"].to_numpy(), "hr": est["hr"].to_numpy(float),
                                           "lower": est["lower"].to_numpy(float), "upper": est["upper"].to_numpy(float),
                                           "y": y_est, "text": est["text"].to_numpy()}),
            "rows": rows.assign(y=y)}
    caption = _("Squares are hazard ratios, whiskers their confidence intervals; the dashed line marks no effect.")
    if ref.any():
        caption += sentence_gap() + _("Open diamonds mark the reference level of each comparison.")
    return PlottedFigure(name, title, fig, data, caption)
