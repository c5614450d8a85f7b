"""The pages: home (template, upload, studies), a study (findings, settings, runs), a run (progress, report).

Handlers only move files and call the pipeline through the worker pools; every refusal
is a page saying what was wrong and how to fix it, with nothing stored.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from blinrwe.model.i18n import LANGUAGES, _, language, translate

from . import forms
from .jobs import Busy
from .pages import TooLarge, gone, posted, refused_form, saved_settings, settings_lines, study_or_none, write_settings
from .run_pages import bundle, delete_run, report, run_page, run_status, start_run
from .security import SESSION_COOKIE
from .server import LANG_COOKIE, error_page, finish, page_language, render, static_folder
from .settings_pages import export_settings, import_settings, save_settings, settings_page
from .tasks import read_json
from .workspace import Study, UploadRefused


async def home(request: Request) -> Response:
    studies = request.app.state.workspace.owned(request.state.user)
    listed = [(s, read_json(s.path / "validation.json", {})) for s in studies]
    return render(request, "home.html", studies=listed, max_mb=request.app.state.config.max_upload_mb)


async def set_language(request: Request) -> Response:
    code = request.path_params["code"]
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return response


async def template(request: Request) -> Response:
    from blinrwe.intake import write_template

    form = request.path_params["form"]
    if form not in ("study", "summary"):
        return error_page(request, 404, _("There is no such template."), _("Choose the study or the summary form."))
    lang = page_language(request)

    def written() -> bytes:
        with tempfile.TemporaryDirectory() as folder, language(lang):
            path = Path(folder) / "template.xlsx"
            write_template(path, form=form)
            return path.read_bytes()

    body = await run_in_threadpool(written)  # the page never waits for a workbook being written
    name = f"blinrwe-{form}-template-{lang}.xlsx"
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _receive_upload(request: Request, form) -> tuple[Path | None, str | None, Response | None]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, None, error_page(request, 400, _("No file was chosen."),
                                      _("Choose a workbook (.xlsx) or a zip of CSV files, then press Upload."))
    received = request.app.state.workspace.incoming_file()
    limit = request.app.state.config.max_upload_bytes
    size = 0
    with open(received, "xb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                received.unlink(missing_ok=True)
                return None, None, refused_form(request, TooLarge())
            out.write(chunk)
    if size == 0:
        received.unlink(missing_ok=True)
        return None, None, error_page(request, 400, _("The file is empty (0 bytes)."),
                                      _("Choose the saved workbook and upload it again."))
    return received, upload.filename, None


async def _store_and_validate(request: Request, study: Study, received: Path, name: str) -> Response | None:
    workspace = request.app.state.workspace
    try:
        study, _kind = await run_in_threadpool(workspace.store_upload, study, received, name)
    except UploadRefused as err:
        return error_page(request, 400, _("This upload was not accepted: {why}.").format(why=err),
                          _("Nothing was stored. Upload an Excel workbook (.xlsx) written from the template, or a "
                            "zip of its tables as CSV files."))
    return await _validate(request, study)


async def _validate(request: Request, study: Study) -> Response | None:
    settings = saved_settings(study)
    lang = page_language(request)
    try:
        result = await request.app.state.jobs.validate(study.path, study.data_path(), settings, lang)
    except Busy:
        return error_page(request, 503, _("The server is busy checking other uploads."),
                          _("Your file is stored; press 'Check again' on the study page in a minute."))
    except RuntimeError:
        return error_page(request, 500, _("The check of the file stopped unexpectedly."),
                          _("Your file is stored; press 'Check again' on the study page."))
    if not (study.path / "settings.toml").exists():
        write_settings(study, _initial_settings(result.get("form"), lang))
    request.app.state.workspace.update_meta(study, form=result.get("form"))
    return None


def _initial_settings(form: str | None, lang: str) -> dict:
    """The keys whose defaults differ on the data's entry form, and the report language of the page."""
    from ..spec_document import spec_keys

    settings: dict = {}
    for key in spec_keys():
        if key.path in forms.EXCLUDED:
            continue
        value = key.default_for(form or "study")
        if value != key.default:
            settings.setdefault(key.section, {})[key.name] = list(value) if isinstance(value, tuple) else value
    if any(k.path == "report.language" for k in spec_keys()):
        settings.setdefault("report", {})["language"] = lang
    if lang != "en":  # the report's default title in the page's language (report.toml has it; user may change it)
        title = translate("Blinatumomab real-world study", lang)
        if title != "Blinatumomab real-world study":
            settings.setdefault("study", {})["title"] = title
    return settings


