"""Worker pools: a bounded queue refused when full, a crashed worker marks its run failed and the pool goes on."""

from __future__ import annotations

import os
import time
from multiprocessing.connection import wait

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


def test_shutting_down_ends_a_busy_worker_at_once():
    """A server stopped while a worker is busy (or still importing the pipeline) ends it, instead
    of waiting at exit for the work to finish (that wait made a stopped server linger)."""
    pool = Pool(workers=1, queue=0)
    busy = pool.submit(_sleep, 120)
    deadline = time.time() + 60
    while not busy.running() and time.time() < deadline:
        time.sleep(0.05)
    processes = list(pool._executor._processes.values())
    assert processes and busy.running()
    pool.shutdown()
    # Ended means its sentinel is ready (is_alive() can say True of a worker another thread reaped).
    assert all(wait([process.sentinel], timeout=30) for process in processes)


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


def _slow_run(run_dir, data_path, settings, lang) -> str:
    time.sleep(3)
    tasks.write_status(run_dir, state="done")
    return "done"


def _dying_run(run_dir, data_path, settings, lang) -> str:
    tasks.write_status(run_dir, state="running", stage="derive")
    os._exit(1)


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_the_page_refuses_a_run_when_the_queue_is_full_and_survives_a_crashed_one(tmp_path, workbooks):
    from starlette.testclient import TestClient

    from blinrwe.app.web import WebConfig, create_app

    from .conftest import csrf, upload

    jobs = Jobs(workers=1, queue=0, validate_workers=1, validate_queue=4, run_target=_slow_run)
    try:
        with TestClient(create_app(WebConfig(data_dir=tmp_path / "web"), jobs), follow_redirects=False) as c:
            location = upload(c, workbooks["good"]).headers["location"]
            token = csrf(c, location)
            assert c.post(location + "/runs", data={"csrf_token": token}).status_code == 303
            busy = c.post(location + "/runs", data={"csrf_token": token})
            assert busy.status_code == 503 and "queue is full" in busy.text
            runs = list((c.app.state.workspace.studies / location.rsplit("/", 1)[-1] / "runs").iterdir())
            assert len(runs) == 1  # the refused run left nothing
            jobs.run_target = _dying_run
            deadline = time.time() + 120  # the slow run frees its worker when it ends, however loaded the machine
            while (answer := c.post(location + "/runs", data={"csrf_token": token})).status_code == 503:
                assert time.time() < deadline, "the first run never freed its worker"
                time.sleep(0.5)
            run = answer.headers["location"]
            deadline = time.time() + 60
            while c.get(run + "/status").json()["state"] != "failed" and time.time() < deadline:
                time.sleep(0.2)
            page = c.get(run)
            assert "stopped unexpectedly" in page.text and "Traceback" not in page.text
            assert c.get("/").status_code == 200 and c.get(location).status_code == 200  # the server goes on
    finally:
        jobs.shutdown()
