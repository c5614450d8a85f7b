"""Worker processes for validations and runs, each pool with a bounded queue.

Runs and validations go to separate process pools (a long run never delays a validation,
and neither blocks the page: the server only awaits futures). Each pool takes at most
``workers + queue`` jobs at a time; one more is refused with :class:`Busy`, which the page
shows as "busy, try again". A worker that dies (killed, out of memory, a crash in native
code) breaks its pool: the job is marked failed with a plain message and a fresh pool is
started, so the server and the other studies go on. Processes are started with "spawn"
(no fork of a server that runs threads) at a lower scheduling priority (``nice 10``), so
that on a small machine the page stays quick while studies run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

from blinrwe.model.i18n import _
from blinrwe.workers import watch_parent

from . import tasks

__all__ = ["Busy", "Pool", "Jobs"]


def _worker_start(parent: int) -> None:
    """Workers yield the processor to the page (the server answers first, the work waits a
    moment) and end with the server, however it is stopped."""
    watch_parent(parent)
    try:
        os.nice(10)
    except OSError:
        pass


#: Seconds the workers are given to end after SIGTERM before they are killed (SIGKILL) on shutdown.
_TERMINATE_GRACE = 2.0


class Busy(Exception):
    """Every worker is busy and the queue is full."""


class Pool:
    """A process pool that admits at most ``workers + queue`` jobs and replaces itself when broken."""

    def __init__(self, workers: int, queue: int):
        self.workers = max(1, int(workers))
        self.capacity = self.workers + max(0, int(queue))
        self._lock = threading.Lock()
        self._active = 0
        self._executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_start, initargs=(os.getpid(),))

    @property
    def active(self) -> int:
        return self._active

    def submit(self, fn: Callable, *args, on_broken: Callable[[], None] | None = None) -> Future:
        with self._lock:
            if self._active >= self.capacity:
                raise Busy()
            self._active += 1
            try:
                future = self._executor.submit(fn, *args)
            except BrokenProcessPool:
                self._executor = self._new()
                future = self._executor.submit(fn, *args)
            executor = self._executor
        future.add_done_callback(lambda f: self._done(f, executor, on_broken))
        return future

    def _done(self, future: Future, executor: ProcessPoolExecutor, on_broken) -> None:
        with self._lock:
            self._active -= 1
            broken = not future.cancelled() and isinstance(future.exception(), BrokenProcessPool)
            if broken and self._executor is executor:  # the first job of a broken pool replaces it
                self._executor = self._new()
                executor.shutdown(wait=False, cancel_futures=False)
        if broken and on_broken is not None:
            on_broken()

    def warm(self) -> None:
        """Start every worker now (each imports the pipeline once), outside the queue's count."""
        for _i in range(self.workers):
            self._executor.submit(tasks.warm_up)

    def shutdown(self) -> None:
        """Stop now: cancel what waits and end the workers (SIGTERM; SIGKILL for one still running
        :data:`_TERMINATE_GRACE` seconds later), as their parent watch would a moment later.

        ``shutdown(wait=False)`` alone still has the interpreter's exit join the workers, so a
        server stopped while a worker is busy (or still importing the pipeline) would not exit
        until it finished. Python 3.14 names this ``terminate_workers``; before it, the pool's
        processes are only reachable as ``_processes``.
        """
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        # A worker has ended when its sentinel is ready. ``is_alive()`` can stay True for a dead
        # worker: whichever thread reaps it first (the pool's own, or a stale poll of a reused pid)
        # leaves the others' waitpid failing, which multiprocessing reads as "running".
        running = {process.sentinel: process for process in processes}
        deadline = time.monotonic() + _TERMINATE_GRACE
        while running and (left := deadline - time.monotonic()) > 0:
            for sentinel in wait(list(running), left):
                del running[sentinel]
        for process in running.values():  # SIGTERM caught, not obeyed (CI saw a worker outlive it by 30 s)
            process.kill()


class Jobs:
    """The server's two pools: validations and runs."""

    def __init__(self, workers: int = 2, queue: int = 8, validate_workers: int = 1, validate_queue: int = 32,
                 run_target: Callable = tasks.run_study_job, validate_target: Callable = tasks.validate_upload):
        self.runs = Pool(workers, queue)
        self.validations = Pool(validate_workers, validate_queue)
        self.run_target = run_target
        self.validate_target = validate_target

    async def validate(self, study_path: Path, data_path: Path, settings: dict, lang: str) -> dict:
        """Validate in a worker; raises Busy when the queue is full, RuntimeError when the worker died."""
        future = self.validations.submit(self.validate_target, str(study_path), str(data_path), settings, lang)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            raise RuntimeError("the validation worker stopped") from None

    def start_run(self, run_dir: Path, data_path: Path, settings: dict, lang: str) -> Future:
        """Queue a run (status "queued" first); raises Busy when the queue is full."""
        tasks.write_status(run_dir, state="queued", queued=time.time())

        def broken():
            tasks.write_status(run_dir, state="failed", finished=time.time(),
                               error=_("The worker process running this study stopped unexpectedly (out of memory "
                                       "or killed). The server goes on; run the study again."))

        return self.runs.submit(self.run_target, str(run_dir), str(data_path), settings, lang, on_broken=broken)

    def warm(self) -> None:
        self.runs.warm()
        self.validations.warm()

    def shutdown(self) -> None:
        self.runs.shutdown()
        self.validations.shutdown()
