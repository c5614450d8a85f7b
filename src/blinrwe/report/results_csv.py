"""results.csv: the ARD (one row per statistic, unformatted) as a CSV file safe to open.

Spreadsheet programs run a CSV field that starts with ``=``, ``+``, ``-``, ``@``, tab or
carriage return as a formula (CSV injection). A site name, therapy detail or group label
from a user's data can start that way, so such text fields are escaped as OWASP
recommends (https://owasp.org/www-community/attacks/CSV_Injection): a single quote is
put in front and the field is quoted (``'=HYPERLINK(...)`` in ``"..."``). Numbers,
negative ones included, are written unchanged, and so is text that is a plain number
("-1"); a suppressed count (disclosure.py) is written as its text ``<k``. The counts
(:data:`COUNT_COLUMNS`) are written as whole numbers (``20``, not the ``20.0`` of a float
column that also holds missing values).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

#: first characters a spreadsheet reads as the start of a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: ARD columns that hold counts of patients or events
COUNT_COLUMNS = ("n", "denominator")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def needs_escape(text: str) -> bool:
    """True for text a spreadsheet would run as a formula."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text)


def csv_field(value, count: bool = False) -> str:
    """One CSV field: empty for a missing value, formula-like text escaped and quoted,
    other text quoted only when it holds a comma, quote or line break; ``count``: a whole
    number without its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if count and value.is_integer():
            return str(int(value))
        text = str(value)  # repr of a number, "<k" of a suppressed count
        return "" if text == "nan" else text
    text = str(value)
    if isinstance(value, str) and needs_escape(text):
        return _quoted("'" + text)
    return _quoted(text) if any(c in text for c in ',"\n\r') else text


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_results_csv(ard: pd.DataFrame, path) -> Path:
    """Write ``ard`` to ``path`` (UTF-8, header row, "\\n" line ends), formula-like text escaped."""
    path = Path(path)
    lines = [",".join(csv_field(str(c)) for c in ard.columns)]
    counts = [c in COUNT_COLUMNS for c in ard.columns]
    lines += [",".join(csv_field(v, c) for v, c in zip(record, counts))
              for record in ard.itertuples(index=False, name=None)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return path
