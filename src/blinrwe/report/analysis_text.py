"""Text the analysis and statistics layers wrote in English, printed in the report's language.

The ARD's ``method`` column, the reasons of its ``not_estimable: <reason>`` notes, the
time origins and populations in words, the analysis sets and reasons of the patient
flow and the records of the methods paragraph are English sentences made by the
lower layers, some with numbers or names inside ("Clopper-Pearson exact binomial
interval, 95% CI"). The statistics layer cannot translate (it depends on numpy, scipy
and pandas only) and the ARD keeps its words language-neutral, so they are translated
here, when the report prints them.

Their Chinese is declared once in ``locale/zh/report_analysis.toml``: an entry is
either the whole English text or a pattern whose ``{name}`` fields stand for the parts
that vary (``"Clopper-Pearson exact binomial interval, {level}% CI"``). A text is
translated, in order, by an exact entry, by the first pattern it matches in full (each
field translated in turn: numbers and text already translated stay as they are, a
variable or level code becomes its label, other words are translated the same way), or
clause by clause when it is several sentences or clauses ("; "), punctuation made
Chinese. Anything left is printed in English and recorded as a missing translation
(:func:`blinrwe.model.i18n.missing_translations`), which the tests fail on.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from blinrwe.model.i18n import _, catalog, current_language

from .labels import level_label, variable_label
from .labels_codes import LEVEL_LABELS
from .labels_variables import VARIABLE_LABELS

#: the catalog file of this module's texts (patterns are read from it only, never from the others)
CATALOG_FILE = "report_analysis.toml"
#: a field's text: parentheses balanced (two levels deep), so a pattern splits a text where a reader would
_BALANCED = r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))+?"
_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_WORD = re.compile(r"[A-Za-z]{3,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
#: sentence and clause joints of Chinese text
_LIST_JOINT = {"zh": "、"}
_JOINTS = {"en": {". ": ". ", "; ": "; "}, "zh": {". ": "。", "; ": "；"}}


@cache
def _patterns(code: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(compiled pattern, English key) for each entry with fields, most literal text first."""
    path = resources.files("blinrwe") / "locale" / code / CATALOG_FILE
    if not path.is_file():
        return ()
    with path.open("rb") as handle:
        keys = [k for k in tomllib.load(handle) if _FIELD.search(k)]
    compiled = []
    for key in keys:
        parts, names, pos = [], set(), 0
        for m in _FIELD.finditer(key):
            parts.append(re.escape(key[pos:m.start()]))
            name = m.group(1)
            parts.append(f"(?P={name})" if name in names else f"(?P<{name}>{_BALANCED})")
            names.add(name)
            pos = m.end()
        parts.append(re.escape(key[pos:]))
        literal = len(_FIELD.sub("", key))
        compiled.append((literal, re.compile("".join(parts), re.DOTALL), key))
    compiled.sort(key=lambda item: -item[0])
    return tuple((pattern, key) for _n, pattern, key in compiled)


#: fields printed as they are (versions, dates, names of software, currency codes)
_VERBATIM = frozenset({"versions", "date", "name", "endpoints", "currency"})


def _field(name: str, value: str) -> str:
    """One field of a matched pattern in the current language: a variable code (or a list of
    them) as its label, a level code as its label, other words translated in turn."""
    if name in _VERBATIM or not _WORD.search(value) or _CJK.search(value):
        return value
    codes = value.split(", ")
    if all(code in VARIABLE_LABELS for code in codes):
        return _LIST_JOINT.get(current_language(), ", ").join(variable_label(code) for code in codes)
    if value in LEVEL_LABELS:
        return level_label(value)
    items = split_outside_parentheses(value, ", ")
    if len(items) > 1 and _lookup(value, current_language()) is None:  # a list: each item in turn
        return _LIST_JOINT.get(current_language(), ", ").join(analysis_text(item) for item in items)
    return analysis_text(value)


#: fields that may hold several clauses ("responders only; patients in CR at the first infusion enter at it")
_CLAUSES = frozenset({"population", "settings", "variants", "within"})


def _balanced(text: str) -> bool:
    """Whether every parenthesis and square bracket of ``text`` closes one opened before it, and all
    are closed (a model term "ph_status[positive]" is one field, never half of two)."""
    for opening, closing in ("()", "[]"):
        depth = 0
        for ch in text:
            depth += (ch == opening) - (ch == closing)
            if depth < 0:
                return False
        if depth:
            return False
    return True


def _fits(name: str, value: str) -> bool:
    """A field is one clause with balanced parentheses; one named ``variable`` (or ``variables``)
    holds variable codes only."""
    if not _balanced(value) or len(split_outside_parentheses(value, ". ")) > 1:
        return False
    if name not in _CLAUSES and len(split_outside_parentheses(value, "; ")) > 1:
        return False
    if name == "variable":
        return value in VARIABLE_LABELS
    if name == "variables":
        return all(code in VARIABLE_LABELS for code in value.split(", "))
    return True


def split_outside_parentheses(text: str, joint: str) -> list[str]:
    """``text`` cut at each ``joint`` outside parentheses."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and text.startswith(joint, i):
            pieces.append(text[start:i])
            start = i + len(joint)
            i = start
            continue
        i += 1
    pieces.append(text[start:])
    return pieces


def _lookup(text: str, code: str) -> str | None:
    """The translation of ``text`` by an exact entry or a pattern, or None."""
    table = catalog(code)
    if text in table:
        return table[text]
    for pattern, key in _patterns(code):
        match = pattern.fullmatch(text)
        if match and all(_fits(name, value) for name, value in match.groupdict().items()):
            return table[key].format(**{name: _field(name, value) for name, value in match.groupdict().items()})
    return None


def analysis_text(text: str) -> str:
    """``text`` (English, written by the analysis layer) in the current language."""
    code = current_language()
    if code == "en" or not text or not _WORD.search(text):
        return text
    end = text.endswith(".")
    stem = text[:-1] if end else text
    stop = _JOINTS.get(code, _JOINTS["en"])[". "].strip() or "."
    for candidate in ((stem, text) if end else (text, text + ".")):
        found = _lookup(candidate, code)
        if found is not None:
            found = found.rstrip("。.")
            return found + stop if end else found
    joints = _JOINTS.get(code, _JOINTS["en"])
    for joint in (". ", "; "):
        pieces = split_outside_parentheses(stem, joint)
        if len(pieces) > 1:
            out = joints[joint].join(analysis_text(piece).rstrip("。.") for piece in pieces)
            return out + stop if end else out
    return _(text)
