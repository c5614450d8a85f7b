"""Safety and outcome tables the seed papers print beside the AE table (issue 9), from the ARD.

Nothing here computes a statistic (analysis/safety.py and analysis/safety_outcomes.py do):

========================  ==========================================================
table id                  rows used
========================  ==========================================================
safety                    ARD table ``safety``: ``grade_any``, ``grade_1_2``,
                          ``grade_3plus`` (value = patients, denominator = N);
                          term "any" = any AE
safety_grades             ARD table ``safety``: ``grade_1`` ... ``grade_5`` per term
                          (value = patients at that worst grade, ``_pct`` rows =
                          percent), term "any", the term groups (neurologic events)
                          and GVHD among its own population (``denominator``)
deaths                    ARD table ``deaths``: ``n``/``pct`` per level of
                          ``fatal_ae``, ``fatal_ae_term``, ``fatal_ae_related``,
                          ``vital_status`` and ``cause_of_death``; note
                          "not_estimable: <reason>" -> NE with the reason
subsequent_therapy_...    ARD table ``subsequent_therapy_by_response``, laid out as
                          Table 1 (:func:`blinrwe.report.tables.descriptive_table`)
========================  ==========================================================
"""

from __future__ import annotations

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.safety_outcomes import SUBSEQUENT_TABLE
from blinrwe.model.i18n import _
from blinrwe.model.tables import AE_TERM_GROUPS

from .ard_index import as_ard_index
from .context import ReportContext
from .formatting import NOT_ESTIMABLE, format_count, format_n_percent
from .labels import in_sentence, level_label, variable_label
from .disclosure import is_suppressed
from .table_model import DisplayTable, Row, SpanningHeader, with_footnotes
from .tables import (
    _column_header,
    _finish,
    _group_columns,
    _group_sizes,
    _methods_note,
    _missing,
    _not_estimable_notes,
    descriptive_table,
)

__all__ = ["safety_table", "ae_grade_table", "deaths_table", "subsequent_therapy_table", "safety_detail_tables",
           "subsequent_therapy_tables", "population_notes"]

GRADES = (1, 2, 3, 4, 5)
_GRADE_COLUMNS = (("grade_any", "Any grade"), ("grade_1_2", "Grade 1-2"), ("grade_3plus", "Grade \u2265 3"))


#: rows first after "any adverse event": the events of special interest, then the other terms
_PRIORITY = ("any", "CRS", "ICANS", *AE_TERM_GROUPS, "GVHD")


def safety_table(ard, context: ReportContext, title: str | None = None) -> DisplayTable:
    """Patients with each adverse event at their worst grade: any grade, grade 1-2 and
    grade >= 3, n (%) (seed 001 Table 3; seed 003 Table 3). CRS and ICANS first after
    'any adverse event', the other terms in ARD order."""
    sub = as_ard_index(ard).table("safety")
    pairs = _group_columns(sub)
    sizes = _group_sizes(sub)
    present = [(s, lab) for s, lab in _GRADE_COLUMNS if sub.has(statistic=s)]
    spanning, columns = [], []
    for pair in pairs:
        spanning.append(SpanningHeader(_column_header(sizes, pair, context), len(present)))
        columns += [_(lab) for _stat, lab in present]
    terms = sub.where(statistic={s for s, _ in present}).unique("variable")
    priority = [t for t in ("any", "CRS", "ICANS") if t in terms]
    terms = priority + [t for t in terms if t not in priority]
    cell: dict[tuple, dict] = {}
    for r in sub:
        cell.setdefault((r["variable"], r["group_var"], r["group"], r["statistic"]), r)
    rows: list[Row] = []
    for term in terms:
        cells = []
        for gv, g in pairs:
            for statistic, _label in present:
                cells.append(_cell(cell.get((term, gv, g, statistic)), cell.get((term, gv, g, f"{statistic}_pct")),
                                   context))
        label = level_label(term, context.group_labels) if term in ("any", "CRS", "ICANS") else level_label(term, context.variable_labels)
        rows.append(Row(label, tuple(cells), 0 if term == "any" else 1, False, (term,)))
    notes = [
        _("Patients are counted once per term at their worst grade; percentages of all treated patients in the column."),
        _methods_note(sub, [s for s, _ in present], "Grading and window"),
    ]
    table = DisplayTable("safety", title or _("Adverse events during blinatumomab"), tuple(columns), tuple(rows), _("Adverse event, n (%)"), tuple(spanning))
    return _finish(table, notes)


