"""Reading a registry-sized study: the workbook with calamine, with openpyxl, and the same study as CSV.

One command: ``python bench/workbook.py [--patients 10000] [--repeat 3]``. Writes a SYNTHETIC
study (``blinrwe.examples.synthetic.write_synthetic_study``) as an .xlsx workbook and as a
folder of CSV files, then times ``read_study`` and ``validate_study`` of each (best of
``--repeat``) and checks that both workbook readers give the same findings.
Goal (issue 10): calamine within 2x of CSV.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from blinrwe.examples.synthetic import write_synthetic_study  # noqa: E402
from blinrwe.intake import read_study  # noqa: E402
from blinrwe.validate import validate_study  # noqa: E402


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = write_synthetic_study(Path(tmp) / "study.xlsx", n_patients=args.patients)
        folder = write_synthetic_study(Path(tmp) / "study_csv", n_patients=args.patients)
        runs = {"calamine": lambda: read_study(xlsx, reader="calamine"),
                "openpyxl": lambda: read_study(xlsx, reader="openpyxl"),
                "csv": lambda: read_study(folder)}
        rows, findings = [], {}
        for name, read in runs.items():
            t_read, raw = _best(read, args.repeat)
            t_validate, (_, report) = _best(lambda: validate_study(raw), args.repeat)
            findings[name] = report.findings
            rows.append((name, t_read, t_validate, t_read + t_validate))
    csv_total = rows[-1][3]
    print(f"{args.patients:,} patients, best of {args.repeat} (seconds)")
    print(f"{'reader':<10}{'read_study':>12}{'validate':>10}{'total':>10}{'x CSV':>8}")
    for name, t_read, t_validate, total in rows:
        print(f"{name:<10}{t_read:>12.3f}{t_validate:>10.3f}{total:>10.3f}{total / csv_total:>8.2f}")
    same = findings["calamine"] == findings["openpyxl"]
    print("calamine and openpyxl findings identical:", same)
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
