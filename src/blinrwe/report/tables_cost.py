"""The drug-use and cost table (ARD section "cost", ``blinrwe.analysis.cost``).

Columns: the whole cohort, then each course group side by side (e.g. label vs short
course), each headed with its patients. Rows: courses, vials (total, mean and median per
patient), drug cost (total, per patient, per course), CR/CRi and MRD-negative patients with
the drug cost per such responder and its bootstrap CI. Footnotes say how vials were
counted (the wastage rule), the price and vial size, and the bootstrap. Formats only.
"""

from __future__ import annotations

import math
import re

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.cost import BOOTSTRAP_LEFT_OUT
from blinrwe.model.i18n import _

from .ard_index import as_ard_index
from .context import ReportContext
from .disclosure import is_suppressed
from .formatting import EstimateStyle, format_count, format_estimate_ci, format_n_percent, format_number
from .labels import level_label, variable_label
from .table_model import DisplayTable, Row

__all__ = ["cost_table", "WASTAGE_TEXT"]

#: How the vials were counted, as the footnote says it (codes of ``[cost] wastage``).
WASTAGE_TEXT = {
    "per_bag": "Vials opened per bag: each infusion bag's dose is rounded up to whole vials and the rest of the "
               "last vial is discarded.",
    "shared": "Vials shared across days: the rest of an opened vial is used for the next bags of the same "
              "course, so each course's total dose is rounded up once.",
}


def _grouped(text: str) -> str:
    """A money amount with thousands separators: "2029000.0" -> "2,029,000.0" (other text unchanged)."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = digits.partition(".")
    if not whole.isdigit():
        return text
    return f"{sign}{int(whole):,}{dot}{fraction}"


def _grouped_all(text: str) -> str:
    """Every amount in "21357.9 (95% CI 17967.2-25488.5)" grouped (the "95%" level is left alone)."""
    return re.sub(r"\d{4,}(?:\.\d+)?", lambda m: _grouped(m.group(0)), text)


def _value(rows, variable: str, statistic: str, group: tuple):
    found = rows.where(variable=variable, statistic=statistic, group_var=group[0], group=group[1])
    return found.first() if len(found) else None


def cost_table(ard, context: ReportContext) -> DisplayTable:
    """The drug-cost table from the ARD rows of table "cost" (empty table without them)."""
    rows = as_ard_index(ard).table("cost")
    price = _value(rows, "price_per_vial", "price", ("", "Overall"))
    if price is None:
        return DisplayTable("cost", _("Blinatumomab drug use and cost"), (), ())
    currency = str(price["level"] or "")
    groups = []
    for rec in rows.where(variable="patients", statistic="N"):
        groups.append((rec["group_var"], rec["group"], rec))
    columns = []
    for group_var, group, rec in groups:
        name = _("All treated patients") if not group_var else level_label(
            group, context.group_labels, variable=group_var, variable_labels=context.variable_labels)
        columns.append(f"{name} (N = {format_count(rec['value'])})")
    d = context.continuous_decimals
    money = (lambda v: _grouped(format_number(v, d, context.rounding)))
    style = EstimateStyle(decimals=d, rounding=context.rounding, level=context.ci_level,
                          separator=context.ci_separator)
    unit = f" ({currency})" if currency else ""
    notes: list[str] = []

    def cells(variable, statistic, render):
        out = []
        for group_var, group, _rec in groups:
            row = _value(rows, variable, statistic, (group_var, group))
            out.append("" if row is None else render(row))
        return tuple(out)

    def ratio(row):
        if is_suppressed(row["n"]):  # a cost per responder of a suppressed count would reveal the count
            return str(row["n"])
        reason = not_estimable_reason(row["note"])
        if reason:
            notes.append(_("NE: {reason}.").format(reason=_(reason) if reason else ""))
        return _grouped_all(format_estimate_ci(row["value"], row["lower"], row["upper"], style))

    spec = [
        (_("Courses (cycles) started, n"), "courses", "n", lambda r: format_count(r["value"])),
        (_("Vials, total"), "vials", "sum", lambda r: format_count(r["value"])),
        (_("Vials per patient, mean"), "vials", "mean", lambda r: format_number(r["value"], d, context.rounding)),
        (_("Vials per patient, median"), "vials", "median", lambda r: format_number(r["value"], d, context.rounding)),
        (_("Drug cost, total") + unit, "drug_cost", "sum", lambda r: money(r["value"])),
        (_("Drug cost per patient, mean") + unit, "drug_cost", "mean", lambda r: money(r["value"])),
        (_("Drug cost per course") + unit, "drug_cost", "per_course", lambda r: money(r["value"])),
        (_("CR/CRi, n (%)"), "cr_cri", "n", lambda r: format_n_percent(r["n"], r["denominator"],
                                                                         context.percent_decimals, context.rounding)),
        (_("Drug cost per CR/CRi patient") + unit + f", {context.ci_level}% CI", "cost_per_cr_cri", "ratio", ratio),
        (_("MRD-negative, n (%)"), "mrd_negative", "n",
         lambda r: format_n_percent(r["n"], r["denominator"], context.percent_decimals, context.rounding)),
        (_("Drug cost per MRD-negative patient") + unit + f", {context.ci_level}% CI", "cost_per_mrd_negative",
         "ratio", ratio),
        (_("Dose unknown (not counted), n"), "patients", "missing", lambda r: format_count(r["value"])),
    ]
    table_rows = []
    for label, variable, statistic, render in spec:
        row_cells = cells(variable, statistic, render)
        if any(row_cells):
            table_rows.append(Row(label, row_cells, key=(variable, statistic)))
    vials_row = rows.where(variable="vials", statistic="sum")
    rule = str(vials_row.first()["level"]) if len(vials_row) else ""
    strength = _value(rows, "vial_strength", "ug", ("", "Overall"))
    footnotes = [_(WASTAGE_TEXT[rule])] if rule in WASTAGE_TEXT else []
    if strength is not None and not math.isnan(float(price["value"])):
        footnotes.append(_("Price {price} {currency} per vial of {ug} ug; drug only (no preparation, overfill, "
                           "hospital stay or other drugs).").format(
            price=format_number(price["value"], 2, context.rounding), currency=currency,
            ug=format_number(strength["value"], 1, context.rounding)))
    boot = list(rows.where(statistic="ratio"))
    methods = [r["method"] for r in boot if r["method"]]
    left_out = [int(str(r["note"]).split(f"{BOOTSTRAP_LEFT_OUT}: ")[1].split(";")[0])
                for r in boot if f"{BOOTSTRAP_LEFT_OUT}: " in str(r["note"])]
    if methods:
        footnotes.append(_("Cost per responder = the group's total drug cost / its responders; CI: percentile "
                           "bootstrap of patients resampled within each group (seeded, reproducible)."))
    if left_out:
        footnotes.append(_("Bootstrap resamples without a responder have no ratio and were left out (up to {k} "
                           "in a group).").format(k=max(left_out)))
    if groups and any(g[0] for g in groups):
        footnotes.append(_("Columns: {variable}.").format(
            variable=variable_label(next(g[0] for g in groups if g[0]), context.variable_labels)))
    footnotes.extend(dict.fromkeys(notes))
    return DisplayTable("cost", _("Blinatumomab drug use and cost"), tuple(columns), tuple(table_rows),
                        footnotes=tuple(footnotes))
