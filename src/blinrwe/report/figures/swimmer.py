"""Swimmer plot: each patient's course from the first blinatumomab infusion.

One horizontal lane per patient (follow-up on the OS row of ``AnalysisData.tte``),
a darker segment for the blinatumomab infusion period, markers for first CR/CRi,
first MRD negativity, allo-HSCT, CAR-T, relapse and death, and an arrow for
patients alive at last contact (ongoing). Lanes are capped at
``ReportContext.swimmer_max_patients`` (the first patients by id), so a registry of
100,000 patients draws the same 60 lanes; the caption says how many were shown.

Lanes are labelled 1..N from the top (the plot's order), never by patient id, so the
figure can be shared; ``ReportContext.show_patient_ids`` (spec ``[report]
show_patient_ids = true``) labels them by the study identifier instead, for internal use.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from blinrwe.model.i18n import _

from ..context import ReportContext
from ..labels import level_label, sentence_gap
from .base import PlottedFigure, new_figure
from .fonts import figure_style

DAYS_PER_MONTH = 30.4375  # docs/architecture.md: months are days / 30.4375

#: date column of the patient-level datasets -> marker label, in legend order
EVENT_DATES = {
    "date_first_cr_cri": "CR/CRi",
    "date_first_mrd_negative": "MRD negative",
    "allo_hsct_date": "Allo-HSCT",
    "car_t_date": "CAR-T",
    "relapse_date": "Relapse",
}
MARKERS = {
    "CR/CRi": ("o", "#009E73"),
    "MRD negative": ("D", "#56B4E9"),
    "Allo-HSCT": ("*", "#E69F00"),
    "CAR-T": ("P", "#CC79A7"),
    "Relapse": ("X", "#D55E00"),
    "Death": ("s", "#000000"),
}

#: lane colours per group: Paul Tol's muted palette, chosen to differ from every marker colour
#: above (the Okabe-Ito colours of the markers would vanish on lanes of the same colour)
LANE_COLOURS = ("#332288", "#999933", "#882255", "#44AA99", "#AA4499", "#117733")

LANE_COLUMNS = ("patient_id", "end", "infusion_end", "ongoing", "group")
EVENT_COLUMNS = ("patient_id", "time", "event")


def swimmer_data(analysis_data, context: ReportContext, group_var: str = "disease_setting") -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(lanes, events, total patients) from AnalysisData, for the first patients by id.

    Reads ``tte`` (endpoint "OS": origin_date, time, event), ``adsl`` and
    ``therapy_paths`` (the date columns in :data:`EVENT_DATES` that are present,
    ``last_infusion_date``). Times are converted to ``context.time_unit``.
    Only the selected patients are joined, so the cost does not grow with the cohort.
    """
    tte = getattr(analysis_data, "tte", None)
    if tte is None or tte.empty:
        return pd.DataFrame(columns=LANE_COLUMNS), pd.DataFrame(columns=EVENT_COLUMNS), 0
    os_rows = tte[tte["endpoint"] == "OS"]
    if "variant" in os_rows and os_rows["variant"].nunique() > 1:
        os_rows = os_rows[os_rows["variant"] == os_rows["variant"].iloc[0]]
    os_rows = os_rows.drop_duplicates("patient_id")
    total = len(os_rows)
    chosen = os_rows.sort_values("patient_id", kind="stable").head(context.swimmer_max_patients)
    ids = chosen["patient_id"]
    time_col = "time_months" if context.time_unit == "months" else "time_days"
    divisor = DAYS_PER_MONTH if context.time_unit == "months" else 1.0
    origin = chosen.set_index("patient_id")["origin_date"]

    per_patient = pd.DataFrame({"patient_id": ids.to_numpy()})
    for frame_name in ("adsl", "therapy_paths"):
        frame = getattr(analysis_data, frame_name, None)
        if frame is None or frame.empty:
            continue
        keep = [c for c in frame.columns if c in EVENT_DATES or c in ("last_infusion_date", group_var)]
        keep = [c for c in keep if c not in per_patient.columns]
        if keep:
            sub = frame.loc[frame["patient_id"].isin(ids), ["patient_id", *keep]].drop_duplicates("patient_id")
            per_patient = per_patient.merge(sub, on="patient_id", how="left")
    per_patient = per_patient.set_index("patient_id")

    def relative(dates: pd.Series) -> pd.Series:
        return (pd.to_datetime(dates) - origin.reindex(dates.index)).dt.days / divisor

    lanes = pd.DataFrame({
        "patient_id": ids.to_numpy(),
        "end": chosen[time_col].to_numpy(float),
        "infusion_end": (relative(per_patient["last_infusion_date"]).to_numpy(float) + 1 / divisor
                         if "last_infusion_date" in per_patient else np.full(len(ids), np.nan)),
        "ongoing": (chosen["event"].to_numpy() == 0),
        "group": per_patient[group_var].reindex(ids).to_numpy() if group_var in per_patient else "",
    })
    events = []
    for column, label in EVENT_DATES.items():
        if column in per_patient:
            t = relative(per_patient[column]).dropna()
            events.append(pd.DataFrame({"patient_id": t.index, "time": t.to_numpy(float), "event": label}))
    deaths = chosen[chosen["event"] == 1]
    events.append(pd.DataFrame({"patient_id": deaths["patient_id"].to_numpy(), "time": deaths[time_col].to_numpy(float), "event": "Death"}))
    events = pd.concat(events, ignore_index=True) if events else pd.DataFrame(columns=EVENT_COLUMNS)
    return lanes, events, total


