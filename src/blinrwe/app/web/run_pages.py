"""The run pages: start a run, its progress, the report in a sandboxed frame, the zip, delete a run."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from blinrwe.errors import SpecificationError
from blinrwe.model.i18n import _

from . import forms
from .jobs import Busy
from .pages import check_settings, gone, posted, saved_settings, settings_lines, study_or_none
from .security import REPORT_CSP
from .server import error_page, page_language, render
from .tasks import read_json
from .workspace import Study, new_run_id


STAGES = ("read and validate", "derive", "analyse", "render")
STAGE_LABELS = {"read and validate": "Reading and checking the data", "derive": "Deriving the analysis data",
                "analyse": "Computing the statistics", "render": "Writing the report"}


def start_run_for(request: Request, study: Study, settings: dict) -> Response:
    data = study.data_path()
    if data is None:
        return error_page(request, 400, _("Upload the study's data before running it."), "")
    run_id = new_run_id()
    run_dir = study.path / "runs" / run_id
    run_dir.mkdir(parents=True)
    (run_dir / "settings.toml").write_text(forms.settings_text(settings), encoding="utf-8")
    try:
        request.app.state.jobs.start_run(run_dir, data, settings, page_language(request))
    except Busy:
        import shutil

        shutil.rmtree(run_dir, ignore_errors=True)
        return error_page(request, 503, _("Every worker is busy and the queue is full."),
                          _("Nothing was started. Try again in a few minutes, when other runs have finished."))
    return RedirectResponse(f"/s/{study.id}/runs/{run_id}", status_code=303)


async def start_run(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    form, refused = await posted(request, 64 * 1024)
    if refused:
        return refused
    settings = saved_settings(study)
    try:
        check_settings(study, settings)
    except SpecificationError:
        return RedirectResponse(f"/s/{study.id}/settings", status_code=303)
    return start_run_for(request, study, settings)


def _run_or_none(request: Request):
    study = study_or_none(request)
    if study is None:
        return None, None
    return study, study.run_path(request.path_params.get("run", ""))


def _status(folder: Path) -> dict:
    status = read_json(folder / "status.json", {})
    done = set(status.get("done", ()))
    stage = status.get("stage", "")
    state = status.get("state", "queued")
    stages = []
    for name in STAGES:
        if name in done or state == "done":
            mark = "done"
        elif name == stage and state == "running":
            mark = "running"
        elif name == stage and state == "failed":
            mark = "failed"
        else:
            mark = "waiting"
        stages.append({"name": name, "label": _(STAGE_LABELS[name]), "state": mark})
    return {"state": state, "stages": stages, "error": status.get("error", ""), "notes": status.get("notes", [])}


async def run_page(request: Request) -> Response:
    study, folder = _run_or_none(request)
    if folder is None:
        return gone(request)
    settings = forms.read_settings((folder / "settings.toml").read_text(encoding="utf-8"))
    return render(request, "run.html", study=study, run_id=folder.name, status=_status(folder),
                  settings=settings_lines(settings), has_report=(folder / "output" / "report.html").exists())


async def run_status(request: Request) -> Response:
    study, folder = _run_or_none(request)
    if folder is None:
        return JSONResponse({"state": "gone"}, status_code=404)
    return JSONResponse(_status(folder))


async def report(request: Request) -> Response:
    study, folder = _run_or_none(request)
    path = folder / "output" / "report.html" if folder is not None else None
    if path is None or not path.is_file():
        return gone(request)
    return FileResponse(path, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"})


async def bundle(request: Request) -> Response:
    study, folder = _run_or_none(request)
    output = folder / "output" if folder is not None else None
    if output is None or not output.is_dir():
        return gone(request)
    def zipped() -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(output.rglob("*")):
                if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                    archive.write(path, Path("blinrwe-output") / path.relative_to(output))
        return buffer.getvalue()

    return Response(await run_in_threadpool(zipped), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="blinrwe-report.zip"'})


async def delete_run(request: Request) -> Response:
    import shutil

    study, folder = _run_or_none(request)
    if folder is None:
        return gone(request)
    form, refused = await posted(request, 64 * 1024)
    if refused:
        return refused
    shutil.rmtree(folder, ignore_errors=True)
    return RedirectResponse(f"/s/{study.id}", status_code=303)
