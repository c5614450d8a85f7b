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


def test_subgroup_forest_one_endpoint_grouped_with_reference(ard, context):
    from matplotlib.ticker import FixedLocator

    plotted = forest_plot(ard, "cox_subgroups", context, "Hazard ratios by subgroup: OS", endpoint="OS")
    assert plotted.name == "figure_forest_subgroups_os"
    rows = plotted.data["rows"]
    assert rows["kind"].tolist() == ["heading", "reference", "estimate", "heading", "reference", "estimate"]
    ax = plotted.figure.axes[0]
    labels = [t.get_text().strip() for t in ax.get_yticklabels()]
    assert labels == ["Disease setting", "Newly diagnosed", "Relapsed/refractory", "Philadelphia chromosome", "Negative", "Positive"]
    assert [t.get_fontweight() for t in ax.get_yticklabels()][0] == "bold"
    assert ax.get_xscale() == "log" and 1 in ax.xaxis.get_major_locator().tick_values(0, 0)
    assert isinstance(ax.xaxis.get_major_locator(), FixedLocator)
    # line of no effect at 1; reference levels drawn as diamonds at 1
    assert any(list(line.get_xdata()) == [1.0, 1.0] and line.get_linestyle() == "--" for line in ax.get_lines())
    diamonds = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert len(diamonds) == 1 and list(diamonds[0].get_xdata()) == [1.0, 1.0]
    estimates = ard[(ard.table == "cox_subgroups") & (ard.statistic == "hr") & (ard.note != "reference")]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), estimates["value"])
    texts = {t.get_text() for t in ax.texts}
    assert {"1 (reference)", "2.90 (1.60-5.30)", "<0.001", "0.490", "45/96", "Events/N", "p"} <= texts


def test_cox_forest_shows_reference_levels(context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    cox = dict(variant="", n=40, denominator=90)
    ard = ard_frame([
        ard_row("cox", "cox_univariable", "OS", "hr", 2.05, lower=1.23, upper=3.41, level="disease_setting[relapsed_refractory]", **cox),
        ard_row("cox", "cox_univariable", "OS", "hr", 1.0, level="disease_setting[newly_diagnosed]", note="reference", **cox),
    ])
    plotted = forest_plot(ard, "cox_univariable", context)
    assert plotted.name == "figure_forest_univariable_os"
    assert [t.get_text() for t in plotted.figure.axes[0].get_yticklabels()] == [
        "Disease setting: Newly diagnosed", "Disease setting: Relapsed/refractory"]
    assert "1 (reference)" in {t.get_text() for t in plotted.figure.axes[0].texts}
