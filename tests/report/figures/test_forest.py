import numpy as np

from blinrwe.report.figures import forest_plot
from blinrwe.report.formatting import format_hazard_ratio


def test_forest_plots_the_ard_hazard_ratios(ard, context):
    plotted = forest_plot(ard, "cox_univariable", context)
    rows = ard[(ard.table == "cox_univariable") & (ard.statistic == "hr") & (ard.note != "reference")]
    hr = plotted.data["hazard_ratios"]
    np.testing.assert_array_equal(hr["hr"], rows["value"])
    ax = plotted.figure.axes[0]
    assert ax.get_xscale() == "log"
    points = ax.get_lines()[0]
    np.testing.assert_array_equal(points.get_xdata(), rows["value"])
    texts = {t.get_text() for t in ax.texts}
    for v, lo, hi in zip(rows["value"], rows["lower"], rows["upper"]):
        assert format_hazard_ratio(v, lo, hi) in texts
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Philadelphia chromosome: Positive", "Age at first infusion, years"]
