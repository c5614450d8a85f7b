"""A bounded load test on loopback: 20 concurrent uploads and validations plus 4 concurrent runs.

All succeed, no study sees another's file or results, and page latency (the pages, not the
work behind them) stays under 300 ms at the 95th percentile. Small synthetic studies keep
it short (the runs write results.csv only); it measures the page, the speed of the pipeline is
bench/'s.
"""

from __future__ import annotations

import io
import re
import statistics
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx

from .conftest import synthetic_workbook


UPLOADS, RUNS = 20, 4
QUICK = ('[endpoints]\nnames = ["OS"]\n[subgroups]\nvariables = []\ntable1_by = ""\n'
         '[cox]\nendpoints = []\ncovariates = []\n[report]\nformats = ["csv"]\nfigure_formats = []\n')


def _token(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def _timed(client: httpx.Client, latencies: list, url: str) -> httpx.Response:
    start = time.perf_counter()
    response = client.get(url)
    latencies.append(time.perf_counter() - start)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _user(base: str, workbook, k: int, latencies: list, run: bool) -> dict:
    with httpx.Client(base_url=base, timeout=120) as c:
        home = _timed(c, latencies, "/")
        made = c.post("/studies", data={"csrf_token": _token(home.text)},
                      files={"file": (f"load-{k:02d}.xlsx", workbook.read_bytes())})
        assert made.status_code == 303, made.text[:500]
        location = made.headers["location"]
        page = _timed(c, latencies, location)
        assert f"load-{k:02d}.xlsx" in page.text and 'class="verdict ok"' in page.text
        others = set(re.findall(r"load-\d\d\.xlsx", page.text)) - {f"load-{k:02d}.xlsx"}
        assert not others, others
        if not run:
            return {"k": k}
        settings = _timed(c, latencies, location + "/settings")
        spec = QUICK + f'[study]\ntitle = "Load study {k:02d}"\n'
        imported = c.post(location + "/settings/import", data={"csrf_token": _token(settings.text)},
                          files={"file": ("study.toml", spec.encode())})
        assert imported.status_code == 303, imported.text[:500]
        started = c.post(location + "/runs", data={"csrf_token": _token(settings.text)})
        assert started.status_code == 303, started.text[:500]
        run = started.headers["location"]
        deadline = time.time() + 90
        while time.time() < deadline:
            start = time.perf_counter()
            status = c.get(run + "/status").json()
            latencies.append(time.perf_counter() - start)
            if status["state"] in ("done", "failed"):
                break
            time.sleep(0.3)
        assert status["state"] == "done", status
        bundle = zipfile.ZipFile(io.BytesIO(c.get(run + "/bundle.zip").content))
        return {"k": k, "id": location.rsplit("/", 1)[-1],
                "report": bundle.read("blinrwe-output/study.resolved.toml").decode()}


def test_concurrent_uploads_validations_and_runs_stay_fast_and_apart(live_server, tmp_path):
    base, log = live_server
    small = synthetic_workbook(tmp_path / "small.xlsx", n=12, seed=5)
    workbooks = [small] * UPLOADS  # told apart by their names and their studies' titles
    latencies: list[float] = []
    stop = threading.Event()

    def watcher():  # a user reading pages while everyone else works
        with httpx.Client(base_url=base, timeout=30) as c:
            while not stop.is_set():
                _timed(c, latencies, "/")
                _timed(c, latencies, "/static/app.js")
                time.sleep(0.05)

    started = time.time()
    with ThreadPoolExecutor(UPLOADS + 1) as pool:
        watching = pool.submit(watcher)
        users = [pool.submit(_user, base, workbooks[k], k, latencies, k < RUNS) for k in range(UPLOADS)]
        results = [u.result() for u in users]
        stop.set()
        watching.result()
    elapsed = time.time() - started

    for result in results:
        if "report" in result:
            k = result["k"]
            assert f"Load study {k:02d}" in result["report"]
            assert f"studies/{result['id']}/data/load-{k:02d}.xlsx" in result["report"]  # its own upload
            assert not [j for j in range(RUNS) if j != k and f"Load study {j:02d}" in result["report"]]
    assert len(results) == UPLOADS
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(f"\n{len(latencies)} page requests, p95 {p95 * 1000:.0f} ms, median "
          f"{statistics.median(latencies) * 1000:.0f} ms, {elapsed:.1f} s in all")
    assert p95 < 0.3, f"page latency p95 {p95 * 1000:.0f} ms"
    logged = log.read_text()
    assert "load-" not in logged and "Traceback" not in logged
    assert not re.search(r"/s/[A-Za-z0-9_-]{32}", logged)