def _cell(row, pct, context: ReportContext) -> str:
    """"n (%)" from an ARD count row and its percentage row; "0" when the row is absent."""
    if row is None:
        return "0"
    fraction = None if pct is None or _missing(pct["value"]) else pct["value"] / 100
    return format_n_percent(row["value"], row["denominator"], context.percent_decimals, context.rounding, fraction)


def _percent_reasons(rows) -> list[str]:
    """"Percentages not estimable: no patients in the denominator." once per reason an ARD percentage
    row gives (a column or population without patients: its counts print 0, its percentages nothing)."""
    reasons = dict.fromkeys(not_estimable_reason(r["note"]) for r in rows if str(r["statistic"]).endswith("pct"))
    return [_("Percentages not estimable: {reason}.").format(reason=reason) for reason in reasons if reason]


def ae_grade_table(ard, context: ReportContext) -> DisplayTable:
    """Patients by the worst grade of each adverse event, grade 1 to 5, n (%) (seed 002: worst grade
    3 in 20 and grade 4 in 28 of 64 patients; CRS and ICANS by ASTCT grade): "any adverse event", CRS,
    ICANS, the neurologic events as a group and GVHD first, then the other terms."""
    sub = as_ard_index(ard).table("safety")
    if not sub.has(statistic="grade_1"):
        return DisplayTable("safety_grades", "", (), ())
    pairs = _group_columns(sub)
    sizes = _group_sizes(sub)
    labels = [_("Grade {grade}").format(grade=g) for g in GRADES]
    spanning, columns = [], []
    for pair in pairs:
        spanning.append(SpanningHeader(_column_header(sizes, pair, context), len(GRADES)))
        columns += labels
    terms = sub.where(statistic="grade_1").unique("variable")
    terms = [t for t in _PRIORITY if t in terms] + [t for t in terms if t not in _PRIORITY]
    cell: dict[tuple, dict] = {}
    for r in sub:
        cell.setdefault((r["variable"], r["group_var"], r["group"], r["statistic"]), r)
    rows: list[Row] = []
    notes = [_("Patients are counted once per term at their worst grade; grade 5 is death. Percentages of all "
               "treated patients in the column unless stated.")]
    for term in terms:
        cells = []
        for gv, g in pairs:
            for grade in GRADES:
                cells.append(_cell(cell.get((term, gv, g, f"grade_{grade}")),
                                   cell.get((term, gv, g, f"grade_{grade}_pct")), context))
        label = level_label(term, context.group_labels)
        rows.append(Row(label, tuple(cells), 0 if term == "any" else 1, False, (term,)))
    notes += population_notes(ard, context)
    for group, members in AE_TERM_GROUPS.items():
        if group in terms:
            notes.append(_("{group}: a patient with {terms} counted once, at the worst grade.").format(
                group=level_label(group, context.group_labels),
                terms=_(" or ").join(in_sentence(level_label(m, context.group_labels)) for m in members)))
    notes.append(_methods_note(sub.where(variable="any"), ["grade_1"], "Grading and AE window"))
    notes += _percent_reasons(sub)
    table = DisplayTable("safety_grades", _("Adverse events by worst grade"), tuple(columns), tuple(rows),
                         _("Adverse event (worst grade), n (%)"), tuple(spanning))
    return _finish(table, notes)


def population_notes(ard, context: ReportContext) -> list[str]:
    """One footnote per adverse event counted among some patients only (ARD ``level`` = the yes/no
    variable of its population): "Graft-versus-host disease: among patients with prior allo-HSCT
    (N = 12)." Shared with the grade-band table of :mod:`blinrwe.report.tables`."""
    notes = []
    for r in as_ard_index(ard).table("safety").where(statistic="grade_any"):
        if r["level"] and r["group"] == "Overall":
            notes.append(_("{term}: among patients with {population} (N = {n}).").format(
                term=level_label(r["variable"], context.group_labels),
                population=in_sentence(variable_label(r["level"], context.variable_labels)),
                n=format_count(r["denominator"])))
    return notes


