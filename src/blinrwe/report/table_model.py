"""A small immutable display-table model shared by the HTML, DOCX and XLSX writers.

A :class:`DisplayTable` is what a journal table is: a title, a stub column of row
labels (indented by level), data columns with optional spanning headers above
them, and footnotes (abbreviations, denominators, methods). Cells are already
formatted strings; writers only lay them out. Each row carries a ``key`` (the ARD
variable/level/statistic it shows) so tests can find a row by what it means
rather than by its printed label. Modelled on great_tables' immutable GTData
(posit-dev/great-tables/great_tables/_gt_data.py), reduced to what we print.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class SpanningHeader:
    """A header cell above ``span`` adjacent data columns ("" leaves the space blank)."""

    text: str
    span: int = 1


@dataclass(frozen=True)
class Row:
    """One table row: stub ``label`` at indentation ``level`` and one string per data column.

    ``is_heading`` marks a label-only row that introduces indented rows below it
    (e.g. "Sex, n (%)" above "Male", "Female").
    """

    label: str
    cells: tuple[str, ...]
    level: int = 0
    is_heading: bool = False
    key: tuple = ()


@dataclass(frozen=True)
class DisplayTable:
    """A formatted table ready for any writer."""

    table_id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    stub_header: str = ""
    spanning: tuple[SpanningHeader, ...] = ()
    footnotes: tuple[str, ...] = ()

    def __post_init__(self):
        width = len(self.columns)
        for row in self.rows:
            if len(row.cells) != width:
                raise ValueError(
                    f"table {self.table_id!r}: row {row.label!r} has {len(row.cells)} cells for {width} columns"
                )
        if self.spanning and sum(h.span for h in self.spanning) != width:
            raise ValueError(f"table {self.table_id!r}: spanning headers cover {sum(h.span for h in self.spanning)} of {width} columns")

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def row(self, key: tuple) -> Row:
        """The row showing ARD ``key`` (KeyError when absent)."""
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(f"table {self.table_id!r} has no row with key {key!r}")

    def cell(self, key: tuple, column: str) -> str:
        """The cell of the row with ``key`` under data column ``column``."""
        return self.row(key).cells[self.columns.index(column)]

    def to_frame(self) -> pd.DataFrame:
        """Stub plus data columns as strings (indentation as leading spaces)."""
        records = [["    " * r.level + r.label, *r.cells] for r in self.rows]
        header = [self.stub_header or " ", *self.columns]
        if len(set(header)) != len(header):  # spanning headers repeat sub-column names
            header = [self.stub_header or " "] + [f"{span} | {col}" for span, col in zip(self.spanning_per_column(), self.columns)]
        return pd.DataFrame(records, columns=header)

    def spanning_per_column(self) -> list[str]:
        """The spanning header text above each data column ("" without spanning headers)."""
        out: list[str] = []
        for header in self.spanning:
            out.extend([header.text] * header.span)
        return out or [""] * len(self.columns)


def with_footnotes(table: DisplayTable, *notes: str) -> DisplayTable:
    """A copy of ``table`` with ``notes`` appended (duplicates and blanks dropped)."""
    existing = list(table.footnotes)
    for note in notes:
        if note and note not in existing:
            existing.append(note)
    return DisplayTable(
        table_id=table.table_id,
        title=table.title,
        columns=table.columns,
        rows=table.rows,
        stub_header=table.stub_header,
        spanning=table.spanning,
        footnotes=tuple(existing),
    )


