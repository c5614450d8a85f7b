"""The report as an ordered list of sections of tables, figures and paragraphs.

Built once from StudyResults and the ReportContext, then written by each writer
(HTML, DOCX, XLSX) so every format shows the same content in the same order,
with the same table and figure numbers. Here the sections are assembled in the
order of a journal article, with the title and notice; sections without results
are left out. Nothing is printed twice (:mod:`blinrwe.report.repeats`); analyses
that could not be run are listed in the appendix with the reason
(:mod:`blinrwe.report.appendix_data`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import pandas as pd

from blinrwe.model import i18n
from blinrwe.model.i18n import _, language

from .ard_index import ArdIndex
from .competing_sections import competing_regression_parts, summary_measure_tables
from .context import ReportContext
from .disclosure import suppression_active
from .figures.fonts import figure_language, missing_font_note
from .figures import FigureJob, PlottedFigure, forest_plot, sankey_plot, survival_curve_plot, swimmer_data, swimmer_plot
from .figures.post_baseline_curves import post_baseline_figure_jobs
from .labels import by_variable, endpoint_label, in_sentence, level_label, variable_label
from .methods_text import methods_paragraphs
from .repeats import without_repeats
from .tables_post_baseline import post_baseline_heading, post_baseline_tables
from .appendix_conventions import conventions_tables
from .appendix_data import _without_patient_ids, unavailable_paragraphs
from .table_model import DisplayTable, with_footnotes
from .tables_cost import cost_table
from .tables_safety import population_notes, safety_detail_tables, subsequent_therapy_tables
from .tables import descriptive_table, response_table
from .tables_flow import attrition_table, attrition_table_from_ard, data_quality_table, flow_table
from .tables_safety import safety_table
from .tables_survival import censoring_variants_table, competing_risks_table, cox_tables, subgroup_table, survival_table

#: draws figure jobs in order (the default draws them here; render_report uses worker processes)
FigureDrawer = Callable[[Sequence[FigureJob]], Sequence[PlottedFigure]]


def draw_here(jobs: Sequence[FigureJob]) -> list[PlottedFigure]:
    with language(figure_language()):  # English labels when no font can draw the report's language
        return [job.draw() for job in jobs]


@dataclass(frozen=True, eq=False)
class Section:
    """One report section: heading, paragraphs, then its tables and figures in order."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[DisplayTable, ...] = ()
    figures: tuple[PlottedFigure | FigureJob, ...] = ()
    anchor: str = ""


@dataclass(frozen=True, eq=False)
class ReportDocument:
    title: str
    subtitle: str
    notice: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def tables(self) -> list[DisplayTable]:
        return [t for s in self.sections for t in s.tables]

    @property
    def figures(self) -> list[PlottedFigure]:
        return [f for s in self.sections for f in s.figures]

    @property
    def figure_jobs(self) -> list[FigureJob]:
        """The figures not drawn yet (a planned document, see :func:`plan_document`)."""
        return [f for f in self.figures if isinstance(f, FigureJob)]

    def with_figures(self, drawn: Sequence[PlottedFigure]) -> "ReportDocument":
        """This document with its figure jobs replaced, in order, by the drawn figures."""
        drawn = iter(drawn)
        sections = tuple(replace(s, figures=tuple(next(drawn) if isinstance(f, FigureJob) else f for f in s.figures))
                         for s in self.sections)
        return replace(self, sections=sections)

    def table_number(self, table: DisplayTable) -> int:
        return next(i for i, t in enumerate(self.tables, 1) if t is table)

    def figure_number(self, figure: PlottedFigure) -> int:
        return next(i for i, f in enumerate(self.figures, 1) if f is figure)


def _has(index: ArdIndex, column: str, value) -> bool:
    if column == "table":
        return len(index.table(value)) > 0
    return index.has(**{column: value})


def _frame(results, name: str) -> pd.DataFrame:
    value = getattr(results, name, None)
    return value if isinstance(value, pd.DataFrame) else pd.DataFrame()


#: the report title when the study names none (spec ``study.title`` default)
DEFAULT_TITLE = "Blinatumomab real-world study"

