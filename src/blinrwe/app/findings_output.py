"""Validation findings at registry scale: a few examples of each code where people read them, every one in a table.

A registry with one systematic mistake has it on thousands of rows. The terminal
(``blinrwe validate``, a run stopped by errors), the run's ``validation.txt`` and the web
page's validation view show :data:`EXAMPLES_PER_CODE` findings of each code and say how
many more there are (``ValidationReport.lines``); the run's ``findings.csv`` and
``blinrwe validate --all-findings`` give every one.
"""

from __future__ import annotations

from pathlib import Path

#: Findings of one code shown before "... and N more finding(s) of code ...".
EXAMPLES_PER_CODE = 20
#: The run's table of every validation finding (one row each: severity, code, file, sheet, row, column, value, ...).
FINDINGS_FILE = "findings.csv"


def printed_findings(report, examples_per_code: int | None = EXAMPLES_PER_CODE) -> str:
    """The validation report as shown: at most ``examples_per_code`` lines per finding code (None: every one)."""
    return report.to_text(examples_per_code)


def shown_per_code(findings, examples_per_code: int | None = EXAMPLES_PER_CODE) -> tuple[list, dict[str, int]]:
    """The first ``examples_per_code`` of ``findings`` (in their order) of each code, and per code how many
    more there are (codes with none left out are not listed)."""
    if examples_per_code is None:
        return list(findings), {}
    shown, seen, more = [], {}, {}
    for item in findings:
        code = item["code"] if isinstance(item, dict) else item.code
        seen[code] = seen.get(code, 0) + 1
        if seen[code] <= examples_per_code:
            shown.append(item)
        else:
            more[code] = more.get(code, 0) + 1
    return shown, more


def write_findings_csv(report, path) -> Path:
    """Every finding of ``report`` as a CSV table (formula-like cells escaped, as in results.csv)."""
    from blinrwe.report.results_csv import write_results_csv

    frame = report.to_frame().astype(object)
    return write_results_csv(frame.where(frame.notna(), None), path)
