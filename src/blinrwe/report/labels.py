"""Display labels for the codes in the ARD (variables, levels, endpoints, variants, AE terms): the lookup.

Codes come from the declared tables (blinrwe.model.tables) and the ARD vocabulary
(blinrwe.analysis.ard); the words are those of the seed papers, in the label tables
of :mod:`blinrwe.report.labels_variables` (variables and their levels) and
:mod:`blinrwe.report.labels_codes` (levels, endpoints, variants, method codes,
abbreviations). A study's own labels (ReportContext.variable_labels / group_labels)
win over these.

The tables hold the English; every function here returns its label in the language
of the run (:mod:`blinrwe.model.i18n`): each English word and each way labels are put
together ("No {label}", "{label} among {subset}", "by {label}") is translated where it
is produced, its Chinese in ``locale/zh/report.toml``. A study's own labels are printed
as written, and a free-text value that is no declared code is not translated.
"""

from __future__ import annotations

import ast
import re
from typing import Mapping

from blinrwe.model import tables as model_tables
from blinrwe.model.i18n import _, catalog, current_language

from .labels_codes import ABBREVIATIONS, ENDPOINT_LABELS, LEVEL_LABELS, METHOD_CODE_LABELS, VARIANT_LABELS
from .labels_variables import VARIABLE_LABELS, VARIABLE_LEVEL_LABELS


#: therapies after blinatumomab in clinical order (consolidation by transplant or cellular therapy first)
THERAPY_ORDER = ("allo_hsct", "car_t", "chemotherapy", "blinatumomab", "inotuzumab", "tki", "other", "none")
_BOUND = re.compile(r"^\s*(<=|>=|<|>|\u2264|\u2265)?\s*(\d+(?:\.\d+)?)")
_BOUND_RANK = {"<": -2, "<=": -1, "\u2264": -1, "": 0, ">=": 0, "\u2265": 0, ">": 1}
_LAST = ("unknown", "missing", "not_known")


def ordered_levels(levels) -> list:
    """Category levels in the order a reader expects, not in order of first appearance.

    Therapies in :data:`THERAPY_ORDER` (when every level is a therapy); classes that start
    with a number or a bound in ascending order ("<= 14 d", "15-28 d", "> 28 d"; "1", ">= 2");
    any other level after those in its order of appearance; then "other", "none" and
    "unknown"/"missing" last."""
    levels = list(dict.fromkeys(levels))
    residual = {"other": 0, "none": 1, **{code: 2 for code in _LAST}}
    therapies = all(str(level) in THERAPY_ORDER or str(level).lower() in residual for level in levels)

    def key(item):
        position, level = item
        code = str(level)
        if therapies and code in THERAPY_ORDER:
            return (0, THERAPY_ORDER.index(code), 0, position)
        if code.lower() in residual:
            return (3, residual[code.lower()], 0, position)
        bound = _BOUND.match(code)
        if bound:
            return (1, float(bound[2]), _BOUND_RANK[bound[1] or ""], position)
        return (2, 0, 0, position)

    return [level for _, level in sorted(enumerate(levels), key=key)]


def _humanise(code: str) -> str:
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


def study_label(text: str) -> str:
    """A label the study gave (``[variable_labels]``, ``[group_labels]``): printed as written,
    unless it is word for word one of blinrwe's own English labels, which has its translation
    ("Newly diagnosed" in a Chinese report of a study that labelled its levels in English)."""
    return catalog(current_language()).get(text, text) if current_language() != "en" else text


def _declared_codes() -> frozenset:
    """Every code of an enum column of the input tables (translated when printed; free text is not)."""
    return frozenset(code for table in model_tables.ALL_TABLES.values() for column in table.columns
                     for code in column.allowed)


_DECLARED_CODES = _declared_codes()


def _model_unit(variable: str) -> str | None:
    for table in model_tables.ALL_TABLES.values():
        try:
            return table.column(variable).unit
        except KeyError:
            continue
    return None


def variable_label(variable: str, overrides: Mapping[str, str] = {}) -> str:
    """Reader's label of an ARD variable, with its unit from the data dictionary ("Age at first infusion, years")."""
    if variable in overrides:
        return study_label(overrides[variable])
    english = VARIABLE_LABELS.get(variable) or ENDPOINT_LABELS.get(variable)
    label = _(english) if english else _humanise(variable)
    unit = _model_unit(variable)
    if unit and unit not in ("fraction",) and variable in VARIABLE_LABELS:
        label = _("{label}, {unit}").format(label=label, unit=_(unit))
    return label


