"""Nothing printed twice in the report, judged by what its tables print.

Identical row blocks within a table print once, their heading naming them all
(:func:`merge_repeated_blocks`); a table every number of which earlier tables already
print is left out and named in its section (:func:`without_repeats`), as
:func:`blinrwe.report.document.plan_document` does with the assembled sections.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Sequence

from blinrwe.model.i18n import _

from .labels import in_sentence
from .table_model import DisplayTable, Row

if TYPE_CHECKING:
    from .document import Section


def _joined(labels: Sequence[str]) -> str:
    """"Within 2 cycles, within 12 weeks and at any time after blinatumomab"."""
    words = [labels[0], *(in_sentence(label) for label in labels[1:])]
    return words[0] if len(words) == 1 else _("{items} and {last}").format(items=_(", ").join(words[:-1]), last=words[-1])


def merge_repeated_blocks(table: DisplayTable) -> DisplayTable:
    """``table`` with each group of identical row blocks printed once: a top-level heading
    row and the rows under it are a block; blocks with the same heading cells and the same
    rows below (labels and cells) become the first of them, its heading naming them all
    ("Within 2 cycles, within 12 weeks and at any time after blinatumomab" when the response
    rates are the same in every window)."""
    blocks: list[list[Row]] = []
    for row in table.rows:
        if row.level == 0 or not blocks:
            blocks.append([row])
        else:
            blocks[-1].append(row)
    content = lambda block: (block[0].cells, tuple((r.label, r.cells, r.level, r.is_heading) for r in block[1:]))  # noqa: E731
    same: dict = {}
    for block in blocks:
        if block[0].is_heading and len(block) > 1:
            same.setdefault(content(block), []).append(block[0].label)
    rows, merged = [], set()
    for block in blocks:
        labels = same.get(content(block), []) if block[0].is_heading and len(block) > 1 else []
        if len(labels) > 1:
            if content(block) in merged:
                continue
            merged.add(content(block))
            block = [replace(block[0], label=_joined(labels)), *block[1:]]
        rows.extend(block)
    return table if len(rows) == len(table.rows) else replace(table, rows=tuple(rows))


_GROUP_SIZE = re.compile(r"\s*\((?:N|n) = [^)]*\)")
#: words under which nearly every number is printed: they say nothing about which number it is
_GENERIC_WORD = re.compile(r"^(n|p|overall|.* p|n \(%\)|n/n \(%\)|\d+% ci|总体|.*p值)$")  # English and Chinese
_ESTIMATE = re.compile(r"\d.*[(/]|[(/].*\d")  # "2.05 (1.23-3.41)", "27/116", "94 (47.0)"; not a bare count


def _label_words(*labels: str) -> frozenset:
    """The parts of the labels a cell is printed under, compared loosely: "Sex, n (%)" ->
    {"sex"}; a column's "(N = 116)" and words as generic as "n (%)" or "p" are left out."""
    parts = (part.strip().lower() for label in labels for part in re.split(r", |，", _GROUP_SIZE.sub("", label)))
    return frozenset(part for part in parts if part and not _GENERIC_WORD.match(part))


def _printed_facts(table: DisplayTable) -> list[tuple[str, frozenset]]:
    """Each non-empty data cell of ``table`` with the words of its row, headings above it and column."""
    spans = table.spanning_per_column()
    facts, path = [], []
    for row in table.rows:
        path = path[:row.level]
        for cell, column, span in zip(row.cells, table.columns, spans):
            if cell:
                facts.append((cell, _label_words(row.label, *path, column, span)))
        if row.is_heading:
            path = path + [row.label]
    return facts


def without_repeats(sections: Sequence[Section]) -> list[Section]:
    """The sections with nothing printed twice, judged by what the tables print:

    * identical row blocks within a table once (:func:`merge_repeated_blocks`);
    * a table every number of which earlier tables already print, each under at least two
      of the same labels (of its row, the headings above it or its column), is left out:
      e.g. subgroup hazard ratios that are the univariable Cox ones, with their events in
      the survival tables (the forest plot still shows them), or the censoring-variant
      table when the survival table lists each variant. A table with fewer than four
      estimates (counts alone, such as the therapy flows) is always kept: bare counts
      coincide too easily to prove a repeat.

    A table left out is named in its section ("... is not shown: every number in it is
    printed above"), so nothing the study asked for disappears without a word."""
    printed: dict[str, list[frozenset]] = {}
    out = []
    for section in sections:
        kept, left_out = [], []
        for table in section.tables:
            table = merge_repeated_blocks(table)
            facts = _printed_facts(table)
            repeated = (sum(bool(_ESTIMATE.search(cell)) for cell, _ in facts) >= 4
                        and all(any(len(words & seen) >= 2 for seen in printed.get(cell, ())) for cell, words in facts))
            if repeated:
                left_out.append(_("{title}: not shown as a table; every number in it is printed above.").format(title=table.title))
                continue
            for cell, words in facts:
                printed.setdefault(cell, []).append(words)
            kept.append(table)
        if kept or section.figures or section.paragraphs or not section.tables or left_out:
            out.append(replace(section, tables=tuple(kept), paragraphs=(*section.paragraphs, *left_out)))
    return out
