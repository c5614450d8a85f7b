"""How much a reader accepts before it refuses the input (hostile-input bounds).

A study workbook is a zip of XML files; a few megabytes can unpack to gigabytes
(a "decompression bomb": 1.9 MB expanding to 10 million rows ran for minutes and
kept growing). Every reader checks these bounds *before* building any table and
stops as soon as one is passed, with a finding that names the limit, the value
found and how to raise it (environment variable, default: what is counted):

- ``max_uncompressed_mb`` (``BLINRWE_MAX_UNCOMPRESSED_MB``, 256): megabytes of the
  unpacked workbook, from the zip directory before parsing and from the bytes
  actually streamed while parsing; for CSV, megabytes of the files read;
- ``max_rows`` (``BLINRWE_MAX_ROWS``, 1,048,576 = Excel's own maximum): rows of one
  sheet (every ``<row>`` element, empty ones too) or CSV file;
- ``max_columns`` (``BLINRWE_MAX_COLUMNS``, 1,000): columns of one sheet or CSV file
  (a single cell in column XFD would make every row 16,384 cells wide);
- ``max_cells`` (``BLINRWE_MAX_CELLS``, 10,000,000): rows x columns of one sheet or
  CSV file, the size of the grid that would be built.

A registry of tens of thousands of patients sits well inside them (the intake
benchmark's 100,000-patient study has about 4 million cells in its largest
table, patients). Set a limit with the keyword argument of the same name
(``read_study(path, max_rows=2_000_000)``), which wins, or with the environment
variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from blinrwe.errors import UserError
from blinrwe.model.i18n import _

from .raw import ReadNote


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one read accepts (see the module docstring)."""

    max_uncompressed_mb: float = 256
    max_rows: int = 1_048_576
    max_columns: int = 1000
    max_cells: int = 10_000_000

    @property
    def max_bytes(self) -> int:
        return int(self.max_uncompressed_mb * 1024 * 1024)


def env_name(limit: str) -> str:
    """``max_rows`` -> ``BLINRWE_MAX_ROWS``."""
    return f"BLINRWE_{limit.upper()}"


def how_to_raise(limit: str) -> str:
    """The fix hint's clause naming both ways of raising ``limit``."""
    return _("set the environment variable {variable} or pass {limit}= to read_study").format(
        variable=env_name(limit), limit=limit)


def _number(name: str, text, kind: type):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not value > 0 or value != value or value == float("inf"):
        raise UserError(f"{name} = {text!r}: give a positive {'whole ' if kind is int else ''}number "
                        f"(default {getattr(ReadLimits, name.removeprefix('BLINRWE_').lower())})")
    return value


def read_limits(**given) -> ReadLimits:
    """The limits of one read: keyword arguments (``None`` = not given), else the environment, else the default."""
    unknown = set(given) - {f.name for f in fields(ReadLimits)}
    if unknown:
        raise TypeError(f"unknown read limit(s): {', '.join(sorted(unknown))}")
    values = {}
    for f in fields(ReadLimits):
        kind = int if f.type in ("int", int) else float
        if given.get(f.name) is not None:
            values[f.name] = _number(f.name, given[f.name], kind)
        elif os.environ.get(env_name(f.name), "").strip():
            values[f.name] = _number(env_name(f.name), os.environ[env_name(f.name)].strip(), kind)
    return ReadLimits(**values)


class Refused(Exception):
    """Reading stopped before any table was built: the note says why (a limit passed, a damaged sheet)."""

    def __init__(self, note: ReadNote):
        super().__init__(note.message)
        self.note = note


def too_large(where: str | tuple[str, str], what: str, limit: str) -> ReadNote:
    """The INPUT_TOO_LARGE note: ``where`` (a file, or (file, sheet)) ``what`` (the count and the limit passed)."""
    file, sheet = where if isinstance(where, tuple) else (where, None)
    message = (_("the sheet {what}; reading stopped before any table was built") if sheet else
               _("the file {what}; reading stopped before any table was built"))
    return ReadNote("INPUT_TOO_LARGE", message.format(what=what),
                    _("if the data really are this large, {how}; otherwise delete the stray rows, columns or cells far "
                      "below or right of the data (or copy the table into a new workbook)").format(
                          how=how_to_raise(limit)), file=file, sheet=sheet)


def check_shape(where: str, rows: int, columns: int, limits: ReadLimits, *, lines: bool = False) -> None:
    """Refuse a table of ``rows`` x ``columns`` past the limits, before it is built.

    ``lines``: ``rows`` counts a CSV file's physical lines, an upper bound on its rows (a quoted
    cell may span lines), so only the grid it could build is checked against ``max_cells``.
    """
    if columns > limits.max_columns:
        raise Refused(too_large(where, _("has {columns} columns, more than {limit}").format(
            columns=f"{columns:,}", limit=f"{limits.max_columns:,}"), "max_columns"))
    if rows > limits.max_rows and not lines:
        raise Refused(too_large(where, _("has {rows} rows, more than {limit}").format(
            rows=f"{rows:,}", limit=f"{limits.max_rows:,}"), "max_rows"))
    if rows * columns > limits.max_cells:
        counted = (_("has up to {cells} cells ({lines} lines of {columns} columns), more than {limit}") if lines else
                   _("has {cells} cells ({rows} rows of {columns} columns), more than {limit}"))
        raise Refused(too_large(where, counted.format(cells=f"{rows * columns:,}", lines=f"{rows:,}", rows=f"{rows:,}",
                                                      columns=f"{columns:,}", limit=f"{limits.max_cells:,}"),
                                "max_cells"))
