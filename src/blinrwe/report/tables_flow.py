"""Display tables of the patients' flow: therapy flows, attrition and the data-quality findings."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from blinrwe.model.i18n import _

from .analysis_text import analysis_text
from .ard_index import as_ard_index
from .context import ReportContext
from .formatting import NOT_APPLICABLE, format_count
from .labels import endpoint_label, level_label, ordered_levels
from .labels_codes import ENDPOINT_LABELS
from .table_model import DisplayTable, Row, SpanningHeader
from .tables import _by, _finish, _ordered_unique


def flow_table(flows: pd.DataFrame, context: ReportContext, title: str | None = None) -> DisplayTable:
    """Patients from each blinatumomab exposure class (rows) to each next therapy (columns)."""
    sources = ordered_levels(flows["source"])
    targets = ordered_levels(flows["target"])
    counts = {(s, t): n for s, t, n in zip(flows["source"], flows["target"], flows["n"])}
    rows = [
        Row(level_label(s, context.group_labels), tuple(format_count(counts.get((s, t), 0)) for t in targets), 0, False, (s,))
        for s in sources
    ]
    columns = tuple(level_label(t, context.group_labels) for t in targets)
    table = DisplayTable("flows", title or _("Therapy after blinatumomab by exposure"), columns, tuple(rows), _("Blinatumomab exposure"),
                         (SpanningHeader(_("Next therapy, n"), len(columns)),) if columns else ())
    return _finish(table, [_("Counts of patients; each patient is counted once, at the first therapy after blinatumomab.")])


def attrition_table_from_ard(ard, title: str | None = None) -> DisplayTable:
    """Patients included in each analysis set and excluded by reason, from the ARD rows
    ``section="flow", table="attrition"`` (variable = analysis set, level = "included" or
    "excluded: <reason>", value = patients). A set that cannot be determined from the data
    (level "unavailable: <reason>", no "included" row) prints NA and "Not available: <reason>"
    rather than 0 included."""
    sub = as_ard_index(ard).table("attrition").where(section="flow")
    rows: list[Row] = []
    for analysis_set, a in _by(sub, "variable").items():
        included = a.first(level="included")
        rows.append(Row(_analysis_set_label(analysis_set), (NOT_APPLICABLE if included is None else format_count(included["value"]),),
                        0, False, (analysis_set, "included")))
        for r in a:
            if r["level"] == "included":
                continue
            level = str(r["level"])
            if level.startswith("unavailable: "):
                reason = level.removeprefix("unavailable: ")
                if included is None:  # nobody can be placed in the set: say why, no count
                    rows.append(Row(_("Not available: {reason}").format(reason=analysis_text(reason)), ("",), 1, False, (analysis_set, reason)))
                else:
                    rows.append(Row(_("Not determined: {reason}").format(reason=analysis_text(reason)), (format_count(r["value"]),), 1, False,
                                    (analysis_set, reason)))
                continue
            reason = level.removeprefix("excluded: ")
            rows.append(Row(_("Excluded: {reason}").format(reason=analysis_text(reason)), (format_count(r["value"]),), 1, False,
                            (analysis_set, reason)))
    return DisplayTable("attrition", title or _("Patient flow"), (_("Patients included, n"),), tuple(rows), _("Analysis set"),
                        footnotes=(_("Indented rows: patients excluded from the analysis set above, by reason."),))


def _analysis_set_label(analysis_set: str) -> str:
    """"treated" -> "All treated patients", "OS" -> "Overall survival (OS)"; other names as written."""
    if analysis_set in ENDPOINT_LABELS:
        return endpoint_label(analysis_set)
    return level_label(analysis_set) if analysis_set in _CODED_SETS else analysis_text(analysis_set)


#: analysis sets named by a code (the others are named in words by the derivation: "MRD response: responders")
_CODED_SETS = frozenset({"treated", "efficacy", "safety"})


def attrition_table(attrition: pd.DataFrame, title: str | None = None) -> DisplayTable:
    """Patients included in each analysis set and those excluded, by reason, read from the patient
    flow of blinrwe.derive (``AnalysisData.attrition``: patients per analysis set x included x
    reason), for results whose ARD has no attrition rows. A set that cannot be determined from the
    data prints NA and why."""
    rows: list[Row] = []
    for analysis_set in _ordered_unique(attrition["analysis_set"]):
        a = attrition[attrition["analysis_set"] == analysis_set]
        flag = a["included"].astype("boolean")
        if flag.isna().all():  # the set cannot be determined from these data: unknown, not empty
            reason = a["reason"].dropna().iloc[0] if a["reason"].notna().any() else "not determinable from these data"
            rows.append(Row(_analysis_set_label(analysis_set), (NOT_APPLICABLE,), 0, False, (analysis_set, "included")))
            rows.append(Row(_("Not available: {reason}").format(reason=analysis_text(reason)), ("",), 1, False, (analysis_set, reason)))
            continue
        included = flag.fillna(False).to_numpy(dtype=bool)
        patients = a["n"].astype("int64")
        rows.append(Row(_analysis_set_label(analysis_set), (format_count(int(patients[included].sum())),), 0, False,
                        (analysis_set, "included")))
        reasons = a.loc[~included, "reason"].fillna("reason not recorded").to_numpy(dtype=object)
        for reason, n in patients[~included].groupby(reasons, sort=False).sum().items():
            if n:
                rows.append(Row(_("Excluded: {reason}").format(reason=analysis_text(reason)), (format_count(int(n)),), 1,
                                False, (analysis_set, reason)))
    return DisplayTable("attrition", title or _("Patient flow"), (_("Patients included, n"),), tuple(rows), _("Analysis set"),
                        footnotes=(_("Every analysis set starts from all patients with at least one blinatumomab infusion."),))


def data_quality_table(findings: Iterable, title: str | None = None) -> DisplayTable:
    """Validation warnings (appendix): severity, where (sheet, row, column) and the finding.

    Accepts objects or mappings with ``severity``, ``table`` (or ``sheet``), ``row``,
    ``column`` and ``message``; patient-level values are whatever the message holds.
    """
    rows = []
    for i, f in enumerate(findings):
        get = (lambda k, f=f: f.get(k)) if isinstance(f, dict) else (lambda k, f=f: getattr(f, k, None))
        row = _("row {row}").format(row=get("row")) if get("row") not in (None, "") else None
        where = ", ".join(str(x) for x in (get("table") or get("sheet"), row, get("column")) if x)
        rows.append(Row(_(str(get("severity") or "warning").capitalize()), (where, str(get("message") or "")), 0, False, (i,)))
    return DisplayTable("data_quality", title or _("Data-quality findings"), (_("Where"), _("Finding")), tuple(rows), _("Severity"))