def level_label(level, overrides: Mapping[str, str] = {}, *, variable: str = "",
                variable_labels: Mapping[str, str] = {}) -> str:
    """Reader's label of a category level or group code; a therapy sequence
    ("chemotherapy -> allo_hsct") has each step labelled ("Chemotherapy -> allo-HSCT").

    With the ``variable`` the level belongs to, the level is named for that variable
    (:data:`VARIABLE_LEVEL_LABELS`): ``cr_cri`` "yes" / "no" -> "CR/CRi" / "No CR/CRi",
    never "Yes" / "No". The first of these wins: the study's ``"<variable>.<level>"`` label
    (``overrides`` are the specification's ``[group_labels]``), its ``<level>`` label, the
    variable's declared level label, for a yes/no level the variable's label ("CNS
    involvement" / "No CNS involvement", from ``variable_labels`` when the study renames
    the variable), then the level's own label. A comparison within a subset names its
    grouping ``"<variable>|<subset>"``; its levels are those of ``variable``."""
    key = str(level)
    variable = str(variable).partition("|")[0]
    if variable and f"{variable}.{key}" in overrides:
        return study_label(overrides[f"{variable}.{key}"])
    if key in overrides:
        return study_label(overrides[key])
    if variable:
        declared = VARIABLE_LEVEL_LABELS.get(variable, {})
        if key in declared:
            return _(declared[key])
        if key in _YES_NO:
            label = variable_label(variable, variable_labels)
            return label if key == "yes" else _("No {label}").format(label=in_sentence(label))
    if key.startswith("(") and key.endswith(")"):  # several values of a list column ("('ETV6_RUNX1', 'PAX5')")
        try:
            values = ast.literal_eval(key)
        except (ValueError, SyntaxError):
            values = None
        if isinstance(values, tuple) and all(isinstance(v, str) for v in values):
            return ", ".join(level_label(v, overrides) for v in values) or _(LEVEL_LABELS["none"])
    if " -> " in key:
        steps = [level_label(step, overrides) for step in key.split(" -> ")]
        return " -> ".join([steps[0]] + [_in_sentence(step) for step in steps[1:]])
    if key in LEVEL_LABELS:
        return _(LEVEL_LABELS[key])
    if key in VARIABLE_LABELS:
        return _(VARIABLE_LABELS[key])
    if key in ENDPOINT_LABELS:
        return _(ENDPOINT_LABELS[key])
    text = _humanise(key) if key.islower() else key
    return _(text) if key in _DECLARED_CODES else study_label(text)  # a derived class ("<=14 d") if declared


_YES_NO = ("yes", "no")  # ARD levels of a yes/no variable (analysis/levels.py)


def grouping_label(group_var: str, overrides: Mapping[str, str] = {}) -> str:
    """Label of a grouping; ``"<variable>|<subset>"`` (a comparison within a subset) reads
    "Allo-HSCT after blinatumomab among responders"."""
    variable, _sep, subset = str(group_var).partition("|")
    label = variable_label(variable, overrides)
    if subset and subset.partition("=")[0] == variable:  # the subset alone ("<subset>" in [survival] within)
        described = subset_label(subset, overrides)
        return described[:1].upper() + described[1:]
    if not subset:
        return label
    return _("{label} among {subset}").format(label=label, subset=subset_label(subset, overrides))


def subset_label(subset: str, overrides: Mapping[str, str] = {}) -> str:
    """The patients of a ``[survival] within`` subset in a sentence: "responders" (a yes/no variable),
    "patients with best response CR" ("best_response=CR")."""
    column, eq, level = str(subset).partition("=")
    if not eq:
        return in_sentence(variable_label(column, overrides))
    return _("patients with {variable} {level}").format(variable=in_sentence(variable_label(column, overrides)),
                                                        level=level_label(level, variable=column))