_PATTERN_TITLES = {
    "patterns": "Therapy after blinatumomab",
    "next_therapy": "First therapy after blinatumomab",
    "further_treatment": "Further treatment after blinatumomab (a path with allo-HSCT counts as allo-HSCT)",
    "therapy_paths": "Sequences of therapies after blinatumomab",
}


def _curve_figures(results, ard: ArdIndex, context: ReportContext, kind: str) -> list[FigureJob]:
    """One figure per endpoint x grouping, for the primary censoring variant only (the first
    variant of each endpoint in the curves); the other variants are in the survival tables."""
    curves = _frame(results, "curves")
    if curves.empty:
        return []
    primary = curves.groupby("endpoint", sort=False)["variant"].first()
    curves = curves[(curves["kind"] == kind) & (curves["variant"] == curves["endpoint"].map(primary))]
    risk = _frame(results, "risk_tables")
    if risk.empty:
        risk = pd.DataFrame(columns=["analysis", "group", "time", "n_risk"])
    risk_of = dict(tuple(risk.groupby("analysis", sort=False)))
    empty_risk = risk.iloc[0:0]
    # split once: each figure gets only its own curve, risk and ARD rows (small to send to a worker)
    jobs = []
    for analysis, c in curves.groupby("analysis", sort=False):
        first = c.iloc[0]
        own = ard.where(variable=first["endpoint"], group_var=first["group_var"] or "",
                        statistic={"km_median", "logrank_p", "gray_p"})
        jobs.append(FigureJob(survival_curve_plot, (c, risk_of.get(analysis, empty_risk), own, analysis, context)))
    return jobs


def build_document(results, context: ReportContext, findings=None, draw: FigureDrawer = draw_here) -> ReportDocument:
    """Every table and figure the results support, in the order of a journal article.

    The figures are drawn by ``draw`` (in this process by default)."""
    plan = plan_document(results, context, findings)
    return plan.with_figures(draw(plan.figure_jobs))


