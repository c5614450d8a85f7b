"""`blinrwe serve`: loopback by default with its address printed; a shared address needs access control."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blinrwe.app.cli import main
from blinrwe.app.web.server import is_loopback


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("0.0.0.0", False), ("192.168.1.10", False), ("::", False)])
def test_which_addresses_are_this_computer_only(host, loopback):
    assert is_loopback(host) is loopback


def test_a_shared_address_without_a_token_or_users_file_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BLINRWE_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "--token" in err and "--users" in err and "Traceback" not in err
    assert main(["serve", "--host", "0.0.0.0", "--token", "short"]) == 2
    assert "12 characters" in capsys.readouterr().err
    users = tmp_path / "users"
    users.write_text("alice:secret\n", encoding="utf-8")
    assert main(["serve", "--host", "0.0.0.0", "--users", str(users)]) == 2
    assert "pbkdf2_sha256" in capsys.readouterr().err


def test_serve_prints_its_loopback_address(live_server):
    base, log = live_server
    assert f"blinrwe web page: {base}/" in log.read_text()


def test_make_serve_and_the_help_name_the_command():
    out = subprocess.run([sys.executable, "-m", "blinrwe.app.cli", "serve", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--max-upload-mb" in out.stdout and "--workers" in out.stdout


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:\t", 1)[1][0] not in "ZX"
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_the_server_leaves_no_worker_behind(tmp_path, how):
    """However the server ends (SIGTERM, or SIGKILL with no chance to clean up), its run and check
    workers end with it: no stray process keeps a study's data open."""

    from .conftest import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "blinrwe.app.cli", "serve", "--port", str(port), "--data-dir",
                             str(tmp_path / "data")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while len(_children(proc.pid)) < 3 and time.time() < deadline:  # resource tracker + run and check workers
        time.sleep(0.2)
    workers = _children(proc.pid)
    assert len(workers) >= 3, "the server started no workers"
    proc.send_signal(how)
    proc.wait(timeout=30)
    deadline = time.time() + 30
    while any(_alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)]
