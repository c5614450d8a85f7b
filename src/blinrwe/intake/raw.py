"""RawStudy: cell values exactly as read, with where each one came from.

Readers produce it; validation turns it into typed tables. Nothing is
interpreted here beyond what the file format itself says (an Excel date cell is
a ``datetime``, a CSV cell is text), so every finding can quote the value the
user typed and point at its spreadsheet row.

What a reader notices about the file itself (a quote that swallowed rows, a
formula without a calculated value, merged cells, a hidden sheet, an encrypted
workbook, a limit passed) travels as :class:`ReadNote`; validation turns each
into a finding of the same code (``blinrwe.validate.CODES`` holds the severity). A note's
message and hint are in the language of the read (``blinrwe.model.i18n``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class RawSheet:
    """One sheet (or CSV file) as read.

    ``header`` holds the column names of row 1 as typed (stripped; ``""`` for an
    empty header cell). ``cells`` has one column per header position (labels
    0, 1, ...), object dtype, ``None`` for empty cells, and is indexed by the
    1-based spreadsheet row number (the header is row 1). Entirely empty rows
    are dropped.
    """

    name: str
    file: str
    sheet: str | None  # None for a CSV file
    header: tuple[str, ...]
    cells: pd.DataFrame

    @property
    def where(self) -> str:
        """``study.xlsx, sheet 'patients'`` or ``patients.csv``: for messages."""
        return f"{self.file}, sheet '{self.sheet}'" if self.sheet is not None else self.file

    def column(self, name: str) -> pd.Series | None:
        """Cells of the first column headed ``name``, or ``None``."""
        if name not in self.header:
            return None
        return self.cells[self.header.index(name)]


@dataclass(frozen=True)
class ReadNote:
    """Something the reader saw in the file that validation must report (code from ``validate.CODES``)."""

    code: str
    message: str
    hint: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # spreadsheet row (header = 1); for a CSV, the record number
    column: str | None = None  # the header of the column, or its letter when it has none
    value: object = None


@dataclass(frozen=True)
class RawStudy:
    """Every sheet of a workbook or CSV file of a folder, keyed by sheet name / file stem."""

    source: str
    kind: str  # "xlsx" or "csv"
    sheets: dict[str, RawSheet]
    ignored: tuple[str, ...] = ()  # files or sheets that are not tables (README, dictionary, ...)
    notes: tuple[ReadNote, ...] = ()  # what the reader saw; no sheets + a note = the input could not be read