def lane_labels(lanes: pd.DataFrame, context: ReportContext) -> list[str]:
    """Y-axis labels of the lanes in plot order (top first): "1".."N", or the patient ids
    when the specification asks for them (``show_patient_ids``)."""
    if context.show_patient_ids:
        return lanes["patient_id"].astype(str).tolist()
    return [str(i) for i in range(1, len(lanes) + 1)]


def swimmer_plot(lanes: pd.DataFrame, events: pd.DataFrame, context: ReportContext, total_patients: int | None = None,
                 name: str = "figure_swimmer") -> PlottedFigure:
    """Swimmer plot of ``lanes`` (patient_id, end, infusion_end, ongoing, group) and
    ``events`` (patient_id, time, event). At most ``context.swimmer_max_patients``
    lanes are drawn (first by id); drawing is vectorised (one call per marker type)."""
    lanes = lanes.sort_values("patient_id", kind="stable").head(context.swimmer_max_patients).reset_index(drop=True)
    total = total_patients if total_patients is not None else len(lanes)
    events = events[events["patient_id"].isin(lanes["patient_id"])]
    y_of = dict(zip(lanes["patient_id"], range(len(lanes))[::-1]))
    y = lanes["patient_id"].map(y_of).to_numpy(float)
    groups = list(dict.fromkeys(g for g in lanes["group"] if isinstance(g, str) and g))
    colour_of = {g: LANE_COLOURS[i % len(LANE_COLOURS)] for i, g in enumerate(groups)}
    lane_colours = [colour_of.get(g, "#7f7f7f") for g in lanes["group"]]
    height = max(2.6, 0.9 + 0.14 * len(lanes))

    with matplotlib.rc_context(figure_style()):
        fig = new_figure(7.0, height)
        ax = fig.add_axes((0.13, 0.9 / height + 0.02, 0.62, 1 - 1.35 / height))
        ax.barh(y, lanes["end"], height=0.55, color=lane_colours, alpha=0.35, linewidth=0)
        infusion = lanes["infusion_end"].to_numpy(float)
        has_inf = np.isfinite(infusion)
        ax.barh(y[has_inf], infusion[has_inf], height=0.55, color=np.array(lane_colours, dtype=object)[has_inf].tolist(), linewidth=0)
        ongoing = lanes["ongoing"].to_numpy(bool)
        ax.plot(lanes["end"][ongoing], y[ongoing], linestyle="none", marker=">", color="#333333", markersize=4.5)
        handles = [Line2D([], [], color="#7f7f7f", linewidth=5, label=_("Blinatumomab infusion")),
                   Line2D([], [], color="#7f7f7f", alpha=0.35, linewidth=5, label=_("Follow-up")),
                   Line2D([], [], linestyle="none", marker=">", color="#333333", label=_("Alive at last contact"))]
        plotted_events = []
        for label, (marker, colour) in MARKERS.items():
            e = events[events["event"] == label]
            if e.empty:
                continue
            ey = e["patient_id"].map(y_of).to_numpy(float)
            size = 70 if marker == "*" else 32  # a star reads as small as the others only when larger
            ax.scatter(e["time"], ey, marker=marker, color=colour, s=size, zorder=3, linewidths=0.3, edgecolors="white")
            handles.append(Line2D([], [], linestyle="none", marker=marker, color=colour, label=_(label)))
            plotted_events.append(e.assign(y=ey))
        for g in groups:
            handles.append(Line2D([], [], color=colour_of[g], linewidth=5, label=level_label(g, context.group_labels)))
        ax.set_yticks(y)
        ax.set_yticklabels(lane_labels(lanes, context), fontsize=6 if len(lanes) > 30 else 7.5)
        ax.set_ylim(-0.8, len(lanes) - 0.2)
        ax.set_xlim(0, None)
        ax.set_xlabel(context.time_axis_label)
        ax.set_ylabel(_("Patient"))
        ax.tick_params(axis="y", length=0)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=7.5)
        ax.set_title(_("Course of each patient after blinatumomab"), loc="left", fontweight="bold")
    caption = _("Each lane is one patient from the first blinatumomab infusion to death or last contact.")
    if not context.show_patient_ids:
        caption += sentence_gap() + _("Lanes are numbered 1 to {n} from the top; patient identifiers are not shown.").format(n=len(lanes))
    if total > len(lanes):
        caption += sentence_gap() + _("The first {n} of {total} patients by study identifier are shown.").format(n=len(lanes), total=total)
    data = {"lanes": lanes.assign(y=y), "events": pd.concat(plotted_events, ignore_index=True) if plotted_events else
            pd.DataFrame(columns=[*EVENT_COLUMNS, "y"])}
    return PlottedFigure(name, _("Swimmer plot"), fig, data, caption)
