"""Alluvial (two-column Sankey) diagram from blinatumomab exposure class to the next therapy.

Hand-drawn with matplotlib patches: ``matplotlib.sankey.Sankey`` draws single-node
flow arrows, not two-column alluvial diagrams, and no well-kept alluvial library
exists for matplotlib (pySankey is unmaintained; plotly needs a browser engine
(kaleido) to export static images). Each flow is a band between two cubic Bezier
curves whose width is proportional to its patient count.
"""

from __future__ import annotations

import matplotlib
import pandas as pd
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from blinrwe.model.i18n import _

from ..context import ReportContext
from ..disclosure import suppression_active
from ..formatting import format_count
from ..labels import level_label, ordered_levels, sentence_gap
from .base import PlottedFigure, group_colour, new_figure
from .fonts import figure_style, text_width

_GAP = 0.03  # vertical gap between nodes, as a fraction of the total height
_NODE_WIDTH = 0.04


def _stack(totals: dict[str, float], scale: float) -> dict[str, tuple[float, float]]:
    """(bottom, top) of each node stacked from the top down, with gaps."""
    out, top = {}, 1.0
    for key, total in totals.items():
        out[key] = (top - total * scale, top)
        top -= total * scale + _GAP
    return out


def sankey_plot(flows: pd.DataFrame, context: ReportContext, title: str = "Therapy after blinatumomab",
                source_title: str = "Blinatumomab exposure", target_title: str = "Next therapy",
                name: str = "figure_sankey") -> PlottedFigure:
    """Alluvial diagram of ``flows`` (source, target, n): left nodes are the sources,
    right nodes the targets, band widths proportional to n."""
    flows = flows[flows["n"].astype(float) > 0].reset_index(drop=True)
    if flows.empty:
        raise ValueError("no flows with patients to draw")
    source_order, target_order = ordered_levels(flows["source"]), ordered_levels(flows["target"])
    # bands stacked in node order on both sides, so they never cross inside a node
    flows = flows.assign(_s=flows["source"].map({s: i for i, s in enumerate(source_order)}),
                         _t=flows["target"].map({t: i for i, t in enumerate(target_order)}))
    flows = flows.sort_values(["_s", "_t"], kind="stable").drop(columns=["_s", "_t"]).reset_index(drop=True)
    sources = {s: float(flows.loc[flows["source"] == s, "n"].sum()) for s in source_order}
    targets = {t: float(flows.loc[flows["target"] == t, "n"].sum()) for t in target_order}
    total = sum(sources.values())
    n_gaps = max(len(sources), len(targets)) - 1
    scale = (1.0 - _GAP * n_gaps) / total
    left, right = _stack(sources, scale), _stack(targets, scale)
    colour_of = {s: group_colour(i) for i, s in enumerate(sources)}
    x0, x1 = 0.0 + _NODE_WIDTH, 1.0 - _NODE_WIDTH
    src_cursor = {s: left[s][1] for s in sources}
    tgt_cursor = {t: right[t][1] for t in targets}
    bands = []

    with matplotlib.rc_context(figure_style()):
        # margins sized to the node labels (~0.075 in a character) so every label is inside the canvas
        source_chars = max(text_width(line) for s in sources for line in (level_label(s, context.group_labels), f"(n = {format_count(sources[s])})"))
        target_chars = max(text_width(f"{level_label(t, context.group_labels)} (n = {format_count(targets[t])})") for t in targets)
        left_in = max(0.075 * source_chars + 0.35, 0.045 * text_width(source_title) + 0.2, 1.0)
        right_in = max(0.075 * target_chars + 0.35, 0.045 * text_width(target_title) + 0.2, 1.0)
        plot_in = 3.6
        width = left_in + plot_in + right_in
        fig = new_figure(width, 4.6)
        ax = fig.add_axes((left_in / width, 0.04, plot_in / width, 0.84))
        for _i, f in flows.iterrows():  # one patch per flow (sources x targets, a few dozen at most)
            h = float(f["n"]) * scale
            s_top, t_top = src_cursor[f["source"]], tgt_cursor[f["target"]]
            src_cursor[f["source"]] -= h
            tgt_cursor[f["target"]] -= h
            xm = (x0 + x1) / 2
            verts = [(x0, s_top), (xm, s_top), (xm, t_top), (x1, t_top),
                     (x1, t_top - h), (xm, t_top - h), (xm, s_top - h), (x0, s_top - h), (x0, s_top)]
            codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4,
                     MplPath.LINETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=colour_of[f["source"]], alpha=0.45, edgecolor="none"))
            bands.append({"source": f["source"], "target": f["target"], "n": float(f["n"]),
                          "source_top": s_top, "target_top": t_top, "height": h})
        for s, (bottom, top) in left.items():
            ax.add_patch(Rectangle((0, bottom), _NODE_WIDTH, top - bottom, color=colour_of[s]))
            ax.text(-0.02, (bottom + top) / 2, f"{level_label(s, context.group_labels)}\n(n = {format_count(sources[s])})",
                    ha="right", va="center")
        for t, (bottom, top) in right.items():
            ax.add_patch(Rectangle((1 - _NODE_WIDTH, bottom), _NODE_WIDTH, top - bottom, color="#555555"))
            ax.text(1.02, (bottom + top) / 2, f"{level_label(t, context.group_labels)} (n = {format_count(targets[t])})",
                    ha="left", va="center")
        ax.text(0.0, 1.04, source_title, ha="center", va="bottom", fontweight="bold")
        ax.text(1.0, 1.04, target_title, ha="center", va="bottom", fontweight="bold")
        ax.set_xlim(0, 1)
        ax.set_ylim(min(b for b, _top in [*left.values(), *right.values()]) - 0.01, 1.0)
        ax.axis("off")
    data = {"bands": pd.DataFrame(bands), "sources": pd.DataFrame({"node": list(sources), "n": list(sources.values())}),
            "targets": pd.DataFrame({"node": list(targets), "n": list(targets.values())})}
    caption = _("Band widths are proportional to the number of patients.")
    if suppression_active(context.min_cell):  # masked flows are NaN, so not drawn (disclosure.py)
        caption += sentence_gap() + _("Flows of fewer than {k} patients are not drawn.").format(k=context.min_cell)
    return PlottedFigure(name, title, fig, data, caption)
