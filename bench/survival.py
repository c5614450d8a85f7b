"""Timings of the survival core (KM with CI, median, landmarks; 2-group log-rank) and of
other tools doing the same job on the same synthetic whole-day data.

Each ``time_*`` function takes the arrays and returns the seconds of one full job:
the Kaplan-Meier curve with log-log CIs, the median with its CI, survival at four
landmarks, and a two-group log-rank test. Data generation is not timed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time as clock
from pathlib import Path

import numpy as np

LANDMARKS = [182.0, 365.0, 730.0, 1095.0]
HORIZON = 1826  # administrative censoring at 5 years (days)


def synthetic(n: int, seed: int = 1):
    """Whole-day follow-up: exponential times (mean 500 days), 70% events, 2 arms."""
    rng = np.random.default_rng(seed)
    time = np.minimum(np.floor(rng.exponential(500.0, n)), HORIZON).astype(np.int64)
    event = ((rng.random(n) < 0.7) & (time < HORIZON)).astype(np.int8)
    group = rng.integers(0, 2, n).astype(np.int8)
    return time, event, group


def _timed(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = clock.perf_counter()
        fn()
        best = min(best, clock.perf_counter() - start)
    return best


def time_blinrwe(time, event, group, repeats=1) -> float:
    from blinrwe.stats.kaplan_meier import kaplan_meier
    from blinrwe.stats.logrank import logrank

    def job():
        fit = kaplan_meier(time, event)  # log-log CI
        fit.median()
        fit.at(LANDMARKS)
        logrank(time, event, group)

    return _timed(job, repeats)


def time_counting_pass(time, event, group, repeats=1) -> float:
    """The floor: one np.bincount per table (the counts every estimator needs), nothing else."""

    def job():
        t = time.astype(np.int64)
        np.bincount(t * 2 + event, minlength=2 * (HORIZON + 1))
        np.bincount((t * 2 + group) * 2 + event, minlength=4 * (HORIZON + 1))

    return _timed(job, repeats)


def time_lifelines(time, event, group, repeats=1) -> float:
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from lifelines.utils import median_survival_times

    def job():
        kmf = KaplanMeierFitter().fit(time, event)  # lifelines' default CI is log-log ("exponential Greenwood")
        kmf.median_survival_time_
        median_survival_times(kmf.confidence_interval_)
        kmf.survival_function_at_times(LANDMARKS)
        g = group == 1
        logrank_test(time[g], time[~g], event[g], event[~g])

    return _timed(job, repeats)


def time_scipy(time, event, group, repeats=1) -> float:
    from scipy import stats

    def job():
        data = stats.CensoredData.right_censored(time, event == 0)
        res = stats.ecdf(data)
        res.sf.confidence_interval(method="log-log")
        res.sf.evaluate(LANDMARKS)
        g = group == 1
        stats.logrank(stats.CensoredData.right_censored(time[g], event[g] == 0),
                      stats.CensoredData.right_censored(time[~g], event[~g] == 0))
        # scipy has no survival median/CI; not timed.

    return _timed(job, repeats)


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE); n <- as.integer(args[1]); reps <- as.integer(args[2])
set.seed(1)
time <- pmin(floor(rexp(n, 1/500)), %(horizon)d)
event <- as.integer(runif(n) < 0.7 & time < %(horizon)d)
group <- sample(0:1, n, replace = TRUE)
best <- Inf
for (i in seq_len(reps)) {
  el <- system.time({
    fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log")
    q <- quantile(fit, 0.5)
    s <- summary(fit, times = c(182, 365, 730, 1095))
    d <- survdiff(Surv(time, event) ~ group)
  })[["elapsed"]]
  best <- min(best, el)
}
cat(best)
"""


def time_r(n: int, repeats=1) -> float | None:
    """R survival (survfit + quantile + summary(times) + survdiff), timed inside R; None without Rscript.

    R draws its own data of the same distribution (moving 1e7 rows across is slower than the job).
    """
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT % {"horizon": HORIZON})
        out = subprocess.run(["Rscript", str(script), str(n), str(repeats)], capture_output=True, text=True,
                             timeout=3600)
    if out.returncode != 0:
        return None
    return float(out.stdout.strip().split()[-1])


TOOLS = {
    "blinrwe": time_blinrwe,
    "counting": time_counting_pass,
    "lifelines": time_lifelines,
    "scipy": time_scipy,
}


def run(sizes, seed: int = 1, skip=()) -> list[dict]:
    """Time every tool at every size; returns one dict per size (seconds, None = skipped)."""
    rows = []
    for n in sizes:
        n = int(n)
        time, event, group = synthetic(n, seed)
        repeats = 3 if n <= 100_000 else 1
        row = {"n": n}
        for name, fn in TOOLS.items():
            row[name] = None if name in skip else fn(time, event, group, repeats=repeats)
        row["R"] = None if "R" in skip else time_r(n, repeats)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows
