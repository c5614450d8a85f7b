"""Upload to report shown: a 100-patient study timed stage by stage, as the web page runs it.

    python bench/interactive.py                  # 100 patients, 3 runs, the spec's default outputs
    python bench/interactive.py --n 300 --runs 1
    python bench/interactive.py --figure-formats png,svg,pdf   # what `blinrwe demo` asks for
    python bench/interactive.py --profile render # cProfile of one stage (top 30 by cumulative time)

Targets (issue 8, on 2 cores): from upload to report shown (read the workbook, validate,
derive, analyse, render) under 10 s for 100 patients; validation (read + validate) under 2 s.

The workbook is the synthetic cohort written as a user would fill the template (not timed);
the study settings are the bundled example study's (5 endpoints, 2 censoring variants, 2
subgroups, Cox with a forest plot) with the report outputs of the spec's defaults (HTML, DOCX,
XLSX, CSV and PNG figures) unless ``--figure-formats`` says otherwise. Modules are imported
before timing, as in a running server; the first run also pays matplotlib's font and glyph
caches. The machine's load average is printed beside each run: the 2 cores are shared.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from blinrwe.app.pipeline import analyse, bundled_spec, derive, load_spec, write_report  # noqa: E402
from blinrwe.app.spec_fit import fit_to_data  # noqa: E402
from blinrwe.examples import synthetic_cohort  # noqa: E402
from blinrwe.intake import read_study, write_study_xlsx  # noqa: E402
from blinrwe.report import render_report  # noqa: E402,F401  (imported before timing, as a server would)
from blinrwe.validate import validate_study  # noqa: E402

TARGET_TOTAL = 10.0  # seconds, upload to report shown, 100 patients, 2 cores
TARGET_VALIDATION = 2.0  # seconds, read + validate, 100 patients
STAGES = ("read", "validate", "derive", "analyse", "render")
DEFAULT_FORMATS = ("html", "docx", "xlsx", "csv")  # app/spec_model.py ReportSection.formats default


def _sizes(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def study_spec(workbook: Path, figure_formats: tuple[str, ...]):
    """The bundled example study's settings on ``workbook``, with the default report outputs."""
    spec = load_spec(bundled_spec("example_study"))
    data = replace(spec.data, example="", path=str(workbook))
    return replace(spec, data=data, report=replace(spec.report, formats=DEFAULT_FORMATS, figure_formats=figure_formats))


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the figure workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def one_run(workbook: Path, spec, out: Path, profile_stage: str = "") -> dict[str, float]:
    """Every stage of one run, as ``run_study`` does them; seconds per stage (wall clock),
    and ``cpu``: the CPU seconds of all of them, workers included."""
    times: dict[str, float] = {}
    cpu_start = _cpu()

    def timed(name, fn, *args, **kwargs):
        profiler = cProfile.Profile() if name == profile_stage else None
        cpu = _cpu()
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        result = fn(*args, **kwargs)
        if profiler:
            profiler.disable()
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
            print(buffer.getvalue(), file=sys.stderr)
        times[name] = time.perf_counter() - start
        times["cpu " + name] = _cpu() - cpu
        return result

    raw = timed("read", read_study, workbook)
    study, validation = timed("validate", validate_study, raw)
    if study is None or validation.has_errors:
        raise SystemExit(f"the generated workbook did not validate:\n{validation.to_text()}")

    def derive_and_fit():
        data = derive(study, spec)
        return data, fit_to_data(spec, data, validation)

    data, (fitted, validation) = timed("derive", derive_and_fit)
    results = timed("analyse", analyse, data, fitted, validation)
    timed("render", write_report, results, fitted, out, validation)
    if not (out / "report.html").exists():
        raise SystemExit("no report.html written")
    times["cpu"] = _cpu() - cpu_start
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100, help="patients (default 100)")
    parser.add_argument("--runs", type=int, default=3, help="runs; the best is compared with the targets")
    parser.add_argument("--figure-formats", type=_sizes, default=("png",), help="figure files (default png)")
    parser.add_argument("--profile", default="", choices=("",) + STAGES)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"Upload to report shown: {args.n} patients, figures {','.join(args.figure_formats) or 'none'}, "
          f"{os.cpu_count()} cores (seconds)")
    with tempfile.TemporaryDirectory() as tmp:
        workbook = Path(tmp) / "study.xlsx"
        cohort = synthetic_cohort(args.n, args.seed)
        write_study_xlsx(cohort.tables, workbook, cohort.form)
        spec = study_spec(workbook, args.figure_formats)
        print(f"{'run':>4} " + " ".join(f"{s:>9}" for s in STAGES) + f" {'validation':>10} {'total':>7} {'cpu':>7} {'load':>5}")
        best = None
        for run in range(1, args.runs + 1):
            times = one_run(workbook, spec, Path(tmp) / f"out{run}", args.profile if run == 1 else "")
            validation = times["read"] + times["validate"]
            total = sum(times[s] for s in STAGES)
            cells = " ".join(f"{times[s]:9.2f}" for s in STAGES)
            print(f"{run:>4} {cells} {validation:10.2f} {total:7.2f} {times['cpu']:7.2f} {os.getloadavg()[0]:5.1f}",
                  flush=True)
            cpu_cells = " ".join(f"{times['cpu ' + s]:9.2f}" for s in STAGES)
            print(f"{'cpu':>4} {cpu_cells} {times['cpu read'] + times['cpu validate']:10.2f}", flush=True)
            if best is None or total < best[1]:
                best = (validation, total)
    validation, total = best
    ok = "met" if total < TARGET_TOTAL else "NOT met"
    ok_v = "met" if validation < TARGET_VALIDATION else "NOT met"
    print(f"best run: upload to report shown {total:.2f} s (target < {TARGET_TOTAL:.0f} s: {ok}); "
          f"validation {validation:.2f} s (target < {TARGET_VALIDATION:.0f} s: {ok_v})")
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print("(the load average exceeds the cores: other work shares the machine and the wall-clock times are "
              "inflated; the cpu rows (CPU seconds per stage, figure workers included in render) are the "
              "steadier measure: on 2 idle cores a run takes about the CPU of the serial stages plus half "
              "the render's)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
