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

A run whose processes hold more than ``--memory-ceiling`` GB (default 18) is stopped before the
kernel's out-of-memory killer would pick a process of its own, and reported with the stages it
completed and the one it was in. The analysis runs in pandas on the derived datasets the engine
returns (one row per patient, cycle, assessment...), so its memory grows with the study: at 1e7
patients those datasets alone are about 20 GB.
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


def one(folder: Path, engine: str, memory_limit: str | None, render: bool, scratch: Path | None = None) -> dict:
    """``blinrwe run`` of the study in ``folder`` on ``engine`` in this process; stage times in seconds.
    Each stage's start and end are also printed on stderr ("[blinrwe] derive ..."), so that a run
    stopped by :func:`_measure` still tells which stages it completed and in what time. ``scratch``: the
    folder for the run's output and spill files (default a temporary one of this process's own)."""
    from blinrwe.app.pipeline import Progress, run_study
    from blinrwe.app.spec import spec_from_dict

    data = {"path": str(folder), "engine": engine, "memory_limit": memory_limit or ""}
    report = SPEC["report"] if render else {"formats": ["csv"], "figure_formats": []}
    with tempfile.TemporaryDirectory(prefix="blinrwe-bench-", dir=scratch) as tmp:
        spec = spec_from_dict({**SPEC, "data": {**data, "temp_directory": str(Path(tmp) / "spill")},
                               "report": report})
        progress = Progress(stream=sys.stderr)
        run_study(spec, Path(tmp) / "out", progress=progress)
    return {name: progress.times[name] for name in STAGES if name in progress.times}


def _tree(pid: int) -> list[int]:
    """Process ``pid`` and its descendants."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:  # the thread ended
            continue
        for child in children:
            out += _tree(int(child))
    return out


def _tree_pss_gb(pid: int) -> float:
    """The memory process ``pid`` and its descendants hold together, in GB: their proportional set sizes
    (forked workers' shared pages counted once; Linux, 0 elsewhere)."""
    total = 0
    for p in _tree(pid):
        try:
            total += int(Path(f"/proc/{p}/smaps_rollup").read_text().split("Pss:")[1].split()[0])  # kB
        except (OSError, IndexError, ValueError):  # ended while being read
            continue
    return total / 2**20


class _TreePeak:
    """The largest memory this process and its workers (validation, figures) held together, in GB: their
    proportional set sizes (forked workers' shared pages counted once) summed every 0.2 s (Linux)."""

    def __init__(self) -> None:
        self.peak, self._done = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.2):
            self.peak = max(self.peak, _tree_pss_gb(os.getpid()))

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak


def _stages_done(stderr: str) -> dict:
    """Stage -> seconds from the run's progress lines ("[blinrwe] derive done in 81.9 s")."""
    done = {}
    for line in stderr.splitlines():
        for stage in STAGES:
            head = f"[blinrwe] {stage} done in "
            if line.startswith(head):
                done[stage] = float(line[len(head):].split()[0])
    return done


def _measure(folder: Path, engine: str, memory_limit: str | None, render: bool, ceiling_gb: float) -> dict:
    """``one`` in a child process: its stage times, its peak memory (GB) and whether it completed. A run whose
    processes hold more than ``ceiling_gb`` is stopped (before the kernel's out-of-memory killer picks a
    process of its own choosing) and reported with the stages it completed and the one it was in."""
    env = {**os.environ, **(UNLIMITED if engine == "pandas" else {})}
    # the child's scratch is made and removed here: a child stopped with SIGKILL cannot remove its own
    with tempfile.TemporaryDirectory(prefix="blinrwe-bench-") as scratch, \
            tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        args = [sys.executable, __file__, "--one", str(folder), engine, "--memory-limit", memory_limit or "",
                "--scratch", scratch] + ([] if render else ["--no-render"])
        # its own process group, so that the ceiling stops its workers too
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True, env=env, start_new_session=True)
        over = 0.0
        try:
            while proc.poll() is None:
                time.sleep(0.5)
                held = _tree_pss_gb(proc.pid)
                if held > ceiling_gb:
                    over = held
                    break
        finally:  # over the ceiling, or this benchmark interrupted: the run and its workers end with it
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait()
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode == 0:
        return {"ok": True, **json.loads(stdout.strip().splitlines()[-1])}
    done = _stages_done(stderr)
    started = [line[len("[blinrwe] "):-len(" ...")] for line in stderr.splitlines()
               if line.startswith("[blinrwe] ") and line.endswith(" ...")]
    during = started[-1] if started else "start-up"
    if over:
        return {"ok": False, **done, "peak_gb": over,
                "error": f"stopped during {during}: its processes held {over:.1f} GB (--memory-ceiling {ceiling_gb:g})"}
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("[blinrwe] ")]
    return {"ok": False, **done, "error": f"during {during}: " + ((lines or [f"exit {proc.returncode}"])[-1][:160])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[1_000_000])
    parser.add_argument("--engines", default="pandas,duckdb")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory limit (default 4GB)")
    parser.add_argument("--no-render", action="store_true")
    parser.add_argument("--memory-ceiling", type=float, default=18.0,
                        help="GB: a run whose processes hold more is stopped and reported (default 18)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "blinrwe-bench-registry",
                        help="where the generated studies are kept between runs")
    parser.add_argument("--one", nargs=2, metavar=("FOLDER", "ENGINE"), help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        tree = _TreePeak()
        times = one(Path(args.one[0]), args.one[1], args.memory_limit or None, not args.no_render, args.scratch)
        peak_gb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, tree.stop())  # kB on Linux
        print(json.dumps({**times, "peak_gb": peak_gb}))
        return 0
    print(f"{'patients':>10} {'engine':>7} " + " ".join(f"{s.split()[0]:>9}" for s in STAGES)
          + f" {'total':>9} {'peak GB':>8}")
    for n in args.sizes:
        folder = registry_folder(n, args.data)
        for engine in args.engines.split(","):
            m = _measure(folder, engine, args.memory_limit, not args.no_render, args.memory_ceiling)
            cells = " ".join(f"{m[s]:9.2f}" if s in m else f"{'-':>9}" for s in STAGES)
            total = sum(m.get(s, 0.0) for s in STAGES)
            tail = "" if m["ok"] else f"  did not complete: {m['error']}"
            print(f"{n:>10,} {engine:>7} {cells} {total:9.2f} {m.get('peak_gb', float('nan')):8.2f}{tail}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
