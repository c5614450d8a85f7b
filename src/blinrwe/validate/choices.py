"""Columns whose cells pick from a declared list: one code (``ENUM``), several codes (``ENUM_LIST``) and
yes/no (``BOOL``).

A cell may hold the code itself or its label in either language (``F``, ``女``, ``女 (F)``; ``yes``,
``是``), as the template offers them. Anything else is one finding per cell, with a hint naming the
allowed codes and, when one is likely, the code the clinic probably meant (``female`` -> ``F``): offered,
never taken, since a guessed diagnosis or sex must not enter an analysis silently.
"""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from blinrwe.model.display import bool_label, bool_words, code_of_label, level_with_code, normalise, value_codes
from blinrwe.model.i18n import _, current_language
from blinrwe.model.schema import Column

from .cell_text import DistinctTexts, quoted
from .findings import CellFindings

__all__ = ["LIST_SEPARATOR", "LIST_SEPARATORS", "booleans_of", "coerce_booleans", "coerce_code_lists", "coerce_codes",
           "guess_code", "suggest", "unknown_flags"]

YES = frozenset({"yes", "y", "true", "1", "1.0"})
NO = frozenset({"no", "n", "false", "0", "0.0"})
UNKNOWN = frozenset({"unknown", "unk"})
#: Yes / no / unknown as Chinese clinicians write them, beside the template's own labels (是/否/不详).
YES_ZH = frozenset({"是", "有", "是的"})
NO_ZH = frozenset({"否", "无", "没有", "不是"})
UNKNOWN_ZH = frozenset({"不详", "未知", "不清楚"})
LIST_SEPARATOR = ";"
#: Separators read between the codes of one cell: ';', and as typed on a Chinese keyboard '；', '、' and '，'.
LIST_SEPARATORS = re.compile(r"[;；、，]")

_ANSWERS = (("no", NO), ("yes", YES), ("unknown", UNKNOWN))
_ANSWERS_ZH = (("yes", YES_ZH), ("no", NO_ZH), ("unknown", UNKNOWN_ZH))


def _yes_no(text: str) -> str | None:
    """``yes``/``no``/``unknown`` for a yes/no cell's text in any language, else None."""
    folded = text.casefold()
    answer = next((a for a, words in _ANSWERS if folded in words), None)
    if answer is not None or folded.isascii():
        return answer
    word = text.strip()
    answer = next((a for a, words in _ANSWERS_ZH if word in words), None)
    return answer if answer is not None else bool_words().get(normalise(word))


def coerce_booleans(col: Column, raw: pd.Series, cells: DistinctTexts, out: CellFindings) -> pd.Series:
    """A yes/no column as pandas booleans: missing where empty or 'unknown' (see :func:`unknown_flags`)."""
    read = [_yes_no(t) for t in cells.values]
    bad = [r is None for r in read]
    if any(bad):
        yes, no, unknown = (bool_label(v) for v in ("yes", "no", "unknown"))
        message = _("'{column}' must be {yes} or {no}").format(column=out.name(col), yes=yes, no=no)
        hint = _("enter {yes} or {no} (leave empty or write '{unknown}' when not known)").format(
            yes=yes, no=no, unknown=unknown)
    for row, _i in cells.failing(bad):
        out.add("YES_NO_INVALID", row, col.name, raw[row], message, hint)
    values = cells.flags([r == "yes" for r in read])
    missing = ~cells.flags([r in ("yes", "no") for r in read])
    return pd.Series(pd.arrays.BooleanArray(values, missing), index=cells.index)


def booleans_of(cells: np.ndarray, kind: str, index: pd.Index) -> pd.Series | None:
    """A column of booleans (``True``, ``np.False_``; ``None`` or NaN empty) as :func:`coerce_booleans` reads
    their texts (``TRUE``, ``FALSE``: never a finding), without rendering one; ``None`` for any other column
    (``kind``: ``infer_dtype`` of the cells)."""
    if kind != "boolean":
        return None
    try:
        yes, no = cells == True, cells == False  # noqa: E712  (elementwise; 1 and 0 are not in a "boolean" column)
    except TypeError:  # pd.NA, which reads as the text '<NA>'
        return None
    return pd.Series(pd.arrays.BooleanArray(yes, ~(yes | no)), index=index)


def unknown_flags(cells: DistinctTexts) -> np.ndarray:
    """Per cell of a yes/no column: does it say 'unknown' (in any language)?"""
    return cells.flags([_yes_no(t) == "unknown" for t in cells.values])


