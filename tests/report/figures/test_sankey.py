import pandas as pd
import pytest
from matplotlib.patches import PathPatch

from blinrwe.report.figures import sankey_plot


def test_band_heights_proportional_to_counts(results, context):
    plotted = sankey_plot(results.flows, context)
    bands = plotted.data["bands"]
    assert len(bands) == len(results.flows)
    ratio = bands["height"] / bands["n"]
    assert ratio.max() == pytest.approx(ratio.min())
    assert sum(isinstance(p, PathPatch) for p in plotted.figure.axes[0].patches) == len(results.flows)
    labels = {t.get_text() for t in plotted.figure.axes[0].texts}
    assert "Allo-HSCT (n = 51)" in labels and "<= 14 days\n(n = 40)" in labels


def test_empty_flows_rejected(context):
    with pytest.raises(ValueError, match="no flows"):
        sankey_plot(pd.DataFrame({"source": ["a"], "target": ["b"], "n": [0]}), context)
