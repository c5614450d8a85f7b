"""Benchmark: time-dependent (counting-process) Cox and Fine-Gray in blinrwe vs R and lifelines.

    python bench/time_dependent.py                      # 1e5 and 1e6 rows
    python bench/time_dependent.py --sizes 1e5 --skip R
    python bench/time_dependent.py --timeout 120

Issue 9. Two jobs, each at every size (rows):

* Cox on (start, stop] intervals, Efron ties, 3 covariates: a state entered after the start
  (allo-HSCT, time-varying), a normal covariate and age. blinrwe
  ``cox_ph(..., start="start")``; R ``coxph(Surv(start, stop, event) ~ hsct + x1 + age)``;
  lifelines ``CoxTimeVaryingFitter`` (Efron ties too).
* Fine-Gray for cause 1 with a competing cause 2, 3 covariates: blinrwe ``fine_gray``;
  R ``cmprsk::crr`` (no Python library has the model).

Data: whole-day times (many ties), seeded. Patients are split at their transplant day when it
comes before their last time (two rows), so the Cox data have about 1.4 rows per patient.
R is timed inside R (``system.time`` around the fit only, after reading the CSV) and runs
only when ``Rscript`` is on PATH with survival and cmprsk. ``crr``'s risk-set loops grow with
n^2: it is first timed on 2,000 rows, and a run that would take longer than ``--timeout``
(predicted from the last size; lifelines likewise, about linear) or that is still running at
the timeout is reported as such instead of waited for. Prints seconds, ratios to
blinrwe and the largest coefficient difference to blinrwe (agreement check).
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

from blinrwe.stats import cox_ph, fine_gray  # noqa: E402

SIZES = [10**5, 10**6]
COX_COVARIATES = ["hsct", "x1", "age"]
FG_COVARIATES = ["x1", "x2", "x3"]


def counting_process_rows(n_rows: int, seed: int = 1) -> pd.DataFrame:
    """About ``n_rows`` (start, stop] rows: each patient at risk from day 0, split at the
    transplant day (hsct 0 -> 1) when that comes before death or censoring."""
    rng = np.random.default_rng(seed)
    m = n_rows  # more patients than needed; cut at n_rows rows below
    x1 = rng.normal(size=m)
    age = rng.uniform(18, 80, m)
    switch = np.ceil(rng.exponential(150, m))
    death = np.ceil(rng.exponential(500 * np.exp(-0.4 * x1 - 0.01 * (age - 45)), m))
    censor = np.ceil(rng.uniform(30, 1500, m))
    stop = np.minimum(death, censor)
    event = (death <= censor).astype(np.int64)
    split = switch < stop
    rows_per_patient = 1 + split
    keep = np.searchsorted(np.cumsum(rows_per_patient), n_rows, side="right")
    x1, age, switch, stop, event, split = (a[:keep] for a in (x1, age, switch, stop, event, split))
    first_stop = np.where(split, switch, stop)
    idx = np.flatnonzero(split)
    return pd.DataFrame({
        "id": np.r_[np.arange(keep), idx],
        "start": np.r_[np.zeros(keep), switch[idx]],
        "stop": np.r_[first_stop, stop[idx]],
        "event": np.r_[np.where(split, 0, event), event[idx]],
        "hsct": np.r_[np.zeros(keep), np.ones(idx.size)],
        "x1": np.r_[x1, x1[idx]],
        "age": np.r_[age, age[idx]],
    })


def competing_risks_rows(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` patients: time to relapse (cause 1), death in remission (cause 2) or censoring (0)."""
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=n), rng.integers(0, 2, n).astype(float), rng.uniform(18, 80, n)
    relapse = rng.exponential(700 * np.exp(-0.5 * x1 + 0.3 * x2), n)
    nrm = rng.exponential(1500 * np.exp(-0.02 * (x3 - 45)), n)
    censor = rng.uniform(30, 1500, n)
    time_ = np.ceil(np.minimum(np.minimum(relapse, nrm), censor))
    status = np.select([relapse <= np.minimum(nrm, censor), nrm <= censor], [1, 2], 0)
    return pd.DataFrame({"time": time_, "status": status, "x1": x1, "x2": x2, "x3": x3})


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def blinrwe_cox(df):
    seconds, fit = _timed(lambda: cox_ph(df, "stop", "event", COX_COVARIATES, ties="efron", start="start"))
    return seconds, np.asarray(fit.coef)


def blinrwe_fine_gray(df):
    seconds, fit = _timed(lambda: fine_gray(df, "time", "status", cause=1, covariates=FG_COVARIATES))
    return seconds, np.asarray(fit.coef)


def lifelines_cox(df):
    try:
        from lifelines import CoxTimeVaryingFitter
    except ImportError:
        return None, None, "not installed (pip install -r requirements-bench.lock)"
    model = CoxTimeVaryingFitter()
    frame = df[["id", "start", "stop", "event", *COX_COVARIATES]]
    seconds, _ = _timed(lambda: model.fit(frame, id_col="id", event_col="event", start_col="start",
                                          stop_col="stop"))
    return seconds, model.params_[COX_COVARIATES].to_numpy(), ""


_R_COX = r"""
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
tm <- system.time(f <- coxph(Surv(start, stop, event) ~ hsct + x1 + age, data = d, ties = "efron"))[["elapsed"]]
cat(sprintf("%.17g", c(tm, coef(f))), "\n")
"""

_R_CRR = r"""
suppressPackageStartupMessages(library(cmprsk))
d <- read.csv(commandArgs(TRUE)[1])
tm <- system.time(f <- crr(d$time, d$status, cbind(d$x1, d$x2, d$x3), failcode = 1, cencode = 0))[["elapsed"]]
cat(sprintf("%.17g", c(tm, f$coef)), "\n")
"""