def by_variable(variable: str, variable_labels: Mapping[str, str] = {}) -> str:
    """The end of a title grouped by ``variable``: "by disease setting", "by Philadelphia
    chromosome", "by allo-HSCT after blinatumomab among responders" (:func:`grouping_label`);
    "among patients with best response CR" for a subset alone."""
    name, _sep, subset = str(variable).partition("|")
    if subset and subset.partition("=")[0] == name:
        return _("among {subset}").format(subset=subset_label(subset, variable_labels))
    return _("by {label}").format(label=in_sentence(grouping_label(variable, variable_labels)))


def sentence_gap() -> str:
    """What goes between two sentences: a space in English, nothing in Chinese."""
    return "" if current_language() == "zh" else " "


_METHOD_CODE = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, METHOD_CODE_LABELS)) + r")(?![A-Za-z0-9_])")


def method_text(text: str) -> str:
    """A method text of the analysis layer with its codes printed as labels
    ("graded by CTCAE_v5" -> "graded by CTCAE v5.0"); other words untouched."""
    return _METHOD_CODE.sub(lambda m: _(METHOD_CODE_LABELS[m.group(1)]), str(text))


#: Words that keep their capital inside a sentence ("by Philadelphia chromosome").
PROPER_NOUNS = frozenset({"Philadelphia", "Kaplan-Meier", "Cox", "Ph", "Gray's"})


def in_sentence(label: str) -> str:
    """A label inside a sentence: "Chemotherapy" -> "chemotherapy", "Allo-HSCT" -> "allo-HSCT",
    abbreviations ("CAR-T", "TKI", "CR/CRi") and proper nouns ("Philadelphia chromosome") unchanged."""
    if any(ord(ch) >= 0x2E80 for ch in label):  # Chinese has no capitals ("Ph样特征" stays as it is)
        return label
    word = label.split(" ")[0].rstrip(",")
    first = word.split("-")[0].split("/")[0]
    if (first.isupper() and len(first) > 1) or word in PROPER_NOUNS or first in PROPER_NOUNS:
        return label
    return label[:1].lower() + label[1:]


_in_sentence = in_sentence


def endpoint_label(endpoint: str, variant: str = "", overrides: Mapping[str, str] = {}) -> str:
    """"Event-free survival (EFS), censored at HSCT/CAR-T"."""
    base = (study_label(overrides[endpoint]) if overrides.get(endpoint) else None) or (_(ENDPOINT_LABELS[endpoint]) if endpoint in ENDPOINT_LABELS else None)
    text = _("{label} ({code})").format(label=base, code=endpoint) if base and base != endpoint else str(endpoint)
    suffix = study_label(overrides[variant]) if variant in overrides else _variant_text(variant)
    return _("{endpoint}, {variant}").format(endpoint=text, variant=suffix) if suffix else text


def _variant_text(variant: str) -> str:
    """"censored at HSCT/CAR-T" (translated); "" for the primary analysis."""
    if variant in VARIANT_LABELS:
        return _(VARIANT_LABELS[variant]) if VARIANT_LABELS[variant] else ""
    return _censoring_label(variant)


def variant_label(variant: str, overrides: Mapping[str, str] = {}) -> str:
    """Short label of a censoring variant ("Primary analysis" for the default)."""
    if variant in overrides:
        return study_label(overrides[variant])
    text = _variant_text(variant)
    return text[:1].upper() + text[1:] if text else _("Primary analysis")


def _censoring_label(variant: str) -> str:
    """Variant codes name the therapies censored at ("allo_hsct_or_car_t" -> "censored at allo-HSCT or CAR-T")."""
    parts = [_in_sentence(level_label(p) if p in LEVEL_LABELS else p.replace("_", " ")) for p in str(variant).split("_or_")]
    therapies = parts[0]
    for part in parts[1:]:
        therapies = _("{first} or {second}").format(first=therapies, second=part)
    return _("censored at {therapies}").format(therapies=therapies)


def abbreviations_in(texts, already_explained=()) -> str:
    """Footnote listing the abbreviations that occur in ``texts`` ("CI, confidence interval; ...")."""
    joined = " ".join(texts)
    found = [_("{abbreviation}, {meaning}").format(abbreviation=abbr, meaning=_(meaning))
             for abbr, meaning in ABBREVIATIONS.items() if abbr not in already_explained and _occurs(abbr, joined)]
    return _("{list}.").format(list=_("; ").join(found)) if found else ""


def _occurs(abbr: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z]){re.escape(abbr)}(?![A-Za-z])", text) is not None