async def _posted_upload(request: Request):
    """The posted form's file (CSRF checked, size and type judged): (bytes, name, None) or (None, None, refusal)."""
    form, refused = await posted(request)
    if refused:
        return None, None, refused
    received, name, refused = await _receive_upload(request, form)
    await form.close()
    return received, name, refused


async def create_study(request: Request) -> Response:
    received, name, refused = await _posted_upload(request)
    if refused:
        return refused
    workspace = request.app.state.workspace
    study = workspace.create(request.state.user)
    problem = await _store_and_validate(request, study, received, name)
    if problem is not None and problem.status_code == 400:
        workspace.delete(study)  # nothing of a refused upload stays
        return problem
    return problem or RedirectResponse(f"/s/{study.id}", status_code=303)


def _runs(study: Study) -> list[dict]:
    out = []
    for run_id, folder in study.runs():
        status = read_json(folder / "status.json", {})
        settings = forms.read_settings((folder / "settings.toml").read_text(encoding="utf-8")) \
            if (folder / "settings.toml").exists() else {}
        out.append({"id": run_id, "status": status, "settings": settings_lines(settings),
                    "has_report": (folder / "output" / "report.html").exists()})
    return out


async def study_page(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    validation = read_json(study.path / "validation.json", {})
    annotated = (study.path / "annotated.xlsx").exists()
    return render(request, "study.html", study=study, validation=validation, annotated=annotated,
                  settings=settings_lines(saved_settings(study)), runs=_runs(study),
                  max_mb=request.app.state.config.max_upload_mb)


async def reupload(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    received, name, refused = await _posted_upload(request)
    if refused:
        return refused
    return await _store_and_validate(request, study, received, name) or \
        RedirectResponse(f"/s/{study.id}", status_code=303)


async def revalidate(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    form, refused = await posted(request, 64 * 1024)
    if refused:
        return refused
    if study.data_path() is None:
        return RedirectResponse(f"/s/{study.id}", status_code=303)
    return await _validate(request, study) or RedirectResponse(f"/s/{study.id}", status_code=303)


async def annotated(request: Request) -> Response:
    study = study_or_none(request)
    if study is None or not (study.path / "annotated.xlsx").exists():
        return gone(request)
    return FileResponse(study.path / "annotated.xlsx", filename=f"annotated-{study.meta.get('name') or 'study.xlsx'}")


async def delete_study(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    form, refused = await posted(request, 64 * 1024)
    if refused:
        return refused
    request.app.state.workspace.delete(study)
    return RedirectResponse("/", status_code=303)


async def login_page(request: Request) -> Response:
    return render(request, "login.html", failed=False, users=bool(request.app.state.access.users))


async def login(request: Request) -> Response:
    form, refused = await posted(request, 64 * 1024)
    if refused:
        return refused
    access = request.app.state.access
    user = access.login(str(form.get("name", "")), str(form.get("password", "")))
    if user is None:
        return render(request, "login.html", status_code=403, failed=True, users=bool(access.users))
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, access.session(user), httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return finish(request, response)


async def logout(request: Request) -> Response:
    form, refused = await posted(request, 64 * 1024)
    if refused:
        return refused
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def not_found(request: Request, exc) -> Response:
    return error_page(request, 404, _("There is no such page."), _("Start again from the start page."))


async def not_allowed(request: Request, exc) -> Response:
    return error_page(request, 405, _("This address does not accept that kind of request."),
                      _("Use the buttons of the page."))


ROUTES = [
    Route("/", home),
    Route("/lang/{code}", set_language),
    Route("/template/{form}.xlsx", template),
    Route("/studies", create_study, methods=["POST"]),
    Route("/s/{study}", study_page),
    Route("/s/{study}/upload", reupload, methods=["POST"]),
    Route("/s/{study}/validate", revalidate, methods=["POST"]),
    Route("/s/{study}/annotated.xlsx", annotated),
    Route("/s/{study}/delete", delete_study, methods=["POST"]),
    Route("/s/{study}/settings", settings_page),
    Route("/s/{study}/settings", save_settings, methods=["POST"]),
    Route("/s/{study}/settings/import", import_settings, methods=["POST"]),
    Route("/s/{study}/settings/export", export_settings),
    Route("/s/{study}/runs", start_run, methods=["POST"]),
    Route("/s/{study}/runs/{run}", run_page),
    Route("/s/{study}/runs/{run}/status", run_status),
    Route("/s/{study}/runs/{run}/report", report),
    Route("/s/{study}/runs/{run}/bundle.zip", bundle),
    Route("/s/{study}/runs/{run}/delete", delete_run, methods=["POST"]),
    Route("/login", login_page),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Mount("/static", StaticFiles(directory=static_folder()), name="static"),
]