def r_fit(df, code: str, timeout: float):
    """(seconds, coefficients, note) of the R script ``code`` on ``df``; None times with a note
    when R is missing, fails or runs past ``timeout`` seconds."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, None, "Rscript not on PATH"
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = os.path.join(tmp, "data.csv"), os.path.join(tmp, "fit.R")
        df.to_csv(csv, index=False)
        Path(script).write_text(code)
        try:
            out = subprocess.run([rscript, script, csv], capture_output=True, text=True, check=False,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None, f"did not finish within {timeout:.0f} s (stopped)"
    if out.returncode != 0:
        return None, None, "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1]
    values = [float(v) for v in out.stdout.split()]
    return values[0], np.array(values[1:]), ""


def _cell(seconds, ref_seconds, coef, ref_coef, note):
    if seconds is None:
        return f"- ({note})" if note else "-"
    diff = float(np.max(np.abs(coef - ref_coef)))
    return f"{seconds:.2f} s ({seconds / ref_seconds:.1f}x blinrwe, max|coef diff| {diff:.1e})"


class _Budget:
    """Whether a tool's next run fits in ``timeout`` seconds, predicted from its last run as
    seconds * (n / n_last) ** exponent (crr: 2, lifelines: about 1)."""

    def __init__(self, timeout: float, exponent: float):
        self.timeout, self.exponent, self.last = timeout, exponent, None

    def refuse(self, n: int) -> str:
        if self.last is None:
            return ""
        n_last, seconds = self.last
        predicted = seconds * (n / n_last) ** self.exponent
        if predicted <= self.timeout:
            return ""
        return (f"not run: about {predicted / 60:.0f} min predicted from {seconds:.1f} s at {n_last:.0e} rows "
                f"(time ~ n^{self.exponent:g}), over the {self.timeout:.0f} s timeout")

    def record(self, n: int, seconds) -> None:
        if seconds is not None:
            self.last = (n, seconds)


#: crr is calibrated on this many rows first, so that its first real size is not run blind
CRR_CALIBRATION_ROWS = 2000


def run(sizes=None, skip=(), seed: int = 1, r_timeout: float = 600.0) -> list[dict]:
    """Time both jobs at each size; print one line per job and size; return the rows."""
    sizes = SIZES if sizes is None else [int(n) for n in sizes]
    skip = set(skip)
    rows = []
    crr_budget, lifelines_budget = _Budget(r_timeout, 2.0), _Budget(r_timeout, 1.0)
    print("Time-dependent Cox (start, stop], Efron ties, 3 covariates and Fine-Gray, 3 covariates "
          "(seconds; ratio = tool / blinrwe)")
    if "R" not in skip and sizes and min(sizes) > CRR_CALIBRATION_ROWS:
        small = competing_risks_rows(CRR_CALIBRATION_ROWS, seed)
        c_s, c_coef, c_note = r_fit(small, _R_CRR, r_timeout)
        crr_budget.record(CRR_CALIBRATION_ROWS, c_s)
        print(f"(cmprsk::crr calibration at {CRR_CALIBRATION_ROWS} rows: "
              f"{f'{c_s:.2f} s' if c_s is not None else c_note})", flush=True)
    for n in sizes:
        cox_data = counting_process_rows(n, seed)
        b_s, b_coef = blinrwe_cox(cox_data)
        r_s, r_coef, r_note = (None, None, "skipped") if "R" in skip else r_fit(cox_data, _R_COX, r_timeout)
        if "lifelines" in skip:
            l_s, l_coef, l_note = None, None, "skipped"
        elif lifelines_budget.refuse(len(cox_data)):
            l_s, l_coef, l_note = None, None, lifelines_budget.refuse(len(cox_data))
        else:
            l_s, l_coef, l_note = lifelines_cox(cox_data)
            lifelines_budget.record(len(cox_data), l_s)
        print(f"Cox (start, stop]  rows={len(cox_data):.1e} | blinrwe {b_s:.2f} s | "
              f"R coxph {_cell(r_s, b_s, r_coef, b_coef, r_note)} | "
              f"lifelines CoxTimeVaryingFitter {_cell(l_s, b_s, l_coef, b_coef, l_note)}", flush=True)
        rows.append({"job": "cox_counting", "rows": len(cox_data), "blinrwe": b_s, "R": r_s, "lifelines": l_s})

        fg_data = competing_risks_rows(n, seed)
        f_s, f_coef = blinrwe_fine_gray(fg_data)
        if "R" in skip:
            c_s, c_coef, c_note = None, None, "skipped"
        elif crr_budget.refuse(n):
            c_s, c_coef, c_note = None, None, crr_budget.refuse(n)
        else:
            c_s, c_coef, c_note = r_fit(fg_data, _R_CRR, r_timeout)
            crr_budget.record(n, c_s)
        print(f"Fine-Gray          rows={len(fg_data):.1e} | blinrwe {f_s:.2f} s | "
              f"R cmprsk::crr {_cell(c_s, f_s, c_coef, f_coef, c_note)} | lifelines - (no Fine-Gray model)",
              flush=True)
        rows.append({"job": "fine_gray", "rows": len(fg_data), "blinrwe": f_s, "R": c_s, "lifelines": None})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [int(float(x)) for x in s.split(",") if x.strip()], default=SIZES)
    parser.add_argument("--skip", default="", help="comma-separated: R,lifelines")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds an R or lifelines fit may take (default 600)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    run(args.sizes, skip={s.strip() for s in args.skip.split(",") if s.strip()}, seed=args.seed,
        r_timeout=args.timeout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
