"""A registry-sized study through the whole pipeline, pandas and the engines side by side.

    python bench/registry.py                              # 1e6 patients: pandas and DuckDB
    python bench/registry.py --sizes 1e5 --engines pandas,duckdb,spark
    python bench/registry.py --sizes 1e7 --engines duckdb --memory-limit 4GB

The input is what a registry hands over: a folder of Parquet study tables (each table a
folder of part files), generated once per size into ``--data`` (default the system's
temporary folder) a hundred thousand patients at a time, so generating never holds the whole
study. Each (size, engine) then runs ``blinrwe run`` on it in a fresh process (``run_study``),
so its peak memory is its own (the most that process and its worker processes held together).
Stages are the run's: read and validate (with an engine: by patient, 50,000 at a time, the typed tables staged as
Parquet), derive (DuckDB under ``--memory-limit``, reading the staged tables itself),
analyse and render (HTML and XLSX, no figures). pandas reads the whole folder into memory
(its read limits raised for the benchmark). Goals (issue 10): 1,000,000 patients through the
whole report in under 60 s and 4 GB peak on 2 cores with DuckDB; 10,000,000 under a 4 GB
limit completes.

What it does not measure yet: the analysis runs in pandas on the derived datasets the engine
returns (one row per patient, cycle, assessment...), so its memory grows with the study.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from report import SPEC as REPORT_SPEC  # noqa: E402  (the stage-by-stage benchmark's study)

SPEC = {**{k: v for k, v in REPORT_SPEC.items() if k != "data"},
        "report": {"formats": ["html", "xlsx"], "figure_formats": []}}
STAGES = ("read and validate", "derive", "analyse", "render")
GENERATE_CHUNK = 100_000
#: the read limits lifted for pandas, which reads the whole folder at once
UNLIMITED = {"BLINRWE_MAX_ROWS": "1000000000", "BLINRWE_MAX_CELLS": "100000000000",
             "BLINRWE_MAX_UNCOMPRESSED_MB": "1000000"}


def _sizes(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def registry_folder(n: int, root: Path) -> Path:
    """A SYNTHETIC Parquet study of ``n`` patients in ``root`` (made once): each table a folder of
    part files, one per hundred thousand patients (ids ``SYN-<part>-<number>``)."""
    from blinrwe.examples import synthetic_cohort
    from blinrwe.intake import write_study_parquet

    folder = root / f"registry-{n}"
    if (folder / "COMPLETE").exists():
        return folder
    start = time.perf_counter()
    for part, first in enumerate(range(0, n, GENERATE_CHUNK)):
        cohort = synthetic_cohort(min(GENERATE_CHUNK, n - first), seed=1 + part)
        tables = {name: frame.assign(patient_id=frame["patient_id"].str.replace("SYN-", f"SYN-{part:03d}-"))
                  for name, frame in cohort.tables.items()}
        written = write_study_parquet(tables, folder / f"part-{part:03d}", cohort.form)
        for file in written.glob("*.parquet"):
            (folder / file.name).mkdir(parents=True, exist_ok=True)
            file.rename(folder / file.name / f"part-{part:03d}.parquet")
        written.rmdir()
    (folder / "COMPLETE").write_text(f"{n} patients, generated in {time.perf_counter() - start:.0f} s\n")
    return folder


def one(folder: Path, engine: str, memory_limit: str | None, render: bool) -> dict:
    """``blinrwe run`` of the study in ``folder`` on ``engine`` in this process; stage times in seconds."""
    import io

    from blinrwe.app.pipeline import Progress, run_study
    from blinrwe.app.spec import spec_from_dict

    data = {"path": str(folder), "engine": engine, "memory_limit": memory_limit or ""}
    report = SPEC["report"] if render else {"formats": ["csv"], "figure_formats": []}
    with tempfile.TemporaryDirectory(prefix="blinrwe-bench-") as tmp:
        spec = spec_from_dict({**SPEC, "data": {**data, "temp_directory": str(Path(tmp) / "spill")},
                               "report": report})
        progress = Progress(stream=io.StringIO())
        run_study(spec, Path(tmp) / "out", progress=progress)
    return {name: progress.times[name] for name in STAGES if name in progress.times}


class _TreePeak:
    """The largest memory this process and its workers (validation, figures) held together, in GB: their
    proportional set sizes (forked workers' shared pages counted once) summed every 0.2 s (Linux)."""

    def __init__(self) -> None:
        self.peak, self._done = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @staticmethod
    def _tree(pid: int) -> list[int]:
        out = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in task.read_text().split():
                out += _TreePeak._tree(int(child))
        return out

    def _sample(self) -> None:
        while not self._done.wait(0.2):
            total = 0
            try:
                for pid in self._tree(os.getpid()):
                    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                    total += int(rollup.split("Pss:")[1].split()[0])  # kB
            except (OSError, IndexError, ValueError):  # a worker ended while being read; not Linux
                continue
            self.peak = max(self.peak, total / 2**20)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak


def _measure(folder: Path, engine: str, memory_limit: str | None, render: bool) -> dict:
    """``one`` in a child process: its stage times, its peak memory (GB) and whether it completed."""
    args = [sys.executable, __file__, "--one", str(folder), engine, "--memory-limit", memory_limit or ""]
    if not render:
        args.append("--no-render")
    env = {**os.environ, **(UNLIMITED if engine == "pandas" else {})}
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    if proc.returncode == 0:
        return {"ok": True, **json.loads(proc.stdout.strip().splitlines()[-1])}
    return {"ok": False, "error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:160]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[1_000_000])
    parser.add_argument("--engines", default="pandas,duckdb")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory limit (default 4GB)")
    parser.add_argument("--no-render", action="store_true")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "blinrwe-bench-registry",
                        help="where the generated studies are kept between runs")
    parser.add_argument("--one", nargs=2, metavar=("FOLDER", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        tree = _TreePeak()
        times = one(Path(args.one[0]), args.one[1], args.memory_limit or None, not args.no_render)
        peak_gb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, tree.stop())  # kB on Linux
        print(json.dumps({**times, "peak_gb": peak_gb}))
        return 0
    print(f"{'patients':>10} {'engine':>7} " + " ".join(f"{s.split()[0]:>9}" for s in STAGES)
          + f" {'total':>9} {'peak GB':>8}")
    for n in args.sizes:
        folder = registry_folder(n, args.data)
        for engine in args.engines.split(","):
            m = _measure(folder, engine, args.memory_limit, not args.no_render)
            cells = " ".join(f"{m[s]:9.2f}" if s in m else f"{'-':>9}" for s in STAGES)
            total = sum(m.get(s, 0.0) for s in STAGES)
            tail = "" if m["ok"] else f"  did not complete: {m['error']}"
            print(f"{n:>10,} {engine:>7} {cells} {total:9.2f} {m.get('peak_gb', float('nan')):8.2f}{tail}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
