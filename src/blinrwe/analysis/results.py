"""The result of analysing one study: everything the report shows, computed and unformatted.

Contract with the report layer (docs/architecture.md, "StudyResults"). The
report renders these tables and never computes a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .ard import empty_ard

__all__ = ["StudyResults", "CURVE_COLUMNS", "RISK_TABLE_COLUMNS", "FLOW_COLUMNS", "METHOD_COLUMNS",
           "UNAVAILABLE_COLUMNS", "FINDING_COLUMNS", "empty_frame"]

CURVE_COLUMNS = ("analysis", "endpoint", "variant", "group_var", "group", "kind", "time", "estimate",
                 "lower", "upper", "n_risk", "n_event", "n_censor", "time_origin")
RISK_TABLE_COLUMNS = ("analysis", "endpoint", "variant", "group_var", "group", "time", "n_risk", "time_origin")
FLOW_COLUMNS = ("flow", "source", "target", "n")
METHOD_COLUMNS = ("topic", "text", "values")
UNAVAILABLE_COLUMNS = ("section", "analysis", "reason")
FINDING_COLUMNS = ("severity", "table", "row", "column", "message")


def empty_frame(columns) -> pd.DataFrame:
    """A DataFrame with the given columns and no rows."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass(frozen=True, eq=False)
class StudyResults:
    """Everything computed for one study.

    Attributes
    ----------
    ard : the analysis results dataset, one row per statistic (columns in ``ard.py``).
    curves : step-function data of every KM / cumulative-incidence curve, one row per
        analysis x group x time (``CURVE_COLUMNS``); ``analysis`` is "<endpoint>:<variant>:<group_var>";
        time in ``time_unit``; the first row of each curve is time 0 with estimate 1 (KM) or 0 (CIF);
        ``time_origin`` says what time 0 is ("first blinatumomab infusion", "first response (CR/CRi)": the
        endpoint's declared origin, ``blinrwe.derive.endpoints.Endpoint.time_origin``). A ``group_var``
        "<variable>|<subset>" is a comparison by ``variable`` among the patients with ``subset`` = yes.
    risk_tables : numbers at risk at the figure tick times (``RISK_TABLE_COLUMNS``, same ``time_origin``).
    flows : Sankey counts ``flow, source, target, n``; ``flow`` names the diagram
        (e.g. "duration_class->next_therapy").
    methods : ordered records ``topic, text, values`` describing what was done (estimators, CIs, tests,
        definitions, versions); ``values`` maps each ``{name}`` in ``text`` to the setting actually used
        (e.g. ``mrd_threshold``: 1e-4; see ``methods.py``); the report prints them into the methods paragraph.
    unavailable : analyses that could not be run and why (e.g. survival on a summary-form study).
    findings : validation findings (``ValidationReport.to_frame()``: at least ``FINDING_COLUMNS``) shown in
        the data-quality appendix; empty for the bundled examples.
    analysis_data : the derived AnalysisData the results come from (swimmer plot, attrition, listings).
    form : "study" (dated tables) or "summary" (one row per patient, no dates).
    time_unit : "days" or "months" (times in ``curves``, ``risk_tables`` and landmark rows).
    synthetic : True when the data are the generated synthetic cohort (the report must say so).
    title : study title for the report.
    """

    ard: pd.DataFrame = field(default_factory=empty_ard)
    curves: pd.DataFrame = field(default_factory=lambda: empty_frame(CURVE_COLUMNS))
    risk_tables: pd.DataFrame = field(default_factory=lambda: empty_frame(RISK_TABLE_COLUMNS))
    flows: pd.DataFrame = field(default_factory=lambda: empty_frame(FLOW_COLUMNS))
    methods: pd.DataFrame = field(default_factory=lambda: empty_frame(METHOD_COLUMNS))
    unavailable: pd.DataFrame = field(default_factory=lambda: empty_frame(UNAVAILABLE_COLUMNS))
    findings: pd.DataFrame = field(default_factory=lambda: empty_frame(FINDING_COLUMNS))
    analysis_data: Any = None
    form: str = "study"
    time_unit: str = "months"
    synthetic: bool = False
    title: str = ""

    def section(self, name: str) -> pd.DataFrame:
        """ARD rows of one section (e.g. "response")."""
        return self.ard[self.ard["section"] == name].reset_index(drop=True)
