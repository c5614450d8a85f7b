"""Analyses computed in a forked worker beside the others give what they give in turn."""

import os

import pandas as pd
import pytest

from blinrwe.analysis import AnalysisSettings, analyse_study
from blinrwe.analysis import side_by_side
from blinrwe.analysis.side_by_side import SideBySide
from blinrwe.errors import SpecificationError

pytestmark = pytest.mark.skipif(not side_by_side._can_fork(), reason="needs fork and two cores")


def _pid_and_sum(values):
    return os.getpid(), sum(values)


def _refuse(message):
    raise SpecificationError(message)


def test_a_large_task_runs_in_a_worker_and_a_small_one_here():
    with SideBySide(_pid_and_sum, [1, 2, 3], rows=side_by_side.SIDE_BY_SIDE_ROWS) as worker:
        pid, total = worker.result()
    assert pid != os.getpid() and total == 6
    with SideBySide(_pid_and_sum, [1, 2, 3], rows=side_by_side.SIDE_BY_SIDE_ROWS - 1) as here:
        assert here.result() == (os.getpid(), 6)


def test_the_workers_error_is_raised_here_as_it_was():
    with SideBySide(_refuse, "cox.covariates names nope", rows=side_by_side.SIDE_BY_SIDE_ROWS) as worker:
        with pytest.raises(SpecificationError, match="cox.covariates names nope"):
            worker.result()


def test_an_error_here_stops_the_worker_and_leaves_no_process():
    import time

    with pytest.raises(KeyError):
        with SideBySide(time.sleep, 60, rows=side_by_side.SIDE_BY_SIDE_ROWS) as worker:
            (process,) = worker._pool._processes.values()
            raise KeyError("the caller's own error")
    process.join(timeout=10)
    assert not process.is_alive()


def test_a_study_analysed_side_by_side_equals_the_study_analysed_in_turn(analysis_data, monkeypatch):
    settings = AnalysisSettings(endpoints=("OS", "EFS", "CIR"), variants=("none", "allo_hsct"))
    in_turn = analyse_study(analysis_data, settings)
    monkeypatch.setattr(side_by_side, "SIDE_BY_SIDE_ROWS", 0)
    forked = analyse_study(analysis_data, settings)
    pd.testing.assert_frame_equal(forked.ard, in_turn.ard, check_exact=True)
    pd.testing.assert_frame_equal(forked.curves, in_turn.curves, check_exact=True)
    assert {"cox", "safety"} <= set(forked.ard.section)


def test_a_killed_worker_is_reported_as_memory_running_out():
    import signal
    import time

    with SideBySide(time.sleep, 60, rows=side_by_side.SIDE_BY_SIDE_ROWS) as worker:
        (process,) = worker._pool._processes.values()
        os.kill(process.pid, signal.SIGKILL)  # as the kernel's out-of-memory killer does
        with pytest.raises(MemoryError, match="most likely because memory ran out"):
            worker.result()
