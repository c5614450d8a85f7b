"""Time the intake round trip on synthetic cohorts: generate, write, read, validate.

    python bench/intake.py                                  # CSV 1e3/1e4/1e5, xlsx 1e3/1e4
    python bench/intake.py --csv 100000 --xlsx 1000 --repeat 3
    python bench/intake.py --csv 10000 --xlsx 0 --profile   # cProfile of read + validate

Stages (seconds, best of ``--repeat``; the machine is shared, best-of is the least
noisy estimate): ``generate`` = ``synthetic_cohort(n, seed)``; ``write`` =
``write_study`` to a CSV folder or an .xlsx workbook; ``read`` = ``read_study``;
``validate`` = ``validate_study`` (every cell and rule); ``read+validate`` is the
user-facing cost of ``blinrwe validate``. The validated tables are checked to
equal the generated ones (a bench that got faster by dropping work would say so).
Timings are not tests.

Results (2 shared cores, load average about 3; the per-cell implementation of commit
58518d4 and the vectorised one run back to back in the same minutes; seconds):

=======  ========  ===============  ===============  ===============  ===============
format   patients  write before     write after      read+validate    read+validate
                                                     before           after
=======  ========  ===============  ===============  ===============  ===============
csv      1,000     0.17             0.11             1.02             0.25
csv      10,000    2.58             0.80             7.91             0.73
csv      100,000   17.97            5.13             79.63            4.73
xlsx     1,000     1.26             1.23             3.17             1.48
=======  ========  ===============  ===============  ===============  ===============

After, by stage at 100,000 CSV patients: read 2.0 (pandas' C parser about 1.5 of it),
validate 2.7 (cells 1.3, rules 1.4). xlsx at 10,000 patients: write 11.1, read 15.1
(openpyxl parsing the sheet XML, about 12 us per cell), validate 0.7.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import pandas.testing as pdt  # noqa: E402

from blinrwe.examples import synthetic_cohort  # noqa: E402
from blinrwe.intake import read_study, write_study  # noqa: E402
from blinrwe.validate import validate_study  # noqa: E402

TODAY = dt.date(2025, 1, 1)


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def one_run(n: int, kind: str, seed: int, folder: Path, profile: bool = False) -> dict[str, float]:
    times = {}
    study, times["generate"] = _timed(synthetic_cohort, n, seed)
    target = folder / (f"syn_{n}.xlsx" if kind == "xlsx" else f"syn_{n}_csv")
    _, times["write"] = _timed(write_study, study, target)
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    raw, times["read"] = _timed(read_study, target)
    (back, report), times["validate"] = _timed(validate_study, raw, today=TODAY)
    if prof:
        prof.disable()
        print(f"\n--- cProfile read + validate, {kind} n={n} ---")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    times["read+validate"] = times["read"] + times["validate"]
    if report.has_errors or back is None:
        raise SystemExit(f"synthetic study of {n} did not validate:\n" + "\n".join(report.lines()[:20]))
    for name in study.tables:
        pdt.assert_frame_equal(back.tables[name], study.tables[name])
    return times


def run(csv_sizes, xlsx_sizes, repeat: int, seed: int, profile: bool) -> None:
    stages = ["generate", "write", "read", "validate", "read+validate"]
    print(f"intake round trip, seconds per stage (best of {repeat}; synthetic_cohort seed {seed})")
    print(f"{'format':>6} | {'patients':>9} | " + " | ".join(f"{s:>13}" for s in stages))
    with tempfile.TemporaryDirectory() as tmp:
        for kind, sizes in (("csv", csv_sizes), ("xlsx", xlsx_sizes)):
            for n in sizes:
                best: dict[str, float] = {}
                for _ in range(repeat):
                    times = one_run(n, kind, seed, Path(tmp), profile=profile)
                    best = {s: min(best.get(s, float("inf")), times[s]) for s in stages}
                print(f"{kind:>6} | {n:>9,} | " + " | ".join(f"{best[s]:>13.3f}" for s in stages), flush=True)


def _sizes(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip() and float(x) > 0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", default="1000,10000,100000", help="CSV sizes, comma-separated (0 = none)")
    parser.add_argument("--xlsx", default="1000,10000", help="xlsx sizes, comma-separated (0 = none)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of read + validate per run")
    args = parser.parse_args(argv)
    run(_sizes(args.csv), _sizes(args.xlsx), args.repeat, args.seed, args.profile)


if __name__ == "__main__":
    main()