#: variables in print order; the levels of a variable follow its label
_DEATH_ROWS = ("fatal_ae", "fatal_ae_term", "fatal_ae_related", "vital_status", "cause_of_death")


def deaths_table(ard, context: ReportContext) -> DisplayTable:
    """Fatal adverse events (any, by term, related to blinatumomab), vital status at the end of
    follow-up and deaths by recorded cause, n (% of all treated) (seeds 001, 002, 004)."""
    sub = as_ard_index(ard).table("deaths")
    if not sub.has(statistic="n"):
        return DisplayTable("deaths", "", (), ())
    pairs = _group_columns(sub)
    sizes = _group_sizes(sub)
    columns = [_column_header(sizes, p, context) for p in pairs]
    cell: dict[tuple, dict] = {}
    for r in sub:
        cell.setdefault((r["variable"], r["level"], r["group_var"], r["group"], r["statistic"]), r)

    def cells(variable, level):
        out = []
        for gv, g in pairs:
            n_row = cell.get((variable, level, gv, g, "n"))
            if n_row is not None and _missing(n_row["value"]) and not is_suppressed(n_row["value"]):
                out.append(NOT_ESTIMABLE)
            else:
                out.append(_cell(n_row, cell.get((variable, level, gv, g, "pct")), context))
        return tuple(out)

    rows: list[Row] = []
    for variable in _DEATH_ROWS:
        levels = sub.where(variable=variable, statistic="n").unique("level")
        if not levels:
            continue
        if variable in ("fatal_ae", "fatal_ae_related"):
            rows.append(Row(variable_label(variable, context.variable_labels), cells(variable, "yes"), 0, False,
                            (variable, "yes")))
        elif variable == "vital_status":
            for level in levels:
                label = level_label(level, context.group_labels, variable=variable,
                                    variable_labels=context.variable_labels)
                rows.append(Row(label, cells(variable, level), 0, False, (variable, level)))
        else:  # the levels under the row above (fatal adverse events by term; deaths by cause)
            for level in levels:
                rows.append(Row(level_label(level, context.group_labels), cells(variable, level), 1, False,
                                (variable, level)))
    notes = [_("Percentages of all treated patients in the column. Indented rows: fatal adverse events by "
               "term (a patient may count under several terms) and deaths by recorded cause."),
             _methods_note(sub.where(variable="fatal_ae"), ["n"], "Fatal adverse events"),
             _methods_note(sub.where(variable="vital_status"), ["n"], "Vital status"),
             _methods_note(sub.where(variable="fatal_ae_related"), ["n"], "Treatment-related deaths"),
             *_not_estimable_notes(sub, ["n"]), *_percent_reasons(sub)]
    table = DisplayTable("deaths", _("Deaths and fatal adverse events"), tuple(columns), tuple(rows),
                         _("Patients, n (%)"))
    return _finish(table, notes)


def subsequent_therapy_table(ard, context: ReportContext) -> DisplayTable:
    """Further treatment (a path with allo-HSCT counts as allo-HSCT), allo-HSCT and CAR-T after
    blinatumomab and the recorded intent of the first therapy, among all treated patients, responders
    and non-responders (seed 000: 62.5% of patients in CR proceeded to allo-HSCT; seed 003)."""
    table = descriptive_table(ard, SUBSEQUENT_TABLE, _("Therapy after blinatumomab by response"), context)
    return with_footnotes(table, _("Columns: all treated patients, then by response (the responder definition "
                                   "of the study)."))


def safety_detail_tables(ard, context: ReportContext) -> tuple[DisplayTable, ...]:
    """The tables of this module that the results support, for the Safety section."""
    return tuple(t for t in (ae_grade_table(ard, context), deaths_table(ard, context)) if not t.is_empty)


def subsequent_therapy_tables(ard, context: ReportContext) -> tuple[DisplayTable, ...]:
    """The therapy-by-response table when the results have it, for the Treatment patterns section."""
    if not len(as_ard_index(ard).table(SUBSEQUENT_TABLE)):
        return ()
    table = subsequent_therapy_table(ard, context)
    return () if table.is_empty else (table,)
