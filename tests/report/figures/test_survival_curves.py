"""The KM / incidence figure draws the curves, censor marks, medians, p and risk table it was given."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from blinrwe.report.figures import survival_curve_plot
from blinrwe.report.formatting import format_p_value


@pytest.fixture(scope="module")
def km(results, context):
    return survival_curve_plot(results.curves, results.risk_tables, results.ard, "OS::disease_setting", context)


def test_step_lines_are_the_curve_rows(km, results):
    ax = km.figure.axes[0]
    steps = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert len(steps) == 2
    for line, group in zip(steps, ["newly_diagnosed", "relapsed_refractory"]):
        c = results.curves[(results.curves.analysis == "OS::disease_setting") & (results.curves.group == group)]
        np.testing.assert_array_equal(line.get_xdata(), c["time"].to_numpy())
        np.testing.assert_array_equal(line.get_ydata(), c["estimate"].to_numpy())


def test_censor_marks_and_bands(km, results):
    c = results.curves[(results.curves.analysis == "OS::disease_setting")]
    marks = km.data["censor_marks"]
    assert len(marks) == int((c["n_censor"] > 0).sum())
    ax = km.figure.axes[0]
    assert sum(isinstance(coll, PolyCollection) for coll in ax.collections) == 2  # one CI band per group
    marker_lines = [line for line in ax.get_lines() if line.get_marker() == "|"]
    assert sum(len(line.get_xdata()) for line in marker_lines) == len(marks)


def test_median_lines_from_ard(km, results):
    ard = results.ard
    med = ard[(ard.variable == "OS") & (ard.variant == "") & (ard.group_var == "disease_setting") & (ard.statistic == "km_median")]
    reached = med[med["value"].notna()]
    assert km.data["medians"]["median"].tolist() == reached["value"].tolist()


def test_logrank_annotation(km, results):
    p = results.ard.query("variable == 'OS' and statistic == 'logrank_p'")["value"].iloc[0]
    legend = km.figure.axes[0].get_legend()
    assert legend.get_title().get_text() == f"Log-rank p < {format_p_value(p)[1:]}"  # the p heads the legend


def test_risk_table_aligned_to_ticks(km, results):
    ax, ax_risk = km.figure.axes
    risk = results.risk_tables[results.risk_tables.analysis == "OS::disease_setting"]
    assert list(ax.get_xticks()) == sorted(set(risk["time"]))
    numbers = [(t.get_position()[0], t.get_text()) for t in ax_risk.texts if t.get_text().isdigit()]
    expected = [(float(t), str(int(n))) for t, n in zip(risk["time"], risk["n_risk"])]
    assert sorted(numbers) == sorted(expected)
    assert ax.get_xlabel() == "Months since first blinatumomab infusion"


def test_cif_rises_and_has_no_median(results, context):
    curves = pd.DataFrame({"analysis": "relapse::", "endpoint": "relapse", "variant": "", "group_var": "", "group": "Overall",
                           "kind": "cif", "time": [0.0, 2.0, 5.0], "estimate": [0.0, 0.1, 0.2], "lower": np.nan,
                           "upper": np.nan, "n_risk": [20, 18, 10], "n_event": [0, 2, 2], "n_censor": [0, 0, 1]})
    fig = survival_curve_plot(curves, results.risk_tables.iloc[0:0], results.ard, "relapse::", context)
    assert fig.figure.axes[0].get_ylabel() == "Cumulative incidence of relapse (%)"
    assert fig.data["medians"].empty
    assert len(fig.figure.axes) == 1  # no risk table without risk rows


def test_unknown_analysis(results, context):
    with pytest.raises(ValueError, match="no curve rows for analysis 'XYZ'"):
        survival_curve_plot(results.curves, results.risk_tables, results.ard, "XYZ", context)


def test_censor_marks_left_out_when_too_many_to_read(context):
    from blinrwe.report.figures.survival_curves import MAX_CENSOR_MARKS

    n = MAX_CENSOR_MARKS + 50
    time = np.arange(n + 1, dtype=float)
    curves = pd.DataFrame({"analysis": "OS::", "endpoint": "OS", "variant": "", "group_var": "", "group": "Overall", "kind": "km",
                           "time": time, "estimate": np.linspace(1, 0.5, n + 1), "lower": np.nan, "upper": np.nan,
                           "n_risk": np.arange(n + 1, 0, -1), "n_event": 0, "n_censor": [0] + [1] * n})
    fig = survival_curve_plot(curves, pd.DataFrame(columns=["analysis", "group", "time", "n_risk"]), None, "OS::", context)
    assert not [line for line in fig.figure.axes[0].get_lines() if line.get_marker() == "|"]
    assert fig.data["censor_marks"].empty
    assert fig.caption.startswith(f"Censored observations are not marked (more than {MAX_CENSOR_MARKS} per curve)")


def _relabelled(results, analysis, **columns):
    c = results.curves[results.curves.analysis == analysis].assign(**columns)
    return c, results.risk_tables[results.risk_tables.analysis == analysis]


def test_x_axis_says_the_endpoints_time_origin(results, context):
    """RFS, DOR and CIR start at response: their axis says so (the origin travels with the curve)."""
    curves, risk = _relabelled(results, "OS::disease_setting", time_origin="first response (CR/CRi)")
    fig = survival_curve_plot(curves, risk, results.ard, "OS::disease_setting", context)
    assert fig.figure.axes[0].get_xlabel() == "Months since first response (CR/CRi)"


def test_groups_defined_after_the_start_carry_the_immortal_time_warning(results, context):
    ard = results.ard.copy()
    rows = (ard.variable == "OS") & (ard.group_var == "disease_setting")
    ard.loc[rows, "note"] = ard.loc[rows, "note"].fillna("").map(lambda n: f"{n}; immortal_time: allo-HSCT" if n
                                                                 else "immortal_time: allo-HSCT")
    fig = survival_curve_plot(results.curves, results.risk_tables, ard, "OS::disease_setting", context)
    assert "immortal-time bias" in fig.caption and "allo-HSCT" in fig.caption
    assert any("immortal-time bias" in t.get_text() for t in fig.figure.texts)  # on the image itself
    plain = survival_curve_plot(results.curves, results.risk_tables, results.ard, "OS::disease_setting", context)
    assert "immortal" not in plain.caption and not plain.data["caveats"]["text"].tolist()


# --- the legend, headed by the log-rank p, is never drawn over a curve or a band -------------

def _curves(shapes: dict, bands: bool) -> pd.DataFrame:
    """KM curves of two groups from ``{group: [(time, estimate), ...]}``; bands as wide as the
    whole axes when ``bands``."""
    rows = []
    for group, steps in shapes.items():
        for t, s in steps:
            rows.append({"analysis": "OS::disease_setting", "endpoint": "OS", "variant": "", "group_var": "disease_setting",
                         "group": group, "kind": "km", "time": float(t), "estimate": float(s),
                         "lower": 0.0 if bands else np.nan, "upper": 1.0 if bands else np.nan, "n_risk": 10, "n_event": 0,
                         "n_censor": 0})
    return pd.DataFrame(rows)


_FLAT_TOP = [(0, 1.0), (10, 1.0)]
_CORNER_SHAPES = {
    # every corner crossed: the top edge by one curve, the left and bottom edges by the other
    "all corners": {"newly_diagnosed": _FLAT_TOP, "relapsed_refractory": [(0, 1.0), (0.2, 0.0), (10, 0.0)]},
    "all but lower left": {"newly_diagnosed": _FLAT_TOP, "relapsed_refractory": [(0, 1.0), (9.6, 0.0), (10, 0.0)]},
    "all but upper right": {"newly_diagnosed": [(0, 1.0), (0.3, 0.0), (10, 0.0)], "relapsed_refractory": [(0, 1.0), (0.5, 0.9), (6, 0.4), (10, 0.4)]},
    "all but lower right": {"newly_diagnosed": _FLAT_TOP, "relapsed_refractory": [(0, 1.0), (0.2, 0.05), (4, 0.05), (4.2, 0.8), (10, 0.8)]},
    "all but upper left": {"newly_diagnosed": [(0, 1.0), (0.3, 0.2), (10, 0.2)], "relapsed_refractory": [(0, 1.0), (7, 1.0), (7.2, 0.0), (10, 0.0)]},
    "diagonal": {"newly_diagnosed": [(t, 1 - t / 10) for t in range(11)], "relapsed_refractory": [(t, 1 - t / 12) for t in range(11)]},
}


def _stepped_display_paths(ax):
    from matplotlib.path import Path

    for line in ax.get_lines():
        if line.get_drawstyle() == "steps-post" and len(line.get_xdata()):
            x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
            vx, vy = np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]  # post steps: horizontal, then vertical
            yield Path(ax.transData.transform(np.column_stack([vx, vy])))


@pytest.mark.parametrize("bands", [False, True], ids=["lines", "bands"])
@pytest.mark.parametrize("shape", list(_CORNER_SHAPES))
def test_logrank_p_and_legend_never_over_a_curve(shape, bands, context):
    from blinrwe.analysis.ard import ard_frame, ard_row

    ard = ard_frame([ard_row("survival", "survival", "OS", "logrank_p", 0.0123, group_var="disease_setting", group="")])
    empty_risk = pd.DataFrame(columns=["analysis", "group", "time", "n_risk"])
    fig = survival_curve_plot(_curves(_CORNER_SHAPES[shape], bands), empty_risk, ard, "OS::disease_setting", context)
    fig.figure.canvas.draw()
    renderer = fig.figure.canvas.get_renderer()
    ax = fig.figure.axes[0]
    legend = ax.get_legend()
    p_text = legend.get_title()
    assert p_text.get_text() == "Log-rank p = 0.012"
    for box in (p_text.get_window_extent(renderer), legend.get_window_extent(renderer)):
        for path in _stepped_display_paths(ax):
            assert not path.intersects_bbox(box, filled=False), f"{shape}: legend over a curve"
        for band in ax.collections:
            for path in band.get_paths():
                assert not band.get_transform().transform_path(path).intersects_bbox(box, filled=True), f"{shape}: legend over a band"
