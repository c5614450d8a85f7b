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


def test_nodes_in_natural_order_not_first_appearance(context):
    flows = pd.DataFrame({"source": ["> 28 d", "15-28 d", "<= 14 d", "> 28 d", "<= 14 d"],
                          "target": ["none", "chemotherapy", "car_t", "allo_hsct", "none"], "n": [3, 4, 5, 6, 7]})
    plotted = sankey_plot(flows, context)
    assert plotted.data["sources"]["node"].tolist() == ["<= 14 d", "15-28 d", "> 28 d"]
    assert plotted.data["targets"]["node"].tolist() == ["allo_hsct", "car_t", "chemotherapy", "none"]
    # nodes stacked from the top in that order
    tops = plotted.data["bands"].groupby("source", sort=False)["source_top"].max()
    assert tops["<= 14 d"] > tops["15-28 d"] > tops["> 28 d"]
