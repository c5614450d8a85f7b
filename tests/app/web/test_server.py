"""`blinrwe serve`: loopback by default with its address printed; a shared address needs access control."""

from __future__ import annotations

import subprocess
import sys

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
