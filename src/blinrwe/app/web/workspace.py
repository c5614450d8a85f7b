"""One folder per study under the server's data folder; nothing outside it is ever read or written.

A study's id is ``secrets.token_urlsafe(24)`` (192 random bits): knowing it is what lets a
browser reach the study, so ids are checked against :data:`ID_PATTERN` before any path is
built, every path is resolved and must stay under the workspace root, and a study made by
one user is invisible to another (404, as for an id that does not exist).

Layout of ``<root>/studies/<id>/``::

    meta.json         owner, display name of the upload, entry form, when created
    data/             the current upload: one .xlsx, or csv/<table>.csv from a zip
    validation.json   the findings of the last validation (language, summary, rows)
    annotated.xlsx    the workbook with the offending cells marked (when available)
    settings.toml     the study's settings: the specification keys changed from the defaults
    runs/<run>/       settings.toml, status.json and output/ of each run

The uploaded file's name is never used as a path as given: only its last part, with
characters outside letters, digits and ``-_.() `` removed. Zip archives of CSV files are
checked member by member before anything is written (:func:`extract_csv_zip`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from blinrwe.intake import read_limits
from blinrwe.intake.signature import ZIP_MAGICS, workbook_signature
from blinrwe.model.i18n import _

__all__ = ["Workspace", "UploadRefused", "ID_PATTERN", "safe_name", "extract_csv_zip", "new_run_id"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
RUN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{12}$")
MAX_ZIP_MEMBERS = 200
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")


class UploadRefused(Exception):
    """An upload that is not stored: the message says what it is and what to upload instead."""


def new_run_id() -> str:
    return secrets.token_urlsafe(9)


def safe_name(name: str | None, default: str) -> str:
    """The last part of a client-given file name, with only harmless characters (never a path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w\-. ()]", "", base, flags=re.UNICODE).strip(" .")[:100]
    return base or default


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: Path, data) -> None:
    atomic_write(path, json.dumps(data, ensure_ascii=False, default=str))


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member may not be extracted (None: it may)."""
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return _("the zip holds a file with an absolute path ({name}); zip the CSV files themselves").format(
            name=name)
    if ".." in parts:
        return _("the zip holds a file whose path leaves the archive ({name}); zip the CSV files themselves").format(
            name=name)
    if _is_symlink(info):
        return _("the zip holds a link ({name}), not a file; zip the CSV files themselves").format(name=name)
    if info.flag_bits & 0x1:
        return _("the zip is password-protected; zip the CSV files without a password")
    return None


def extract_csv_zip(archive_path: Path, folder: Path) -> list[str]:
    """Check every member of a zip of CSV files, then extract the CSVs flat into ``folder``.

    Refused (nothing written): absolute paths, ``..``, links, encrypted members, files other
    than ``.csv``, two CSVs of the same name, more than :data:`MAX_ZIP_MEMBERS` members, and
    more unpacked bytes than the intake read limit (counted while extracting, not trusted
    from the archive's directory).
    """
    limit = read_limits().max_bytes
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError):
        raise UploadRefused(_("the zip archive is damaged or incomplete; create it again and upload it")) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadRefused(_("the zip holds {n} files; a study has at most {limit} CSV files").format(
                n=len(members), limit=MAX_ZIP_MEMBERS))
        chosen: dict[str, zipfile.ZipInfo] = {}
        for info in members:
            problem = _member_problem(info)
            if problem:
                raise UploadRefused(problem)
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if info.is_dir() or not base or info.filename.startswith(_JUNK) or base in _JUNK or base.startswith("."):
                continue
            if not base.lower().endswith(".csv"):
                raise UploadRefused(_("the zip holds {name}, which is not a CSV file; a zip may hold only "
                                      "<table>.csv files (one per table of the template)").format(name=info.filename))
            if base in chosen:
                raise UploadRefused(_("the zip holds two files named {name}; keep one").format(name=base))
            chosen[base] = info
        if not chosen:
            raise UploadRefused(_("the zip holds no CSV file; zip the <table>.csv files of the study"))
        if sum(i.file_size for i in chosen.values()) > limit:
            raise UploadRefused(_("the CSV files unpack to more than {mb} MB; upload a smaller study").format(
                mb=limit // (1024 * 1024)))
        folder.mkdir(parents=True)
        written = 0
        for base, info in chosen.items():
            target = (folder / safe_name(base, "table.csv")).resolve()
            if target.parent != folder.resolve():  # cannot happen after safe_name; kept as the last guard
                raise UploadRefused(_("the zip holds a file whose path leaves the archive ({name}); zip the CSV "
                                      "files themselves").format(name=info.filename))
            with archive.open(info) as src, open(target, "xb") as dst:
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > limit:
                        raise UploadRefused(_("the CSV files unpack to more than {mb} MB; upload a smaller "
                                              "study").format(mb=limit // (1024 * 1024)))
                    dst.write(chunk)
        return sorted(chosen)


@dataclass(frozen=True)
class Study:
    """One study's folder (checked id, resolved path) and its metadata."""

    id: str
    path: Path
    meta: dict

    @property
    def data(self) -> Path:
        return self.path / "data"

    def data_path(self) -> Path | None:
        """The uploaded workbook, or the folder of CSV files; None before an upload."""
        if (self.data / "csv").is_dir():
            return self.data / "csv"
        books = sorted(self.data.glob("*.xlsx")) if self.data.is_dir() else []
        return books[0] if books else None

    def run_path(self, run_id: str) -> Path | None:
        if not RUN_PATTERN.match(run_id or ""):
            return None
        path = (self.path / "runs" / run_id).resolve()
        return path if path.parent == (self.path / "runs").resolve() and path.is_dir() else None

    def runs(self) -> list[tuple[str, Path]]:
        """(run id, folder) of every run, newest first."""
        folder = self.path / "runs"
        found = [(p.name, p) for p in folder.iterdir() if p.is_dir() and RUN_PATTERN.match(p.name)] \
            if folder.is_dir() else []
        return sorted(found, key=lambda item: item[1].stat().st_mtime_ns, reverse=True)


class Workspace:
    """The studies under ``root`` (created private to the server's user)."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.studies = self.root / "studies"
        self.studies.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.incoming = self.root / "incoming"
        self.incoming.mkdir(exist_ok=True, mode=0o700)

    def _folder(self, study_id: str) -> Path | None:
        if not isinstance(study_id, str) or not ID_PATTERN.match(study_id):
            return None
        path = (self.studies / study_id).resolve()
        return path if path.parent == self.studies and path.is_dir() else None

    def get(self, study_id: str, owner: str) -> Study | None:
        """The study, if the id is well formed, exists and belongs to ``owner``; else None (a 404)."""
        path = self._folder(study_id)
        if path is None:
            return None
        meta = read_json(path / "meta.json", {})
        if not secrets.compare_digest(str(meta.get("owner", "")), owner):
            return None
        return Study(study_id, path, meta)

    def create(self, owner: str) -> Study:
        study_id = secrets.token_urlsafe(24)
        path = self.studies / study_id
        path.mkdir(mode=0o700)
        meta = {"owner": owner, "created": time.time(), "name": "", "form": None}
        write_json(path / "meta.json", meta)
        return Study(study_id, path, meta)

    def update_meta(self, study: Study, **changes) -> Study:
        meta = {**study.meta, **changes}
        write_json(study.path / "meta.json", meta)
        return Study(study.id, study.path, meta)

    def owned(self, owner: str) -> list[Study]:
        """The owner's studies, newest first."""
        out = []
        for path in self.studies.iterdir():
            study = self.get(path.name, owner)
            if study is not None:
                out.append(study)
        return sorted(out, key=lambda s: s.meta.get("created", 0), reverse=True)

    def incoming_file(self) -> Path:
        """A new private temporary file name for an upload being received."""
        return self.incoming / f"upload-{secrets.token_hex(8)}"

    def store_upload(self, study: Study, received: Path, client_name: str | None) -> tuple[Study, str]:
        """Check ``received`` by content, then make it the study's data; returns (study, kind).

        kind is "xlsx" or "csv". The previous upload is replaced (the folder is swapped
        only once the new one is complete).
        """
        with open(received, "rb") as fh:
            head = fh.read(8)
        shown = safe_name(client_name, "upload")
        new = study.path / f"data.new-{secrets.token_hex(4)}"
        try:
            if not head.startswith(ZIP_MAGICS):
                raise UploadRefused(_("{name} is {what}, not an Excel workbook (.xlsx) or a zip of CSV files; save "
                                      "it as an Excel workbook and upload it again").format(
                                          name=shown, what=workbook_signature(received).what))
            signature = workbook_signature(received)
            if signature.kind == "xlsx":
                new.mkdir()
                name = shown if shown.lower().endswith(".xlsx") else f"{Path(shown).stem or 'study'}.xlsx"
                shutil.move(received, new / name)
                kind = "xlsx"
            elif signature.kind == "damaged":
                raise UploadRefused(_("{name} is a damaged or incomplete file; save it again and upload it").format(
                    name=shown))
            else:
                new.mkdir()
                extract_csv_zip(received, new / "csv")
                kind = "csv"
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        finally:
            received.unlink(missing_ok=True)
        old = study.path / f"data.old-{secrets.token_hex(4)}"
        if study.data.exists():
            os.replace(study.data, old)
        os.replace(new, study.data)
        shutil.rmtree(old, ignore_errors=True)
        for stale in ("validation.json", "annotated.xlsx"):
            (study.path / stale).unlink(missing_ok=True)
        return self.update_meta(study, name=shown, kind=kind), kind

    def delete(self, study: Study) -> None:
        """Delete the study: uploads, settings, runs and outputs (the whole folder)."""
        trash = self.studies / f".deleted-{secrets.token_hex(8)}"
        os.replace(study.path, trash)  # gone from every request at once, then removed
        shutil.rmtree(trash, ignore_errors=True)
