"""Worker processes that never outlive the process that started them.

Used by the figure workers (report.figures.batch) and the web page's run and check workers
(app.web.jobs): a stopped or killed parent takes its workers with it, so no stray process
is left behind (a killed run leaves nothing running).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "start_worker", "terminate_workers", "watch_parent"]

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Have the kernel send ``sig`` to this process when its parent ``parent`` ends (Linux);
    exit now if it already has. Elsewhere the pools' own shutdown stops the workers."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(1)


def start_worker(parent: int) -> None:
    """A pool worker's initializer: die with the parent ``parent``, and leave Ctrl-C and SIGTERM to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler inherited by fork
    die_with_parent(parent)


def terminate_workers(pool) -> None:
    """SIGTERM every worker process of the ProcessPoolExecutor ``pool`` now, whatever it is doing (an error
    or an interrupt: its work is not wanted). Python 3.14 names this ``terminate_workers()``; before it,
    the processes are only reachable as ``_processes``."""
    for process in list((pool._processes or {}).values()):
        process.terminate()


def watch_parent(parent: int, interval: float = 1.0) -> None:
    """End this process (SIGTERM to itself) within ``interval`` seconds of its parent ending.

    For workers a server may start from any thread: ``PR_SET_PDEATHSIG`` fires when the parent
    *thread* that started the worker ends, which for a pool started from a request's thread
    would stop healthy workers. Polling the parent id has no such catch and works everywhere.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
