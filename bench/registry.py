"""A registry-sized study through the whole pipeline, pandas and the engines side by side.

    python bench/registry.py                              # 1e6 patients: pandas and DuckDB
    python bench/registry.py --sizes 1e5 --engines pandas,duckdb,spark
    python bench/registry.py --sizes 1e7 --engines duckdb --memory-limit 4GB

Each (size, engine) runs in a fresh process, so its peak memory (the process's maximum
resident set) is its own. Stages: generate (the synthetic cohort, in pandas), derive (the
engine under test; DuckDB under ``--memory-limit`` with a spill folder), analyse, render
(HTML and XLSX, no figures; ``--no-render`` skips it). Goals (issue 10): 1,000,000 patients
through the whole report in under 60 s and 4 GB peak on 2 cores with DuckDB; 10,000,000 under
a 4 GB limit completes.

What it does not measure yet: the study tables reach the engine from pandas (the generator
and the validated study are pandas frames), and the analysis runs in pandas on the derived
datasets the engine returns. Only the derivation itself runs in the engine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from report import SPEC as REPORT_SPEC  # noqa: E402  (the stage-by-stage benchmark's study)

SPEC = {**REPORT_SPEC, "report": {"formats": ["html", "xlsx"], "figure_formats": []}}
STAGES = ("generate", "derive", "analyse", "render")


def _sizes(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def one(n: int, engine: str, memory_limit: str | None, render: bool) -> dict:
    """Run one size on one engine in this process; stage times in seconds."""
    from blinrwe.app.pipeline import analyse, derive_settings, report_context
    from blinrwe.app.spec import spec_from_dict
    from blinrwe.derive import derive_analysis_data
    from blinrwe.examples import synthetic_cohort

    spec = spec_from_dict({**SPEC, "data": {**SPEC["data"], "n": n}})
    times = {}
    start = time.perf_counter()
    study = synthetic_cohort(n, 1)
    times["generate"] = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="blinrwe-bench-") as tmp:
        start = time.perf_counter()
        if engine == "pandas":
            data = derive_analysis_data(study, derive_settings(spec))
        else:
            from blinrwe.derive.engine.analysis_data import derive_analysis_data as on_engine
            from blinrwe.engines import EngineSettings, connect

            backend = connect(EngineSettings(engine, memory_limit=memory_limit, temp_directory=str(Path(tmp) / "spill")))
            data = on_engine(study, derive_settings(spec), backend)
        times["derive"] = time.perf_counter() - start
        del study
        start = time.perf_counter()
        results = analyse(data, spec)
        times["analyse"] = time.perf_counter() - start
        if render:
            from blinrwe.report import render_report

            start = time.perf_counter()
            render_report(results, report_context(spec), str(Path(tmp) / "out"), list(spec.report.formats))
            times["render"] = time.perf_counter() - start
    return times


def _measure(n: int, engine: str, memory_limit: str | None, render: bool) -> dict:
    """``one`` in a child process: its stage times, its peak memory (GB) and whether it completed."""
    args = [sys.executable, __file__, "--one", str(n), engine, "--memory-limit", memory_limit or ""]
    if not render:
        args.append("--no-render")
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode == 0:
        return {"ok": True, **json.loads(proc.stdout.strip().splitlines()[-1])}
    return {"ok": False, "error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:160]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[1_000_000])
    parser.add_argument("--engines", default="pandas,duckdb")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory limit (default 4GB)")
    parser.add_argument("--no-render", action="store_true")
    parser.add_argument("--one", nargs=2, metavar=("N", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        times = one(int(args.one[0]), args.one[1], args.memory_limit or None, not args.no_render)
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB on Linux
        print(json.dumps({**times, "peak_gb": peak_gb}))
        return 0
    print(f"{'patients':>10} {'engine':>7} " + " ".join(f"{s:>9}" for s in STAGES) + f" {'total':>9} {'peak GB':>8}")
    for n in args.sizes:
        for engine in args.engines.split(","):
            m = _measure(n, engine, args.memory_limit, not args.no_render)
            cells = " ".join(f"{m[s]:9.2f}" if s in m else f"{'-':>9}" for s in STAGES)
            total = sum(m.get(s, 0.0) for s in STAGES)
            tail = "" if m["ok"] else f"  did not complete: {m['error']}"
            print(f"{n:>10,} {engine:>7} {cells} {total:9.2f} {m.get('peak_gb', float('nan')):8.2f}{tail}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
