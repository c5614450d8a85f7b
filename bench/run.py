"""One command for the benchmarks: ``make bench`` (= ``python bench/run.py``).

    python bench/run.py                  # n = 1e3 ... 1e7
    python bench/run.py --quick          # n = 1e3, 1e4, 1e5
    python bench/run.py --sizes 1000,1e6 --skip R,lifelines

Times the survival job (Kaplan-Meier with log-log CI, median with CI, 4 landmarks,
2-group log-rank) in blinrwe, lifelines, scipy, R survival (when Rscript is on
PATH) and a bare numpy counting pass (the floor), then prints seconds and ratios.
If ``bench/cox.py`` exists its ``run(sizes)`` (or ``main(argv)``) is called after.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import survival  # noqa: E402  (bench/survival.py)

FULL = [10**3, 10**4, 10**5, 10**6, 10**7]
QUICK = [10**3, 10**4, 10**5]


def _sizes(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.4f}"


def _ratio(a, b) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.1f}x"


def print_table(rows) -> None:
    head = ["n", "blinrwe", "counting", "lifelines", "scipy", "R", "lifelines/blinrwe", "scipy/blinrwe",
            "R/blinrwe", "blinrwe/counting"]
    print("\nSurvival job: KM + log-log CI + median CI + 4 landmarks + 2-group log-rank (seconds)")
    print(" | ".join(f"{h:>10}" for h in head))
    for r in rows:
        b = r["blinrwe"]
        cells = [f"{r['n']:.0e}", _fmt(b), _fmt(r["counting"]), _fmt(r["lifelines"]), _fmt(r["scipy"]), _fmt(r["R"]),
                 _ratio(r["lifelines"], b), _ratio(r["scipy"], b), _ratio(r["R"], b), _ratio(b, r["counting"])]
        print(" | ".join(f"{c:>10}" for c in cells))
    print("(scipy has no median CI and is timed without it; R times itself with system.time on its own draw.)")


def run_cox(sizes, skip=()) -> None:
    path = HERE / "cox.py"
    if not path.exists():
        return
    spec = importlib.util.spec_from_file_location("bench_cox", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Cox at 1e7 is beyond the Cox target (1e6) and would hog the shared machine.
    cox_sizes = [n for n in sizes if n <= 10**6] or [min(sizes)]
    print("\nCox benchmark (bench/cox.py)")
    if hasattr(module, "run"):
        module.run(cox_sizes, skip=tuple(skip))
    elif hasattr(module, "main"):
        module.main(["--sizes", ",".join(str(n) for n in cox_sizes)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_sizes, help="comma-separated numbers of subjects, e.g. 1000,1e6")
    parser.add_argument("--quick", action="store_true", help="n = 1e3, 1e4, 1e5 only")
    parser.add_argument("--skip", default="", help="comma-separated tools to skip: lifelines,scipy,R,counting,cox")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK if args.quick else FULL)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    rows = survival.run(sizes, seed=args.seed, skip=skip)
    print_table(rows)
    if "cox" not in skip:
        run_cox(sizes, skip)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
