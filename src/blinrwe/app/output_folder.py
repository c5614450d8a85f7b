"""The output folder of a run: which folders blinrwe may replace, and how it replaces one.

A run replaces its whole output folder, so blinrwe writes only into a folder that
does not exist yet, an empty one, or one it wrote itself: such a folder holds the
marker file :data:`MARKER`, which lists every file of that run. Refused, with
nothing touched: the data's folder, the specification's folder, the current
folder, the home folder, a filesystem root or mount point, any folder containing
one of these, a file, and any non-empty folder without the marker or holding a
file the marker does not list (a file the user put there).

The run is built in ``.<name>.partial-*`` beside the target (marked from its first
moment, so a run killed even by SIGKILL leaves a folder the next run recognises and
removes) and renamed into place only when everything succeeded. One run at a time
per target: a POSIX record lock on ``.<name>.lock`` beside it, which the operating
system releases when the process ends, however it ends.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from blinrwe import __version__
from blinrwe.errors import UserError
from blinrwe.model.display import N_
from blinrwe.model.i18n import _

MARKER = ".blinrwe-output"
_MARKER_HEAD = "# written by blinrwe; the next run into this folder replaces it.\n# files of this run:\n"
#: OS errors that are the environment's, not a bug: said in one line naming the folder
_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC: N_("the disk is full"),
    errno.EDQUOT: N_("the disk quota is exceeded"),
    errno.EROFS: N_("the location is read-only"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.EFBIG: N_("a file exceeds the allowed file size"),
}
_CHOOSE = N_("Choose another folder with --out DIR, or with output = \"DIR\" under [report] in the study "
             "specification, for example a new folder {example}.")


class OutputFolderError(UserError):
    """The output folder cannot or must not be written (refused, locked, disk full, read-only, out of memory)."""


def _refuse(target: Path, why: str, example: Path) -> OutputFolderError:
    return OutputFolderError(
        _("will not write the report into {target}: {why}. blinrwe replaces its output folder on every run, so it "
          "writes only into a new or empty folder or one it wrote itself (holding its marker file {marker}); "
          "nothing was changed.").format(target=target, why=why, marker=MARKER)
        + " " + _(_CHOOSE).format(example=example)
    )


def _contains(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def _unlisted_files(folder: Path, listed: set[str]) -> list[str]:
    """Files (and links) under ``folder`` that its marker does not list."""
    unlisted = []
    for root, dirs, files in os.walk(folder):
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        for name in files + links:
            relative = Path(root, name).relative_to(folder).as_posix()
            if relative != MARKER and relative not in listed:
                unlisted.append(relative)
    return sorted(unlisted)


def _listed_files(marker: Path) -> set[str] | None:
    """The files a marker lists, or None when ``marker`` is not a blinrwe marker file."""
    if marker.is_symlink() or not marker.is_file():
        return None
    text = marker.read_text(encoding="utf-8", errors="replace")
    if not text.startswith(_MARKER_HEAD):
        return None
    return {line for line in text[len(_MARKER_HEAD):].splitlines() if line and not line.startswith("#")}


def check_output_folder(target: Path, protected: Iterable[tuple[str, Path]] = ()) -> None:
    """Raise :class:`OutputFolderError` unless blinrwe may replace ``target`` (an absolute path).

    ``protected`` names folders the run reads from, e.g. ``("the folder of the study data", path)``;
    ``target`` may be none of them nor contain one. The current folder, the home folder and
    filesystem roots are always protected."""
    if target.parent == target or os.path.ismount(target):
        raise _refuse(target, _("it is the root of a filesystem"), Path.cwd() / "blinrwe-report")
    example = target / "blinrwe-report"
    always = [(N_("the current folder"), Path.cwd()), (N_("the home folder"), Path.home())]
    for what, folder in [*protected, *always]:
        folder = folder.resolve()
        if target == folder:
            raise _refuse(target, _("it is {what}").format(what=_(what)), example)
        if _contains(target, folder):
            raise _refuse(target, _("it contains {what} ({folder})").format(what=_(what), folder=folder), example)
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir():
        raise _refuse(target, _("it is a file, not a folder"), target.with_name(target.name + "-report"))
    if not any(target.iterdir()):
        return
    listed = _listed_files(target / MARKER)
    if listed is None:
        why = _("it is a folder that blinrwe did not write and it is not empty")
        if (target / "study.resolved.toml").is_file():
            why += _(" (if it is a report from a blinrwe version before the marker, delete it yourself)")
        raise _refuse(target, why, example)
    unlisted = _unlisted_files(target, listed)
    if unlisted:
        files = ", ".join(unlisted[:3])
        if len(unlisted) > 3:
            files += _(" and {count} more").format(count=len(unlisted) - 3)
        raise _refuse(target, _("it holds files blinrwe did not write ({files}); move them out first").format(
            files=files), target.with_name(target.name + "-new"))


def _environment_error(err: BaseException, target: Path) -> OutputFolderError | None:
    if isinstance(err, MemoryError):
        return OutputFolderError(_("out of memory while running the study; nothing was written to {target}. Close "
                                   "other programs or run on a machine with more memory.").format(target=target))
    if not isinstance(err, OSError) or err.errno not in _ENVIRONMENT_ERRNOS:
        return None
    reason = _(_ENVIRONMENT_ERRNOS[err.errno])
    filename = Path(os.fsdecode(err.filename)).absolute() if err.filename else None
    if filename is not None and not (_contains(target.parent, filename) or _contains(filename, target)):
        # not the output folder, its lock or a folder above it: a file the run reads
        return OutputFolderError(_("cannot use {file}: {reason}; nothing was written to {target}.").format(
            file=filename, reason=reason, target=target))
    return OutputFolderError(_("cannot write the output folder {target}: {reason}; nothing was written. Free space "
                               "or choose a writable folder with --out DIR.").format(target=target, reason=reason))


@contextmanager
def _lock(target: Path) -> Iterator[None]:
    """Hold the run lock of ``target``: ``.<name>.lock`` beside it, locked with ``fcntl.lockf``.

    A POSIX record lock belongs to this process alone (figure workers forked from it do not
    inherit it) and is released by the kernel when the process ends, even by SIGKILL."""
    path = target.with_name(f".{target.name}.lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            raise OutputFolderError(_(
                "another blinrwe run is writing {target} (it holds the lock {lock}); wait for it to finish, or "
                "choose another folder with --out DIR.").format(target=target, lock=path)) from None
        try:  # the file may have been unlinked by the run that held it just before: lock the current one
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        try:
            os.unlink(path)
        finally:
            os.close(fd)


def _remove_stale(target: Path) -> None:
    """Remove what killed runs into ``target`` left beside it: marked ``.partial-`` and ``.old-`` folders."""
    for prefix in (f".{target.name}.partial-", f".{target.name}.old-"):
        for folder in target.parent.glob(prefix + "*"):
            if folder.is_symlink() or not folder.is_dir():
                continue
            if (folder / MARKER).is_file():
                shutil.rmtree(folder)
            elif not any(folder.iterdir()):  # killed before its marker was written: empty
                folder.rmdir()


def _write_marker(folder: Path) -> None:
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir() or p.is_symlink())
    listing = "".join(f"{f}\n" for f in files if f != MARKER)
    (folder / MARKER).write_text(f"{_MARKER_HEAD}{listing}# blinrwe {__version__}\n", encoding="utf-8")


@contextmanager
def replacing(target: Path, protected: Iterable[tuple[str, Path]] = ()) -> Iterator[Path]:
    """Build a run's outputs in a marked temporary folder and move it onto ``target`` on success.

    Yields the temporary folder. On any failure (including Ctrl-C and SIGTERM raised as
    exceptions) the temporary folder is removed and ``target`` is left as it was; disk full,
    read-only location and out of memory become one-line :class:`OutputFolderError`s."""
    target = Path(target).absolute()
    protected = list(protected)
    check_output_folder(target, protected)
    tmp = None
    made = _missing_parents(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _lock(target):
            check_output_folder(target, protected)  # again, under the lock: a run may have finished meanwhile
            _remove_stale(target)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); the report folder is an ordinary one
            _write_marker(tmp)
            yield tmp
            _write_marker(tmp)
            if target.exists() and any(target.iterdir()):
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old, ignore_errors=True)  # what remains, the next run removes
            else:
                tmp.rename(target)  # replaces an empty folder
            tmp = None
    except BaseException as err:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for folder in made:  # the folders made to hold the lock, if the failed run left them empty
            try:
                folder.rmdir()
            except OSError:
                break
        plain = _environment_error(err, target)
        if plain is not None:
            raise plain from None
        raise


def _missing_parents(target: Path) -> list[Path]:
    """The folders above ``target`` that do not exist yet, deepest first (a failed run removes them again)."""
    missing = []
    for folder in target.parents:
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    return missing


def _umask() -> int:
    """The process's file-creation mask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
