"""Swimmer plot: lanes and markers as given, capped for large cohorts."""

import types

import numpy as np
import pandas as pd

from blinrwe.report.figures import swimmer_data, swimmer_plot


def test_lanes_from_analysis_data(results, context):
    lanes, events, total = swimmer_data(results.analysis_data, context)
    tte = results.analysis_data.tte
    assert total == len(tte)
    assert len(lanes) == 60 and lanes["patient_id"].tolist() == sorted(tte["patient_id"])[:60]
    first = tte.set_index("patient_id").loc[lanes["patient_id"]]
    np.testing.assert_allclose(lanes["end"], first["time_months"])
    assert (lanes["ongoing"] == (first["event"] == 0).to_numpy()).all()
    assert set(events["event"]) == {"CR/CRi", "Allo-HSCT", "Death"}
    np.testing.assert_allclose(events.loc[events.event == "CR/CRi", "time"], 35 / 30.4375)

    plotted = swimmer_plot(lanes, events, context, total)
    assert "first 60 of 96 patients" in plotted.caption
    bars = plotted.figure.axes[0].patches
    assert len(bars) == 2 * len(lanes)  # follow-up bar + infusion bar per patient
    assert len(plotted.data["events"]) == len(events)


def test_hundred_thousand_patients_draw_capped_lanes(context):
    n = 100_000
    ids = [f"X{i:06d}" for i in range(n)]
    origin = pd.Timestamp("2020-01-01")
    data = types.SimpleNamespace(
        tte=pd.DataFrame({"patient_id": ids, "endpoint": "OS", "origin_date": origin, "time_months": np.linspace(1, 30, n),
                          "time_days": np.linspace(1, 30, n) * 30.4375, "event": np.arange(n) % 2}),
        adsl=pd.DataFrame({"patient_id": ids, "disease_setting": "newly_diagnosed"}),
        therapy_paths=None)
    lanes, events, total = swimmer_data(data, context)
    assert total == n and len(lanes) == context.swimmer_max_patients
    plotted = swimmer_plot(lanes, events, context, total)
    assert len(plotted.figure.axes[0].get_yticklabels()) == context.swimmer_max_patients
    assert "of 100000 patients" in plotted.caption


def _labels(plotted):
    ax = plotted.figure.axes[0]
    return [t.get_text() for t in sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])]


def test_lanes_are_numbered_from_the_top_not_labelled_by_patient_id(results, context):
    lanes, events, total = swimmer_data(results.analysis_data, context)
    plotted = swimmer_plot(lanes, events, context, total)
    assert _labels(plotted) == [str(i) for i in range(1, len(lanes) + 1)]  # top lane first
    drawn = {t.get_text() for ax in plotted.figure.axes for t in ax.texts} | set(_labels(plotted))
    assert not drawn & set(lanes["patient_id"])
    assert f"numbered 1 to {len(lanes)} from the top; patient identifiers are not shown" in plotted.caption


def test_patient_ids_only_when_the_specification_asks(results, context):
    from dataclasses import replace

    lanes, events, total = swimmer_data(results.analysis_data, context)
    plotted = swimmer_plot(lanes, events, replace(context, show_patient_ids=True), total)
    assert _labels(plotted) == lanes.sort_values("patient_id")["patient_id"].tolist()
    assert "identifiers are not shown" not in plotted.caption
