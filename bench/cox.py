"""Benchmark: Cox model (Efron ties, 3 covariates) in blinrwe vs lifelines, statsmodels, R.

    python bench/cox.py                       # n = 1e4, 1e5, 1e6
    python bench/cox.py --sizes 1e4,1e5 --skip R

Target (issue 2): n = 1e6 at least 10x faster than lifelines ``CoxPHFitter``.
Data: whole-day times (many ties), about 70% events, covariates normal, binary
and uniform. R is timed inside R (``system.time`` around ``coxph`` only, after
reading the CSV). statsmodels ``PHReg`` is timed when installed. Tools other
than blinrwe are run up to ``--max-other`` subjects (default 1e6).
Prints seconds, ratios to blinrwe, and the largest coefficient difference to
blinrwe (agreement check).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from blinrwe.stats.cox import cox_ph  # noqa: E402

COVARIATES = ["x1", "x2", "x3"]
DEFAULT_SIZES = [10**4, 10**5, 10**6]


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.integers(0, 2, size=n).astype(float)
    x3 = rng.uniform(18, 80, size=n)
    lp = 0.5 * x1 - 0.4 * x2 + 0.02 * x3
    event_time = rng.exponential(365 * np.exp(-lp))
    censor_time = rng.uniform(0, 3 * 365, size=n)
    time_days = np.ceil(np.minimum(event_time, censor_time))
    return pd.DataFrame({"time": time_days, "status": (event_time <= censor_time).astype(int),
                         "x1": x1, "x2": x2, "x3": x3})


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def time_blinrwe(df):
    seconds, fit = _timed(lambda: cox_ph(df, "time", "status", COVARIATES, ties="efron"))
    return seconds, np.asarray(fit.coef)


def time_lifelines(df):
    try:
        from lifelines import CoxPHFitter
    except ImportError:
        return None, None
    cph = CoxPHFitter()
    seconds, _ = _timed(lambda: cph.fit(df, duration_col="time", event_col="status"))
    return seconds, cph.params_[COVARIATES].to_numpy()


def time_statsmodels(df):
    try:
        from statsmodels.duration.hazard_regression import PHReg
    except ImportError:
        return None, None
    model = PHReg(df["time"].to_numpy(), df[COVARIATES].to_numpy(), status=df["status"].to_numpy(), ties="efron")
    seconds, res = _timed(model.fit)
    return seconds, np.asarray(res.params)


_R_CODE = r"""
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
tm <- system.time(f <- coxph(Surv(time, status) ~ x1 + x2 + x3, data = d, ties = "efron"))[["elapsed"]]
cat(sprintf("%.17g", c(tm, coef(f))), "\n")
"""


def time_r(df):
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, None
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "cox.csv")
        script = os.path.join(tmp, "cox.R")
        df.to_csv(csv, index=False)
        Path(script).write_text(_R_CODE)
        out = subprocess.run([rscript, script, csv], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return None, None
    values = [float(v) for v in out.stdout.split()]
    return values[0], np.array(values[1:4])


TOOLS = {"lifelines": time_lifelines, "statsmodels": time_statsmodels, "R": time_r}


def run(sizes=None, skip=(), seed: int = 1, max_other: int = 10**6, verbose: bool = True) -> list[dict]:
    """Time every tool at each size; return one dict per size (seconds, None when skipped)."""
    sizes = DEFAULT_SIZES if sizes is None else [int(n) for n in sizes]
    skip = set(skip)
    rows = []
    for n in sizes:
        df = make_data(n, seed)
        row = {"n": n}
        row["blinrwe"], ref = time_blinrwe(df)
        diff = {}
        for name, fn in TOOLS.items():
            if name in skip or n > max_other:
                row[name] = None
                continue
            row[name], coef = fn(df)
            diff[name] = None if coef is None else float(np.max(np.abs(coef - ref)))
        row["max_coef_diff"] = diff
        rows.append(row)
        if verbose:
            _print_row(row)
    return rows


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _print_row(r) -> None:
    b = r["blinrwe"]
    parts = [f"n={r['n']:.0e}", f"blinrwe {b:.3f}s"]
    for name in TOOLS:
        s = r[name]
        if s is None:
            parts.append(f"{name} -")
        else:
            d = r["max_coef_diff"].get(name)
            parts.append(f"{name} {s:.3f}s ({s / b:.1f}x, max|coef diff| {d:.1e})")
    print(" | ".join(parts), flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [int(float(x)) for x in s.split(",") if x.strip()],
                        default=DEFAULT_SIZES)
    parser.add_argument("--skip", default="", help="comma-separated: lifelines,statsmodels,R")
    parser.add_argument("--max-other", type=float, default=1e6, help="largest n for the other tools")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print("Cox PH, Efron ties, 3 covariates (seconds; ratio = tool / blinrwe)")
    run(args.sizes, skip={s.strip() for s in args.skip.split(",") if s.strip()}, seed=args.seed,
        max_other=int(args.max_other))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