def plan_document(results, context: ReportContext, findings=None) -> ReportDocument:
    """The document with its tables made and its figures as :class:`FigureJob` s still to
    draw (:func:`blinrwe.report.render_report` draws them in worker processes while it
    writes the workbook, then calls :meth:`ReportDocument.with_figures`)."""
    ard = ArdIndex(results.ard)  # grouped once; every table and figure reads this index
    sections: list[Section] = []
    data = getattr(results, "analysis_data", None)

    attrition = getattr(data, "attrition", None)
    if _has(ard, "table", "attrition"):
        sections.append(Section(_("Patient flow"), tables=(attrition_table_from_ard(ard),), anchor="flow"))
    elif isinstance(attrition, pd.DataFrame) and not attrition.empty and attrition["n"].sum() > 0:
        # results whose ARD has no flow rows: the derived patient flow itself (none for a study without patients)
        sections.append(Section(_("Patient flow"), tables=(attrition_table(attrition),), anchor="flow"))
    if _has(ard, "table", "table1"):
        sections.append(Section(_("Baseline characteristics"), tables=(descriptive_table(
            ard, "table1", _("Baseline characteristics at the first blinatumomab infusion"), context),), anchor="baseline"))
    if _has(ard, "table", "exposure"):
        sections.append(Section(_("Blinatumomab exposure"), tables=(descriptive_table(ard, "exposure", _("Blinatumomab exposure"), context),),
                                anchor="exposure"))
    if _has(ard, "table", "cost"):  # drug use and cost (report/tables_cost.py)
        sections.append(Section(i18n._("Drug use and cost"), tables=(cost_table(ard, context),), anchor="cost"))
    if _has(ard, "table", "response"):
        group_vars = [gv for gv in ard.table("response").unique("group_var") if gv]
        if len(group_vars) <= 1:
            tables = (response_table(ard, context),)
        else:
            tables = tuple(response_table(ard, context, group_var=gv,
                                          title=_("Response to blinatumomab {by}").format(by=by_variable(gv, context.variable_labels)))
                           for gv in group_vars)
        sections.append(Section(_("Response"), tables=tables, anchor="response"))

    if _has(ard, "section", "survival"):
        surv = ard.where(section={"survival", "followup"})
        tables = [survival_table(ard, context, gv) for gv in surv.unique("group_var")]
        variants = censoring_variants_table(ard, context)
        if not variants.is_empty:
            tables.append(variants)
        tables.extend(summary_measure_tables(ard, context))  # RMST, survival differences (issue 9)
        sections.append(Section(_("Time-to-event outcomes"), tables=tuple(t for t in tables if not t.is_empty),
                                figures=tuple(_curve_figures(results, ard, context, "km")), anchor="survival"))
    if _has(ard, "table", "competing_risks"):
        tables = tuple(competing_risks_table(ard, context, gv) for gv in ard.table("competing_risks").unique("group_var"))
        models, forests = competing_regression_parts(ard, context)  # cause-specific Cox beside Fine-Gray (issue 9)
        sections.append(Section(_("Competing risks"), tables=(*tables, *models),
                                figures=(*_curve_figures(results, ard, context, "cif"), *forests), anchor="competing"))
    if _has(ard, "section", "post_baseline"):  # landmark and time-dependent analyses (tables_post_baseline.py)
        sections.append(Section(post_baseline_heading(), tables=tuple(post_baseline_tables(ard, context)),
                                figures=tuple(post_baseline_figure_jobs(_frame(results, "curves"),
                                                                        _frame(results, "risk_tables"), ard, context)),
                                anchor="post_baseline"))
    cox_ids = [t for t in ("cox_univariable", "cox_multivariable") if _has(ard, "table", t)]
    if cox_ids or _has(ard, "table", "cox_subgroups"):
        tables, figures = list(cox_tables(ard, context)) if cox_ids else [], []
        subgroups = ard.table("cox_subgroups")
        for endpoint in subgroups.where(statistic="hr").unique("variable"):
            tables.append(subgroup_table(ard, context, endpoint))
            figures.append(FigureJob(forest_plot, (subgroups.where(variable=endpoint), "cox_subgroups", context,
                                                   _("Hazard ratios by subgroup: {endpoint}").format(endpoint=endpoint_label(endpoint))),
                                     {"endpoint": endpoint}))
        if not figures:  # no subgroup analysis: the model's hazard ratios, for its first endpoint
            source = cox_ids[-1]
            endpoint = ard.table(source).first(statistic="hr")["variable"]
            title = (_("Hazard ratios (univariable): {endpoint}") if source == "cox_univariable"
                     else _("Hazard ratios (multivariable): {endpoint}")).format(endpoint=endpoint_label(endpoint))
            figures.append(FigureJob(forest_plot, (ard.table(source).where(variable=endpoint), source, context, title),
                                     {"endpoint": endpoint}))
        sections.append(Section(_("Regression"), tables=tuple(tables), figures=tuple(figures), anchor="cox"))
    safety_tables = (*((with_footnotes(safety_table(ard, context), *population_notes(ard, context)),)
                       if _has(ard, "table", "safety") else ()),
                     *safety_detail_tables(ard, context))  # by grade 1-5, deaths (tables_safety.py)
    if safety_tables:
        sections.append(Section(_("Safety"), tables=safety_tables, anchor="safety"))

    pattern_tables, pattern_figures = [], []
    for table_id in ard.where(section="patterns").unique("table"):
        title = _(_PATTERN_TITLES[table_id]) if table_id in _PATTERN_TITLES else level_label(table_id)
        pattern_tables.append(descriptive_table(ard, table_id, title, context))
    pattern_tables.extend(subsequent_therapy_tables(ard, context))  # by response (tables_safety.py)
    flows = _frame(results, "flows")
    if not flows.empty:
        flow_names = list(dict.fromkeys(flows["flow"])) if "flow" in flows else [""]
        for i, flow in enumerate(flow_names):
            f = flows[flows["flow"] == flow] if flow else flows
            pair, _sep, condition = str(flow).partition("|")
            source, _sep, target = (part.strip() for part in pair.partition("->"))
            source_title = variable_label(source, context.variable_labels) if source else _("Blinatumomab exposure")
            target_title = variable_label(target, context.variable_labels) if target else _("Next therapy")
            by = by_variable(source, context.variable_labels) if source else _("by {label}").format(label=in_sentence(source_title))
            title = _("{what} {by}").format(what=target_title, by=by)
            if condition.strip():  # "disease_setting=newly_diagnosed": the patients the flow is restricted to
                name_, _sep, value = (part.strip() for part in condition.partition("="))
                title = _("{title}: {level} ({variable})").format(
                    title=title, level=level_label(value, context.group_labels, variable=name_, variable_labels=context.variable_labels),
                    variable=in_sentence(variable_label(name_, context.variable_labels)))
            pattern_tables.append(flow_table(f, context, title))
            if not (f["n"].astype(float) > 0).any():  # every flow suppressed (disclosure.py): nothing to draw
                continue
            pattern_figures.append(FigureJob(sankey_plot, (f, context, title, source_title, target_title),
                                             {"name": f"figure_sankey_{i + 1}" if len(flow_names) > 1 else "figure_sankey"}))
    if data is not None:
        lanes, events, total = swimmer_data(data, context)
        if not lanes.empty:
            pattern_figures.append(FigureJob(swimmer_plot, (lanes, events, context, total)))
    if pattern_tables or pattern_figures:
        sections.append(Section(_("Treatment patterns"), tables=tuple(pattern_tables), figures=tuple(pattern_figures), anchor="patterns"))

    sections.append(Section(_("Methods"), paragraphs=tuple(_("{heading}. {text}").format(heading=h, text=t)
                                                           for h, t in methods_paragraphs(results, context)), anchor="methods"))

    if _has(ard, "table", "conventions"):  # R versus SAS (report/appendix_conventions.py)
        sections.append(Section(i18n._("Appendix: R versus SAS conventions"), tables=conventions_tables(ard, context),
                                anchor="conventions"))
    appendix_tables = []
    findings = findings if findings is not None else getattr(results, "findings", None)
    if findings is not None and len(findings):
        records = findings.to_dict("records") if isinstance(findings, pd.DataFrame) else list(findings)
        if not context.show_patient_ids:
            records = _without_patient_ids(records, data)
        appendix_tables.append(data_quality_table(records))
    font_note = missing_font_note() if any(s.figures for s in sections) else ""
    if appendix_tables or font_note:
        sections.append(Section(_("Appendix: data quality"), paragraphs=(font_note,) if font_note else (),
                                tables=tuple(appendix_tables), anchor="appendix"))
    unavailable = _frame(results, "unavailable")
    if not unavailable.empty:
        sections.append(Section(_("Appendix: analyses not available"), paragraphs=tuple(unavailable_paragraphs(unavailable)),
                                anchor="unavailable"))

    notice = ""
    if getattr(results, "synthetic", False):
        notice = _("These results are computed from a generated synthetic cohort, not from real patients.")
    title = context.title or getattr(results, "title", "") or DEFAULT_TITLE
    if title == DEFAULT_TITLE:  # the default title is blinrwe's words; a study's own title is printed as written
        title = _(title)
    if font_note:
        notice = f"{notice} {font_note}".strip()
    if suppression_active(context.min_cell):
        sections = [replace(s, tables=tuple(_suppression_note(t, context.min_cell) for t in s.tables)) for s in sections]
    return ReportDocument(title, context.subtitle, notice, tuple(without_repeats(sections)))


def _suppression_note(table: DisplayTable, k: int) -> DisplayTable:
    """The table with a footnote on "<k" when it shows a suppressed count (disclosure.py)."""
    token = f"<{k}"
    masked = re.compile(rf"(^|/){token}(?![\d.])")  # "<5", "<5/80"; not a "<5" blast level or "<0.001"
    if not (any(f"N = {token}" in c for c in table.columns)
            or any(masked.search(c) for r in table.rows for c in r.cells)):
        return table
    return with_footnotes(table, _("{token}: fewer than {k} patients; the count is suppressed to protect confidentiality, "
                                   "with its percentage and confidence interval (and, where a total would reveal it, "
                                   "the next smallest count).").format(token=token, k=k))
