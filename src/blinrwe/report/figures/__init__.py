"""Publication figures drawn with matplotlib from StudyResults (never from raw patient rows
except the swimmer plot, which shows each patient's course by design).

Every builder returns a :class:`~blinrwe.report.figures.base.PlottedFigure`: the
matplotlib Figure plus the data it plotted, so tests check what is drawn.
Figures are built on :class:`matplotlib.figure.Figure` directly (Agg canvas, no
pyplot global state), so rendering is thread-safe and leaks no open figures.
"""

from .base import FigureJob, PlottedFigure, save_figure
from .forest import forest_plot
from .sankey import sankey_plot
from .survival_curves import survival_curve_plot
from .swimmer import swimmer_data, swimmer_plot

__all__ = ["FigureJob", "PlottedFigure", "save_figure", "survival_curve_plot", "forest_plot", "swimmer_plot", "swimmer_data", "sankey_plot"]
