"""Real parts for the web tests: generated workbooks, worker pools, the ASGI app, a real server on loopback."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import openpyxl
import pytest

from blinrwe.examples.synthetic import synthetic_cohort
from blinrwe.intake import write_study_xlsx

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

#: Cells broken in the "workbook with mistakes": (sheet, row, column name, bad value).
MISTAKES = (
    ("patients", 2, "sex", "<script>alert('x')</script>"),
    ("patients", 3, "weight_kg", "heavy"),
    ("patients", 4, "diagnosis_date", "2021-03"),  # a warning: completed as 2021-03-15, flagged
)


def synthetic_workbook(path: Path, n: int = 30, seed: int = 2) -> Path:
    """A SYNTHETIC study workbook (no patient data) in the template's layout."""
    study = synthetic_cohort(n, seed)
    return write_study_xlsx(study.tables, path, study.form, ["SYNTHETIC DATA - NOT REAL PATIENTS"])


def break_cells(source: Path, target: Path, mistakes=MISTAKES) -> Path:
    """A copy of ``source`` with the ``mistakes`` cells overwritten (openpyxl)."""
    book = openpyxl.load_workbook(source)
    for sheet, row, column, value in mistakes:
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        ws.cell(row=row, column=header.index(column) + 1, value=value)
    book.save(target)
    return target


@pytest.fixture(scope="session")
def workbooks(tmp_path_factory):
    """A clean synthetic workbook and the same with MISTAKES."""
    folder = tmp_path_factory.mktemp("workbooks")
    good = synthetic_workbook(folder / "study.xlsx")
    bad = break_cells(good, folder / "study-with-mistakes.xlsx")
    return {"good": good, "bad": bad}


@pytest.fixture(scope="session")
def jobs():
    """One pair of worker pools for the in-process app tests (spawned once)."""
    from blinrwe.app.web.jobs import Jobs

    pools = Jobs(workers=1, queue=2, validate_workers=1, validate_queue=8)
    yield pools
    pools.shutdown()


@pytest.fixture
def app_factory(tmp_path, jobs):
    from blinrwe.app.web import WebConfig, create_app

    def make(**config):
        config.setdefault("data_dir", tmp_path / "web")
        return create_app(WebConfig(**config), jobs)

    return make


@pytest.fixture
def client(app_factory):
    from starlette.testclient import TestClient

    with TestClient(app_factory(), follow_redirects=False) as c:
        yield c


def csrf(client, path="/") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def upload(client, path: Path | bytes, name: str = "study.xlsx", token: str | None = None, url: str = "/studies"):
    token = token if token is not None else csrf(client)
    body = path if isinstance(path, bytes) else Path(path).read_bytes()
    return client.post(url, data={"csrf_token": token}, files={"file": (name, body, "application/octet-stream")})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """``blinrwe serve`` in a subprocess on a free loopback port; yields (base url, log path)."""
    folder = tmp_path_factory.mktemp("live")
    port = free_port()
    log = folder / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "blinrwe.app.cli", "serve", "--port", str(port), "--data-dir",
                                 str(folder / "data"), "--workers", "2", "--max-upload-mb", "5"],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text())
            time.sleep(0.2)
    import httpx

    while time.time() < deadline:  # the page answers; the workers import the pipeline meanwhile
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base, log
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
