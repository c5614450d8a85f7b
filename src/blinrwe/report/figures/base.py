"""The figure result type, the journal style and writing figures to PNG, SVG and PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")  # no display on servers; Figure objects below never touch pyplot

import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Okabe & Ito (2008) colour-blind-safe palette, the one Nature Methods recommends; black last.
GROUP_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.6,
    "svg.fonttype": "none",  # text stays text in SVG (searchable, smaller)
    "pdf.fonttype": 42,      # TrueType in PDF, editable by journals
}


def new_figure(width_in: float, height_in: float) -> Figure:
    """A Figure on an Agg canvas, in the journal style."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width_in, height_in), layout=None)
    FigureCanvasAgg(fig)
    return fig


def group_colour(index: int) -> str:
    return GROUP_COLOURS[index % len(GROUP_COLOURS)]


@dataclass(frozen=True, eq=False)
class PlottedFigure:
    """A rendered figure, its file stem, caption and the data drawn (name -> DataFrame)."""

    name: str
    title: str
    figure: Figure
    data: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    caption: str = ""

    def png_bytes(self, dpi: int = 200) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        return buffer.getvalue()

    def svg_text(self) -> str:
        buffer = io.StringIO()
        with matplotlib.rc_context(STYLE):  # svg.fonttype "none": text stays text
            self.figure.savefig(buffer, format="svg", bbox_inches="tight", facecolor="white")
        text = buffer.getvalue()
        return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE for inline use


def save_figure(plotted: PlottedFigure, out_dir: Path, formats=("png", "svg", "pdf"), dpi: int = 200) -> dict[str, Path]:
    """Write the figure as each of ``formats`` into ``out_dir``; returns format -> path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    with matplotlib.rc_context(STYLE):
        for fmt in formats:
            path = out_dir / f"{plotted.name}.{fmt}"
            plotted.figure.savefig(path, format=fmt, dpi=dpi, bbox_inches="tight", facecolor="white",
                                   metadata={"Creator": "blinrwe"} if fmt in ("png", "pdf", "svg") else None)
            paths[fmt] = path
    return paths
