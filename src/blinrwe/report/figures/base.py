"""The figure result type, the journal style and writing figures to PNG, SVG and PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import matplotlib

matplotlib.use("Agg")  # no display on servers; Figure objects below never touch pyplot

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402  (Pillow: a matplotlib dependency)
from PIL.PngImagePlugin import PngInfo  # noqa: E402

from .pdf_fonts import use_lean_subsetting  # noqa: E402

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
    "svg.hashsalt": "blinrwe",  # fixed SVG element ids: the same figure gives the same file
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


#: cells of the free-space grid over an axes (rows, columns); a cell is ~2 pt on a 7-inch figure
_GRID = (120, 200)


def occupied_cells(ax, steps, pad_points: float = 4.0) -> np.ndarray:
    """Which cells of a grid over ``ax`` (row 0 at the bottom, axes fractions) anything drawn
    from ``steps`` covers, widened by ``pad_points`` on every side.

    ``steps`` are ``(x, lower, upper)`` arrays in data coordinates of right-continuous step
    functions as ``step(where="post")`` and ``fill_between(step="post")`` draw them: a line is
    ``(t, s, s)``, a confidence band ``(t, lower, upper)``, a vertical segment at ``x`` a step
    ``([x, x], [y0, y0], [y1, y1])``. Within each column the covered height runs from the
    lowest to the highest value of the steps that column spans (vertical jumps included).
    Call after the axes limits are set."""
    rows, cols = _GRID
    grid = np.zeros((rows, cols), dtype=bool)
    to_axes = ax.transData + ax.transAxes.inverted()
    edges = np.linspace(0.0, 1.0, cols + 1)
    for x, lower, upper in steps:
        x = np.asarray(x, dtype=float)
        lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
        keep = np.isfinite(x) & (np.isfinite(lower) | np.isfinite(upper))
        if not keep.any():
            continue
        x, lower, upper = x[keep], lower[keep], upper[keep]
        lower, upper = np.where(np.isfinite(lower), lower, upper), np.where(np.isfinite(upper), upper, lower)
        ax_x = to_axes.transform(np.column_stack([x, np.zeros_like(x)]))[:, 0]
        ax_lo = to_axes.transform(np.column_stack([x, lower]))[:, 1]
        ax_hi = to_axes.transform(np.column_stack([x, upper]))[:, 1]
        first = np.maximum(np.searchsorted(ax_x, edges[:-1], side="right") - 1, 0)
        last = np.searchsorted(ax_x, edges[1:], side="right") - 1
        spanned = (edges[1:] >= ax_x[0]) & (edges[:-1] <= ax_x[-1]) & (last >= 0)
        for j in np.flatnonzero(spanned):
            y0 = float(np.min(np.minimum(ax_lo, ax_hi)[first[j]:last[j] + 1]))
            y1 = float(np.max(np.maximum(ax_lo, ax_hi)[first[j]:last[j] + 1]))
            r0, r1 = int(np.floor(y0 * rows)), int(np.floor(y1 * rows))
            if r1 < 0 or r0 >= rows:
                continue
            grid[max(r0, 0):min(r1, rows - 1) + 1, j] = True
    width_pt, height_pt = (ax.get_window_extent().size / ax.figure.dpi * 72.0)
    pad_c, pad_r = int(np.ceil(pad_points * cols / max(width_pt, 1e-9))), int(np.ceil(pad_points * rows / max(height_pt, 1e-9)))
    # widening by a box is separable: rows first, then columns (pad_r + pad_c passes, not their product)
    tall = grid.copy()
    for dr in range(-pad_r, pad_r + 1):
        tall[max(dr, 0):rows + min(dr, 0)] |= grid[max(-dr, 0):rows + min(-dr, 0)]
    widened = tall.copy()
    for dc in range(-pad_c, pad_c + 1):
        widened[:, max(dc, 0):cols + min(dc, 0)] |= tall[:, max(-dc, 0):cols + min(-dc, 0)]
    return widened


def covers_occupied(ax, artist, occupied: np.ndarray) -> bool:
    """Whether ``artist`` (as laid out now) lies over any occupied cell of ``ax``, or outside it."""
    rows, cols = occupied.shape
    box = artist.get_window_extent(ax.figure.canvas.get_renderer()).transformed(ax.transAxes.inverted())
    if box.x0 < 0 or box.y0 < 0 or box.x1 > 1 or box.y1 > 1:
        return True
    r0, r1 = int(np.floor(box.y0 * rows)), int(np.ceil(box.y1 * rows))
    c0, c1 = int(np.floor(box.x0 * cols)), int(np.ceil(box.x1 * cols))
    return bool(occupied[r0:r1, c0:c1].any())


#: legend locations tried in turn (matplotlib names) after the preferred ones
LEGEND_LOCATIONS = ("upper right", "lower left", "lower right", "upper left", "center right", "center left",
                    "upper center", "lower center", "center")


def legend_clear_of(ax, occupied: np.ndarray, preferred=(), **kwargs):
    """``ax.legend(**kwargs)`` at the first location (``preferred`` first, then
    :data:`LEGEND_LOCATIONS`) where the whole box, title and annotations included, covers
    no occupied cell (:func:`occupied_cells`); outside the axes on the right when every
    location inside is taken. Never over a curve or a confidence band."""
    legend = None
    for loc in dict.fromkeys((*preferred, *LEGEND_LOCATIONS)):
        if legend is None:
            legend = ax.legend(loc=loc, **kwargs)
        else:
            legend.set_loc(loc)  # the same box moved: built once, not once per location tried
        if not covers_occupied(ax, legend, occupied):
            return legend
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kwargs)


@dataclass(frozen=True, eq=False)
class PlottedFigure:
    """A rendered figure, its file stem, caption and the data drawn (name -> DataFrame).

    ``figure`` is None for a figure drawn by a worker process
    (:func:`blinrwe.report.figures.batch.draw_and_save`): already written to files, or
    sent back as ``png`` (the PNG the reports embed)."""

    name: str
    title: str
    figure: Figure | None
    data: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    caption: str = ""
    png: bytes | None = None

    def png_bytes(self, dpi: int = 200) -> bytes:
        """The figure as PNG, as :func:`save_figure` writes it (``png`` when the Figure stayed
        in a worker)."""
        if self.figure is None and self.png is not None:
            return self.png
        buffer = io.BytesIO()
        with matplotlib.rc_context(STYLE):
            if not write_png_trimmed(self.figure, buffer, dpi):
                bbox = self.figure.get_tightbbox().padded(_PAD_INCHES)  # laid out by the drawing above
                self.figure.savefig(buffer, format="png", dpi=dpi, bbox_inches=bbox, facecolor="white",
                                    metadata=_METADATA["png"])
        return buffer.getvalue()

    def svg_text(self) -> str:
        buffer = io.StringIO()
        with matplotlib.rc_context(STYLE):  # svg.fonttype "none": text stays text
            self.figure.savefig(buffer, format="svg", bbox_inches="tight", facecolor="white")
        text = buffer.getvalue()
        return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE for inline use


#: per-format savefig metadata: no creation dates, so the same results give byte-identical files
_METADATA = {"png": {"Software": "blinrwe (matplotlib)"},
             "svg": {"Date": None, "Creator": "blinrwe (matplotlib)"},
             "pdf": {"CreationDate": None, "ModDate": None, "Creator": "blinrwe (matplotlib)"}}
_PAD_INCHES = 0.1  # matplotlib's savefig.pad_inches default around a tight bounding box


def tight_bbox(figure: Figure):
    """The figure's tight bounding box (inches, padded), computed once for every format.

    ``savefig(bbox_inches="tight")`` lays the figure out again for each file it writes;
    a figure saved as PNG, SVG and PDF would pay that pass three times."""
    figure.draw_without_rendering()
    return figure.get_tightbbox().padded(_PAD_INCHES)


def write_png_trimmed(figure: Figure, path, dpi: int) -> bool:
    """Draw ``figure`` once at ``dpi`` and write it as PNG (to a path or a binary file)
    cropped to its ink plus the usual padding; False (nothing written) when ink reaches the
    canvas edge, i.e. something may stick out of the figure and only a tight bounding box
    (a second layout pass) shows it.

    ``savefig(bbox_inches="tight")`` lays the figure out once to measure it and again to
    draw it; for figures drawn inside their canvas, trimming the white margin of the one
    drawing gives the same picture for about two thirds of the work."""
    original_dpi = figure.dpi
    figure.set_dpi(dpi)
    try:
        canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
    finally:
        figure.set_dpi(original_dpi)
    # one 32-bit comparison per pixel: opaque white is 0xFFFFFFFF (the figure face is white)
    ink = rgba.view(np.uint32)[..., 0] != 0xFFFFFFFF
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = ink.shape
    if not rows.size or rows[0] == 0 or cols[0] == 0 or rows[-1] == height - 1 or cols[-1] == width - 1:
        return False
    pad = int(round(_PAD_INCHES * dpi))
    crop = rgba[max(rows[0] - pad, 0):rows[-1] + pad + 1, max(cols[0] - pad, 0):cols[-1] + pad + 1]
    info = PngInfo()
    for key, value in _METADATA["png"].items():
        info.add_text(key, value)
    Image.fromarray(np.ascontiguousarray(crop), "RGBA").convert("RGB").save(path, format="png", dpi=(dpi, dpi), pnginfo=info)
    return True


def save_figure(plotted: PlottedFigure, out_dir: Path, formats=("png", "svg", "pdf"), dpi: int = 200) -> dict[str, Path]:
    """Write the figure as each of ``formats`` into ``out_dir``; returns format -> path.

    The figure is laid out once for every format: PNG first, from one drawing trimmed to its
    ink (:func:`write_png_trimmed`); the vector formats then share one tight bounding box,
    measured on that drawing (or on a layout pass of its own without PNG). PDF embeds each
    font as a TrueType subset read from a lean copy of the font (:mod:`.pdf_fonts`). Files
    carry no timestamps (deterministic bytes)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if "pdf" in formats:
        use_lean_subsetting()
    paths = {fmt: out_dir / f"{plotted.name}.{fmt}" for fmt in formats}
    with matplotlib.rc_context(STYLE):
        bbox, laid_out = None, False
        for fmt in sorted(paths, key=lambda f: f != "png"):  # PNG first: its drawing lays the figure out
            path = paths[fmt]
            if fmt == "png":
                laid_out = True
                if write_png_trimmed(plotted.figure, path, dpi):
                    continue
            if bbox is None:
                bbox = plotted.figure.get_tightbbox().padded(_PAD_INCHES) if laid_out else tight_bbox(plotted.figure)
            plotted.figure.savefig(path, format=fmt, dpi=dpi, bbox_inches=bbox, facecolor="white",
                                   metadata=_METADATA.get(fmt))
            laid_out = True
    return paths


@dataclass(frozen=True)
class FigureJob:
    """A figure still to be drawn: ``builder(*args, **kwargs)`` returns a :class:`PlottedFigure`.

    The builder is a module-level function and the arguments are plain data, so a job
    can be drawn in a worker process (see :func:`blinrwe.report.figures.batch.draw_figures`)."""

    builder: Callable[..., PlottedFigure]
    args: tuple = ()
    kwargs: Mapping = field(default_factory=dict)

    def draw(self) -> PlottedFigure:
        return self.builder(*self.args, **dict(self.kwargs))
