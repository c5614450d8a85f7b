"""Worker pools: a bounded queue refused when full, a crashed worker marks its run failed and the pool goes on."""

from __future__ import annotations

import os
import time

import pytest

from blinrwe.app.web import tasks
from blinrwe.app.web.jobs import Busy, Jobs, Pool
from blinrwe.app.web.workspace import read_json


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _die(*args) -> None:
    os._exit(1)  # a worker killed (out of memory, a crash in native code)


def test_a_full_queue_is_refused_at_once():
    pool = Pool(workers=1, queue=1)
    try:
        first, second = pool.submit(_sleep, 1.0), pool.submit(_sleep, 0.1)
        with pytest.raises(Busy):
            pool.submit(_sleep, 0.1)
        assert first.result(timeout=60) == 1.0 and second.result(timeout=60) == 0.1
        assert pool.submit(_sleep, 0).result(timeout=60) == 0  # room again
    finally:
        pool.shutdown()


def test_a_crashed_worker_fails_its_run_and_the_next_run_goes_on(tmp_path):
    jobs = Jobs(workers=1, queue=1, run_target=_die)
    try:
        run_dir = tmp_path / "run"
        run_dir.mkdir()
        future = jobs.start_run(run_dir, tmp_path / "study.xlsx", {}, "en")
        with pytest.raises(Exception):
            future.result(timeout=60)
        deadline = time.time() + 10
        while read_json(run_dir / "status.json", {}).get("state") != "failed" and time.time() < deadline:
            time.sleep(0.1)
        status = read_json(run_dir / "status.json", {})
        assert status["state"] == "failed" and "stopped unexpectedly" in status["error"]
        assert jobs.runs.submit(_sleep, 0).result(timeout=60) == 0  # a fresh pool took over
    finally:
        jobs.shutdown()


def test_a_run_reports_each_stage_and_a_user_error_in_plain_words(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (tmp_path / "study.xlsx").write_bytes(b"not a workbook")
    assert tasks.run_study_job(str(run_dir), str(tmp_path / "study.xlsx"), {}, "en") == "failed"
    status = read_json(run_dir / "status.json")
    assert status["state"] == "failed" and status["stage"] == "read and validate"
    assert "Traceback" not in status["error"] and status["error"]


def test_an_internal_error_is_named_by_type_only(tmp_path, monkeypatch):
    import blinrwe.app.pipeline as pipeline

    def broken(*args, **kwargs):
        raise KeyError("P042 secret cell")

    monkeypatch.setattr(pipeline, "run_study", broken)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert tasks.run_study_job(str(run_dir), str(tmp_path / "x.xlsx"), {}, "en") == "failed"
    error = read_json(run_dir / "status.json")["error"]
    assert "KeyError" in error and "P042" not in error


def test_a_deleted_run_folder_is_not_recreated(tmp_path):
    tasks.write_status(tmp_path / "gone", state="running")
    assert not (tmp_path / "gone").exists()
