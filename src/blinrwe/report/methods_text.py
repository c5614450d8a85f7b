"""The statistical-methods paragraph, written from what was actually done.

Sources, in order: the ``methods`` records of StudyResults (topic, text: estimators,
CI transforms, tests, software versions, written by the analysis layer as it runs),
then every distinct ``method`` of the ARD rows by section (so a method used but not
described is still named), then the report's own conventions (time origin and unit,
rounding, NR/NE/NA) and the versions of the libraries that drew the report.

In a report in another language the analysis layer's English sentences are translated
as printed (:func:`blinrwe.report.analysis_text.analysis_text`), after their values are
filled in the report's language; the report's own sentences through ``_()``.
"""

from __future__ import annotations

import math
import re
from importlib import metadata

import pandas as pd

from blinrwe.model.i18n import _, current_language

from .analysis_text import analysis_text, split_outside_parentheses
from .context import ReportContext
from .disclosure import suppression_sentence
from .formatting import format_p_value
from .labels import grouping_label, sentence_gap
from .labels import in_sentence, method_text, variable_label, variant_label
from .labels_variables import VARIABLE_LABELS
from .methods_competing import competing_methods_paragraph

_SECTION_NAMES = {
    "baseline": "Baseline characteristics",
    "exposure": "Exposure",
    "response": "Response",
    "survival": "Time-to-event outcomes",
    "followup": "Follow-up",
    "cox": "Regression",
    "competing_risks": "Competing risks",
    "safety": "Safety",
    "patterns": "Treatment patterns",
    "post_baseline": "Groups defined after the start",
    "competing_regression": "Competing-risks regression",
    "summary_measures": "Summary measures",
    "deaths": "Deaths",
    "subsequent_therapy": "Subsequent therapy",
    "cost": "Drug use and cost",
}
_RENDERING_PACKAGES = ("matplotlib", "jinja2", "python-docx", "openpyxl")
# ARD methods that say nothing a reader needs (a count is a count)
_SELF_EVIDENT = frozenset({"sample statistic", "count"})
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six")


def _decimals(n: int) -> str:
    if current_language() != "en":
        return _("{n} decimals").format(n=n)
    return f"{_NUMBER_WORDS[n]} decimal{'' if n == 1 else 's'}" if 0 <= n < len(_NUMBER_WORDS) else f"{n} decimals"


