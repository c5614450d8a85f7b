"""Analyses computed in a worker process beside the others: a registry's analyse stage on two cores.

The analyses of one study are independent computations over the same read-only tables, so at a
registry's size one group of them (the regressions: Cox, the R-versus-SAS refits, Fine-Gray) runs
in a forked worker while this process computes the rest. The worker is forked with the tables in
memory (copy-on-write: nothing is pickled on the way in), and sends back only its ARD rows. Its
results are those of the same call in this process: the same functions on the same data.

Threads would not do: most of an analysis is Python and small numpy calls that hold the GIL.
Small studies (below :data:`SIDE_BY_SIDE_ROWS` rows) and one-core computers compute in turn, in
this process: forking costs more than it saves there.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from blinrwe.workers import start_worker, terminate_workers

__all__ = ["SIDE_BY_SIDE_ROWS", "SideBySide"]

#: from this many rows (of the endpoints' ``tte``) a group of analyses runs in a worker beside the others
SIDE_BY_SIDE_ROWS = 200_000
_task = None  # (function, args) of the worker being forked: inherited by the fork, never pickled


def _run_task():
    function, args = _task
    return function(*args)


def _can_fork() -> bool:
    """Two cores or more, fork available, and not in a daemonic process (which may not have children)."""
    return ((os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


class SideBySide:
    """``function(*args)`` computed in a forked worker from ``rows`` >= :data:`SIDE_BY_SIDE_ROWS`, else in
    this process when :meth:`result` is asked for. Use as a context manager: leaving the block stops
    the worker (at once when the block ends by an error or an interrupt). One at a time."""

    def __init__(self, function, *args, rows: int):
        self._call, self._pool, self._future = (function, args), None, None
        if rows >= SIDE_BY_SIDE_ROWS and _can_fork():
            global _task
            _task = self._call  # set until the block ends, whenever the pool forks its worker
            self._pool = ProcessPoolExecutor(1, multiprocessing.get_context("fork"), start_worker, (os.getpid(),))
            self._future = self._pool.submit(_run_task)

    def result(self):
        """The value of ``function(*args)``, or its exception raised here."""
        if self._future is None:
            function, args = self._call
            return function(*args)
        try:
            return self._future.result()
        except BrokenProcessPool:  # killed: on Linux, by the kernel when memory runs out
            raise MemoryError("an analysis worker process was killed, most likely because memory ran out") from None

    def __enter__(self) -> "SideBySide":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        global _task
        if self._pool is not None:
            if kind is not None:  # its results are not wanted
                terminate_workers(self._pool)
            self._pool.shutdown(wait=True, cancel_futures=True)
        _task = None
