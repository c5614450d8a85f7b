"""Forest plot of hazard ratios (subgroups or Cox covariates) from the ARD.

Each row is an ARD ``hr`` row (value, lower, upper) with its ``cox_p``; the HR axis
is logarithmic with the line of no effect at 1, and the printed "HR (95% CI)"
column on the right uses the same formatting as the tables.
"""

from __future__ import annotations


import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from ..context import ReportContext
from ..formatting import format_hazard_ratio
from ..labels import level_label, variable_label
from .base import STYLE, PlottedFigure, new_figure


def forest_rows(ard: pd.DataFrame, table: str) -> pd.DataFrame:
    """The HR rows of ``table`` in ARD order, reference levels dropped, with display labels left to the plot."""
    rows = ard[(ard["table"] == table) & (ard["statistic"] == "hr") & (ard["level"].fillna("") != "GLOBAL")]
    reference = rows["note"].fillna("").str.contains("reference") | ((rows["value"] == 1) & rows["lower"].isna())
    return rows[~reference].reset_index(drop=True)


def forest_plot(ard: pd.DataFrame, table: str, context: ReportContext, title: str = "Hazard ratios",
                name: str = "figure_forest", endpoint: str | None = None) -> PlottedFigure:
    """Forest plot of the hazard ratios in ARD ``table`` (e.g. "cox_univariable") for one
    endpoint (ARD variable; the first when not given), one row per model term (ARD level)."""
    rows = forest_rows(ard, table)
    if not rows.empty:
        endpoint = endpoint or rows["variable"].iloc[0]
        rows = rows[rows["variable"] == endpoint].reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"ARD table {table!r} has no hazard-ratio rows")
    labels = []
    for term in rows["level"].fillna(""):
        name, bracket, level = str(term).partition("[")
        label = variable_label(name, context.variable_labels)
        labels.append(f"{label}: {level_label(level.rstrip(']'), context.group_labels)}" if bracket else label)
    texts = [format_hazard_ratio(h, lo, hi, context.hr_decimals, context.rounding)
             for h, lo, hi in zip(rows["value"], rows["lower"], rows["upper"])]
    y = np.arange(len(rows))[::-1]
    finite = rows[["value", "lower", "upper"]].to_numpy(float)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    lo = min(0.5, float(finite.min()) * 0.8) if finite.size else 0.1
    hi = max(2.0, float(finite.max()) * 1.25) if finite.size else 10

    with matplotlib.rc_context(STYLE):
        fig = new_figure(7.0, 1.1 + 0.32 * len(rows))
        ax = fig.add_axes((0.38, 0.9 / (1.1 + 0.32 * len(rows)), 0.36, 1 - 1.25 / (1.1 + 0.32 * len(rows))))
        ax.errorbar(rows["value"], y, xerr=[rows["value"] - rows["lower"], rows["upper"] - rows["value"]],
                    fmt="s", color="#0072B2", ecolor="#333333", elinewidth=1.1, capsize=2.5, markersize=5)
        ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle="--")
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ticks = [t for t in (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50) if lo <= t <= hi]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FixedFormatter([f"{t:g}" for t in ticks]))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(f"Hazard ratio ({context.ci_level}% CI), log scale")
        for yi, text in zip(y, texts):
            ax.text(1.04, yi, text, transform=ax.get_yaxis_transform(), ha="left", va="center")
        ax.text(1.04, len(rows) - 0.3, f"HR ({context.ci_level}% CI)", transform=ax.get_yaxis_transform(),
                ha="left", va="bottom", fontweight="bold")
        ax.set_title(title, loc="left", fontweight="bold", x=-0.9)
    data = {"hazard_ratios": pd.DataFrame({"label": labels, "hr": rows["value"], "lower": rows["lower"],
                                           "upper": rows["upper"], "y": y, "text": texts})}
    return PlottedFigure(name, title, fig, data, "Squares are hazard ratios, whiskers their confidence intervals; the dashed line marks no effect.")
