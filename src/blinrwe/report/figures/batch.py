"""Drawing and saving many figures, in order, optionally in worker processes.

Each figure is independent (its own matplotlib Figure on an Agg canvas), so a
report's figures can be drawn in parallel: a :class:`FigureJob` goes to a worker,
which draws it, writes its files and sends back the :class:`PlottedFigure`
(matplotlib Figures pickle). Results come back in job order and the files carry
no timestamps, so the output does not depend on which worker drew what.

Workers never outlive the run: each asks the kernel to kill it when its parent dies
(Linux ``PR_SET_PDEATHSIG``, so even a SIGKILLed run leaves none behind), ignores
Ctrl-C (the parent handles it) and is terminated by the parent when the batch ends
with an error or an interrupt.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from blinrwe.model.i18n import language
from blinrwe.workers import start_worker, terminate_workers

from .base import FigureJob, PlottedFigure, new_figure, save_figure
from .fonts import figure_language

#: below this many figures a worker pool costs more than it saves
_MIN_JOBS_FOR_POOL = 4


def draw_and_save(job: FigureJob, out_dir: Path | None, formats: Sequence[str], dpi: int,
                  keep_figure: bool = True, embed_png: bool = False,
                  language_code: str = "en") -> tuple[PlottedFigure, dict]:
    """Draw one figure and write it in ``formats`` (nothing written without ``out_dir``).

    ``keep_figure=False`` returns the figure's name, title, caption and plotted data without
    the matplotlib Figure (written to files already; sending it back from a worker would
    cost a pickle round trip per figure); ``embed_png`` adds its PNG bytes (for reports that
    embed a figure no PNG file was asked for). ``language_code``: the labels' language (a worker
    process does not share the run's language context, so it is passed)."""
    with language(language_code):
        plotted = job.draw()
    paths = save_figure(plotted, out_dir, formats, dpi) if out_dir is not None and formats else {}
    if embed_png and "png" not in paths:
        plotted = replace(plotted, png=plotted.png_bytes(dpi))
    if not keep_figure:
        plotted = replace(plotted, figure=None)
    return plotted, paths


def _warm_up() -> None:
    """Draw one small text-bearing figure here, before the workers fork, so they inherit
    loaded fonts and glyph caches instead of each building them again."""
    figure = new_figure(1, 1)
    figure.text(0.5, 0.5, "0123456789 %()=<>.,- AaBbCcNnRr", fontweight="bold")
    figure.text(0.5, 0.2, "0123456789 %()=<>.,- AaBbCcNnRr", fontstyle="italic")
    figure.canvas.draw()


class FigureBatch:
    """Figures being drawn: the jobs start in the worker pool on entering the ``with`` block,
    so this process can do other work (write the workbook) until :meth:`results`.

    With one worker (or a small batch) nothing starts early: :meth:`results` draws here."""

    def __init__(self, jobs: Sequence[FigureJob], out_dir: Path | None = None, formats: Sequence[str] = (),
                 dpi: int = 200, workers: int = 1, keep_figures: bool = True, embed_png: bool = False):
        self.jobs = list(jobs)
        self.args = (out_dir, tuple(formats), dpi, keep_figures, embed_png, figure_language())
        self.parallel = workers > 1 and len(self.jobs) >= _MIN_JOBS_FOR_POOL
        self.workers = workers
        self._pool = None
        self._pending = []

    def __enter__(self) -> "FigureBatch":
        if self.parallel:
            _warm_up()
            self._pool = ProcessPoolExecutor(self.workers, multiprocessing.get_context("fork"), start_worker,
                                             (os.getpid(),))
            self._pending = [self._pool.submit(draw_and_save, job, *self.args) for job in self.jobs]
        return self

    def results(self) -> list[tuple[PlottedFigure, dict]]:
        """(figure, format -> path) for every job, in job order."""
        if not self.parallel:
            return [draw_and_save(job, *self.args) for job in self.jobs]
        try:
            return [pending.result() for pending in self._pending]
        except BrokenProcessPool:  # a worker was killed: on Linux, by the kernel when memory runs out
            raise MemoryError("a figure worker process was killed, most likely because memory ran out") from None

    def __exit__(self, exc_type, *exc) -> None:
        if self._pool is None:
            return
        if exc_type is not None:  # an error or an interrupt: stop drawing now
            terminate_workers(self._pool)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None


def draw_figures(jobs: Sequence[FigureJob], out_dir: Path | None = None, formats: Sequence[str] = (), dpi: int = 200,
                 workers: int = 1, keep_figures: bool = True, embed_png: bool = False) -> list[tuple[PlottedFigure, dict]]:
    """(figure, format -> path) for every job, in job order.

    ``workers`` > 1 draws in that many processes (the report uses 2); small batches are
    drawn in this process. ``keep_figures=False``, ``embed_png``: see :func:`draw_and_save`."""
    with FigureBatch(jobs, out_dir, formats, dpi, workers, keep_figures, embed_png) as batch:
        return batch.results()
