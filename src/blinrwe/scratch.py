"""Scratch folders of a run at scale, and what a killed run left of them.

A registry-sized run writes scratch files (a Parquet study split by patient, the staged typed
tables, the derived datasets) into folders blinrwe creates and removes when the run ends, on
success and on failure. A run killed outright (SIGKILL, the kernel's out-of-memory killer, a
power cut) cannot remove them, so each folder's name carries the computer and the id of the
process that made it, ``blinrwe-<kind>-<host>-<pid>-<random>``, and :func:`scratch_folder` first
removes the folders of that kind made on this computer whose process is no longer running (a
folder shared by several computers keeps the others'). Nothing else is touched: only folders of
exactly that name, in the folder the run uses for scratch. A root module: validate, derive and app use it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

__all__ = ["scratch_folder", "remove_stale"]

_NAME = re.compile(r"blinrwe-(?P<kind>[a-z]+)-(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-[A-Za-z0-9_]+")


def _host() -> str:
    """This computer's name as one token of letters and digits (a process id means nothing elsewhere)."""
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:40] or "host"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def remove_stale(parent: Path, kind: str) -> list[Path]:
    """Remove the ``kind`` scratch folders in ``parent`` made on this computer whose process has ended;
    returns them."""
    removed, host = [], _host()
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if (match and match["kind"] == kind and match["host"] == host and entry.is_dir() and not entry.is_symlink()
                and not _running(int(match["pid"]))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def scratch_folder(kind: str, parent: str | Path | None = None) -> Path:
    """A new scratch folder ``blinrwe-<kind>-<host>-<pid>-<random>`` in ``parent`` (created if needed; default
    the system's temporary folder), after removing what killed runs left there of that kind."""
    base = Path(parent) if parent else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    remove_stale(base, kind)
    return Path(tempfile.mkdtemp(prefix=f"blinrwe-{kind}-{_host()}-{os.getpid()}-", dir=base))