def suggest(value: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed code the user probably meant (same letters ignoring case, or a close spelling)."""
    folded = {a.casefold(): a for a in allowed}
    key = value.casefold().replace(" ", "_").replace("-", "_")
    for candidate in (value.casefold(), key):
        if candidate in folded:
            return folded[candidate]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def _codes_text(col: Column) -> str:
    """The allowed codes for a hint; in Chinese each with its label (``男 (M)、女 (F)``)."""
    if current_language() == "en":
        return ", ".join(col.allowed)
    return "、".join(level_with_code(col, v) for v in col.allowed)


def guess_code(col: Column, text: str) -> str | None:
    """The code probably meant: a word clinics type for it (``female`` -> ``F``, ``Column.words``), the one
    label a '?' stands in (``μg/m?/天``), a close spelling of a code, or the one label inside the text,
    punctuation aside (``女性`` -> ``F``, ``复发难治`` -> ``relapsed_refractory``)."""
    word = dict(col.words).get(text.strip().casefold())
    if word:
        return word
    if "?" in text:  # a character the file's encoding could not hold, which Excel saves as '?' (μg/m?/天)
        lost = re.compile(".".join(re.escape(part) for part in normalise(text).split("?")) + r"\Z")
        meant = {code for label, code in value_codes(col).items() if lost.match(label)}
        if len(meant) == 1:
            return meant.pop()
    guess = suggest(text, col.allowed)
    if guess or text.isascii():
        return guess
    typed = _bare(normalise(text))
    inside = {code for label, code in value_codes(col).items()
              if (bare := _bare(label)) and (bare in typed or typed in bare)}
    return inside.pop() if len(inside) == 1 and typed else None


def _bare(text: str) -> str:
    """Letters and digits only: ``复发难治`` is typed for ``复发/难治`` as often as ``复发-难治``."""
    return re.sub(r"[\W_]", "", text)


def _guess_text(col: Column, guess: str | None) -> str:
    if not guess:
        return ""
    shown = guess if current_language() == "en" else level_with_code(col, guess)
    return _(" (did you mean '{code}'?)").format(code=shown)


def _code(col: Column, text: str, allowed: set) -> str | None:
    """The code a cell's text stands for: the code itself or its display label (any language)."""
    if text in allowed:
        return text
    return code_of_label(col, text)


def coerce_codes(col: Column, raw: pd.Series, cells: DistinctTexts, out: CellFindings) -> pd.Series:
    """A code column as its codes (object; None where empty or not an allowed code)."""
    text = cells.values
    allowed = set(col.allowed)
    read = [_code(col, t, allowed) for t in text]
    hints = {}
    for row, i in cells.failing([r is None for r in read]):
        v = text[i]
        if i not in hints:
            hints[i] = (_("use one of: {codes}").format(codes=_codes_text(col))
                        + _guess_text(col, guess_code(col, v)))
        out.add("CODE_INVALID", row, col.name, raw[row],
                _("'{value}' is not an allowed code of '{column}'").format(value=quoted(v), column=out.name(col)),
                hints[i])
    return pd.Series(cells.broadcast(read, None), index=cells.index, dtype=object)


def coerce_code_lists(col: Column, raw: pd.Series, cells: DistinctTexts, out: CellFindings) -> pd.Series:
    """A code-list column as tuples of its allowed codes (one finding per code that is not allowed)."""
    allowed = set(col.allowed)
    parts_of = [tuple(p.strip() for p in LIST_SEPARATORS.split(v) if p.strip()) for v in cells.values]
    read_of = [tuple(_code(col, p, allowed) for p in parts) for parts in parts_of]
    bad_of = [[p for p, r in zip(parts, read) if r is None] for parts, read in zip(parts_of, read_of)]
    hints: dict[str, str] = {}
    for row, i in cells.failing([bool(b) for b in bad_of]):
        for c in bad_of[i]:
            if c not in hints:
                hints[c] = (_("use codes from: {codes}, separated by '{separator}'").format(
                    codes=_codes_text(col), separator=LIST_SEPARATOR) + _guess_text(col, guess_code(col, c)))
            out.add("CODE_INVALID", row, col.name, raw[row],
                    _("'{value}' is not an allowed code of '{column}'").format(value=quoted(c), column=out.name(col)),
                    hints[c])
    kept = np.empty(len(read_of), dtype=object)  # element-wise: numpy would make a 2-D array of equal tuples
    for i, codes in enumerate(read_of):
        kept[i] = tuple(c for c in codes if c is not None)
    return pd.Series(cells.broadcast(kept, ()), index=cells.index, dtype=object)
