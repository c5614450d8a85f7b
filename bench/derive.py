"""Time ``derive_analysis_data`` on synthetic cohorts, per derivation step.

    python bench/derive.py                       # 1,000 / 10,000 / 100,000 patients
    python bench/derive.py --sizes 20000 --repeat 5

The steps are timed inside the real pipeline: the step functions that
``blinrwe.derive.analysis_data`` calls are wrapped with a timer for the run
(nothing is re-implemented here), so the per-step times add up to the total;
``other`` is what the pipeline does between the steps (reading the tables,
assembling ``adsl``). Best of ``--repeat`` runs per size (the machine is shared:
best-of is the least noisy estimate). Timings are not tests.

Results (2 shared cores, load average 2.5-4.5 from other work; seconds, best of 3;
"before" = the derive layer at commit 2807739, run in the same minutes):

    patients   before    after
       1,000     0.58     0.19-0.33
      10,000     1.9      0.44-0.80
     100,000    13-17     3.2-5.2   (CPU time 14.7 -> 3.4)

At 100,000 after: exposure ~0.8-1.1, endpoints ~0.7-1.0, other (reading and coding
the tables, assembling adsl) ~0.5-0.7, every other step 0.2-0.6.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from blinrwe.derive import analysis_data as pipeline  # noqa: E402
from blinrwe.derive import derive_analysis_data  # noqa: E402
from blinrwe.examples import synthetic_cohort  # noqa: E402

#: step -> the functions of ``blinrwe.derive.analysis_data`` that make it up
STEPS = {
    "tables": ("study_tables",),
    "exposure": ("derive_bsa", "derive_exposure"),
    "setting": ("derive_setting",),
    "response": ("derive_windows", "derive_responses", "derive_best_response"),
    "endpoints": ("derive_outcomes", "derive_patient_dates", "derive_endpoints"),
    "safety": ("derive_adverse_events", "derive_ae_flags"),
    "paths": ("derive_therapy_paths",),
    "attrition": ("derive_patient_flow",),
}


@contextmanager
def timed_steps(totals: dict[str, float]):
    """Wrap the pipeline's step functions so each call adds its time to ``totals[step]``."""
    originals = {}

    def wrap(step, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[step] += time.perf_counter() - start
        return timed

    for step, names in STEPS.items():
        for name in names:
            if hasattr(pipeline, name):
                originals[name] = getattr(pipeline, name)
                setattr(pipeline, name, wrap(step, originals[name]))
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)


def run(sizes, repeat: int, seed: int) -> None:
    cols = [*STEPS, "other", "total"]
    print("derive_analysis_data, seconds per step (best of %d runs; synthetic_cohort seed %d)" % (repeat, seed))
    print(f"{'patients':>9} | " + " | ".join(f"{c:>9}" for c in cols))
    for n in sizes:
        study = synthetic_cohort(n, seed)
        best = None
        for _ in range(repeat):
            totals: dict[str, float] = defaultdict(float)
            with timed_steps(totals):
                start = time.perf_counter()
                derive_analysis_data(study)
                totals["total"] = time.perf_counter() - start
            totals["other"] = totals["total"] - sum(totals[s] for s in STEPS)
            if best is None or totals["total"] < best["total"]:
                best = dict(totals)
        print(f"{n:>9,} | " + " | ".join(f"{best.get(c, 0.0):>9.3f}" for c in cols), flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated cohort sizes")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size (best is reported)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    run([int(float(x)) for x in args.sizes.split(",") if x.strip()], args.repeat, args.seed)


if __name__ == "__main__":
    main()