def _records(methods) -> list[tuple[str, str]]:
    """(topic, text) of each method record, its ``{name}`` placeholders filled with the
    printed ``values`` (records without values are taken as written)."""
    if methods is None:
        return []
    if isinstance(methods, pd.DataFrame):
        values = methods["values"] if "values" in methods.columns else [None] * len(methods)
        rows = zip(methods.get("topic", []), methods.get("text", []), values)
    else:
        rows = []
        for m in methods:
            if isinstance(m, dict):
                rows.append((m.get("topic", ""), m.get("text", ""), m.get("values")))
            elif hasattr(m, "text"):
                rows.append((getattr(m, "topic", ""), m.text, getattr(m, "values", None)))
            else:
                rows.append((*m, None)[:3])
    return [(str(t), fill_values(str(x), v)) for t, x, v in rows if x and str(x).strip()]


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _number(value) -> str:
    """A setting's number as written in a methods section: 5.0 -> "5", 30.4375 -> "30.4375"."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _threshold(value: float) -> str:
    """An MRD threshold: a power of ten as 10⁻⁴, else the plain number."""
    exponent = math.log10(value) if value > 0 else float("nan")
    if math.isfinite(exponent) and abs(exponent - round(exponent)) < 1e-9:
        return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)
    return _number(value)


def _variants(codes) -> str:
    return "; ".join(in_sentence(variant_label(c)) for c in codes)


def _setting_value(value) -> str:
    """A definition setting's value as written in the methods: yes/no, lists, dates, numbers."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (tuple, list)):
        return ", ".join(_setting_value(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return _number(value)


def _changed_settings(pairs) -> str:
    """"fixed course days = 14; nonresponder fails at first assessment = no" from (name, value) pairs."""
    return _("; ").join(f"{_(name.replace('_', ' '))} = {_setting_value(value)}" for name, value in pairs)


_FORMATS = {
    "changed_settings": _changed_settings,
    "post_baseline_variables": lambda codes: _(", ").join(in_sentence(variable_label(c)) for c in codes),
    "post_baseline_groupings": lambda groups: _("; ").join(in_sentence(grouping_label(g)) for g in groups),
    "postbaseline_landmarks": lambda times: _(", ").join(_number(t) for t in times),
    "within": lambda pairs: "; ".join(in_sentence(grouping_label(f"{v}|{subset}")) for v, subset in pairs),
    "mrd_threshold": _threshold,
    "responder_definition": lambda code: _(VARIABLE_LABELS[code]) if code in VARIABLE_LABELS else code,
    "data_cutoff": lambda d: d.isoformat() if hasattr(d, "isoformat") else str(d),
    "variants": _variants,
}


def fill_values(text: str, values) -> str:
    """``text`` with each ``{name}`` of ``values`` replaced by the printed value (others left as written)."""
    if not isinstance(values, dict) or not values:
        return text

    def value(match):
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return _FORMATS.get(name, _number)(values[name])
    return _PLACEHOLDER.sub(value, text)


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _readable(text: str) -> str:
    """Variable codes the analysis layer names in its sentences ("rr_type") as the labels
    the tables use ("relapsed/refractory type"), grading codes ("CTCAE_v5") as printed
    ("CTCAE v5.0"); other words untouched."""
    def label(match):
        code = match.group(0)
        return in_sentence(_(VARIABLE_LABELS[code])) if code in VARIABLE_LABELS else code
    return _CODE.sub(label, method_text(text))


def _sentence(text: str) -> str:
    text = text.strip()
    text = text if text.endswith((".", "!", "?")) else text + "."
    if current_language() != "en":  # variable codes inside are named by the pattern's fields
        return analysis_text(method_text(text))
    return _readable(text)


_gap = sentence_gap


def _section_sentence(section: str, methods: str) -> str:
    """"Response: Clopper-Pearson exact binomial interval, 95% CI." in the report's language."""
    name = _(_SECTION_NAMES.get(section, section.replace("_", " ").capitalize()))
    if current_language() == "en":
        return _sentence(f"{name}: {methods}")
    translated = _("; ").join(analysis_text(method_text(m)) for m in split_outside_parentheses(methods, "; "))
    return _("{section}: {methods}.").format(section=name, methods=translated)


def ard_methods(ard: pd.DataFrame) -> list[tuple[str, str]]:
    """(section, "method; method") for every section of the ARD, in ARD order."""
    if ard is None or ard.empty:
        return []
    out = []
    for section in dict.fromkeys(ard["section"]):
        if section == "conventions":  # the R-versus-SAS appendix states its own methods
            continue
        methods = [m for m in dict.fromkeys(ard.loc[ard["section"] == section, "method"]) if isinstance(m, str) and m.strip()]
        methods = [m for m in methods if m not in _SELF_EVIDENT]
        if methods:
            out.append((section, "; ".join(methods)))
    return out


def rendering_versions() -> str:
    versions = []
    for package in _RENDERING_PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(versions)


def _origins(ard, context: ReportContext) -> str:
    """Time 0 by endpoint from the ARD ``time_origin`` rows ("first blinatumomab infusion (OS, PFS); for RFS,
    CIR and NRM, from the first response (CR/CRi)"); the report's time origin when the ARD has none."""
    rows = ard.loc[ard["statistic"] == "time_origin", ["variable", "level"]] if "statistic" in ard else ard.iloc[0:0]
    by_origin: dict[str, list[str]] = {}
    for endpoint, origin in rows.drop_duplicates().itertuples(index=False):
        if isinstance(origin, str) and origin:
            by_origin.setdefault(origin, []).append(endpoint)
    if not by_origin:
        return analysis_text(context.time_origin)
    parts = [(analysis_text(o), e) for o, e in by_origin.items()]
    if len(parts) == 1:
        return parts[0][0]
    return _("; ").join([_("{origin} ({endpoints})").format(origin=parts[0][0], endpoints=", ".join(parts[0][1]))]
                        + [_("for {endpoints}, from the {origin}").format(endpoints=", ".join(e), origin=o) for o, e in parts[1:]])


def methods_paragraphs(results, context: ReportContext) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs of the methods section."""
    paragraphs = []
    described = _records(getattr(results, "methods", None))
    if described:
        paragraphs.append((_("Statistical analysis"), _gap().join(_sentence(text) for _topic, text in described)))
    by_section = ard_methods(getattr(results, "ard", None))
    if by_section:
        text = _gap().join(_section_sentence(s, m) for s, m in by_section)
        paragraphs.append((_("Methods recorded with each result"), text))
    issue9 = competing_methods_paragraph(getattr(results, "ard", None), context)  # tests, RMST, Fine-Gray
    if issue9:
        paragraphs.append((_("Competing risks, summary measures and tests between groups"), issue9))
    rounding = _({"half_up": "rounded half up", "half_even": "rounded half to even",
                  "truncate": "truncated (confidence bounds, standard errors and p values are rounded half up)"}[context.rounding])
    ard = getattr(results, "ard", None)
    timed = ard is not None and len(ard) and ard["section"].isin(["survival", "competing_risks", "followup"]).any()
    below = format_p_value(0.0, context.p_decimals, rounding=context.rounding)
    above = format_p_value(1.0, context.p_decimals, rounding=context.rounding)
    conventions = (_("Times are in {unit} from the {origin}.").format(unit=_(context.time_unit), origin=_origins(ard, context))
                   + _gap() if timed else "")
    conventions += _(
        "Percentages are shown with {percent_decimals} and continuous values with "
        "{continuous_decimals}, {rounding}; p values below {below} are shown as {below_shown} and "
        "those that round to 1 as {above}."
    ).format(percent_decimals=_decimals(context.percent_decimals), continuous_decimals=_decimals(context.continuous_decimals),
             rounding=rounding, below=below[1:], below_shown=below, above=above) + _gap()
    conventions += (_("NR denotes a median not reached, NE a value or confidence bound that cannot be estimated "
                      "(including landmark rates beyond the available follow-up; other reasons are given below each "
                      "table) and NA not applicable.") if timed else
                    _("NE denotes a value that cannot be estimated (the reason is given below each table) and NA not "
                      "applicable."))
    suppression = suppression_sentence(context.min_cell)
    if suppression:
        conventions += _gap() + suppression
    versions = rendering_versions()
    if versions:
        conventions += _gap() + _("Tables and figures were produced with blinrwe ({versions}).").format(versions=versions)
    paragraphs.append((_("Reporting conventions"), conventions))
    return paragraphs


def methods_text(results, context: ReportContext) -> str:
    """The methods section as plain text, paragraphs separated by blank lines."""
    return "\n\n".join(text for _, text in methods_paragraphs(results, context))
