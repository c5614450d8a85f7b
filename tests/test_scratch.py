"""Scratch folders: what a killed run left is removed by the next run; nothing else is touched."""

import os
import subprocess
import sys

from blinrwe.scratch import _host, remove_stale, scratch_folder

HOST = _host()


def _ended_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_runs_folder_is_removed_and_nothing_else(tmp_path):
    dead = _ended_pid()
    stale = tmp_path / f"blinrwe-split-{HOST}-{dead}-abc_123"
    (stale / "patients").mkdir(parents=True)
    (stale / "patients" / "part.parquet").write_bytes(b"x")
    running = tmp_path / f"blinrwe-split-{HOST}-{os.getppid()}-abc"  # a running process's (this one's parent)
    other_kind = tmp_path / f"blinrwe-staged-{HOST}-{dead}-abc"
    other_host = tmp_path / f"blinrwe-split-{HOST}x-{dead}-abc"  # a process id of another computer (a shared folder)
    users = [tmp_path / f"blinrwe-split-{HOST}-{dead}", tmp_path / "blinrwe-split-notes",
             tmp_path / f"blinrwe-split-{dead}-abc", tmp_path / f"my-split-{HOST}-{dead}-abc"]
    for folder in (running, other_kind, other_host, *users):
        folder.mkdir()
    file_named_like_one = tmp_path / f"blinrwe-split-{HOST}-{dead}-def"
    file_named_like_one.write_text("a user's file")

    new = scratch_folder("split", tmp_path)

    assert not stale.exists()
    assert all(p.exists() for p in (running, other_kind, other_host, *users, file_named_like_one, new))
    assert new.name.startswith(f"blinrwe-split-{HOST}-{os.getpid()}-") and new.parent == tmp_path
    assert remove_stale(tmp_path, "staged") == [other_kind]


def test_a_missing_parent_folder_is_created_and_an_absent_one_has_nothing_to_sweep(tmp_path):
    assert scratch_folder("derived", tmp_path / "spill" / "deep").parent == tmp_path / "spill" / "deep"
    assert remove_stale(tmp_path / "absent", "split") == []
