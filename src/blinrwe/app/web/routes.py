"""The pages: home (template, upload, studies), a study (findings, settings, runs), a run (progress, report).

Handlers only move files and call the pipeline through the worker pools; every refusal
is a page saying what was wrong and how to fix it, with nothing stored.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from blinrwe.errors import SpecificationError, UserError
from blinrwe.model.i18n import LANGUAGES, _, language

from . import forms
from .jobs import Busy
from .security import CSRF_COOKIE, CSRF_FIELD, REPORT_CSP, SESSION_COOKIE
from .server import LANG_COOKIE, error_page, finish, page_language, render, static_folder
from .tasks import read_json, spec_for, write_status
from .workspace import Study, UploadRefused, atomic_write, new_run_id

STAGES = ("read and validate", "derive", "analyse", "render")
STAGE_LABELS = {"read and validate": "Reading and checking the data", "derive": "Deriving the analysis data",
                "analyse": "Computing the statistics", "render": "Writing the report"}
MAX_SPEC_BYTES = 1024 * 1024


class TooLarge(Exception):
    pass


def _study_or_none(request: Request) -> Study | None:
    return request.app.state.workspace.get(request.path_params.get("study", ""), request.state.user or "")


def _gone(request: Request) -> Response:
    return error_page(request, 404, _("There is no such study, or it was deleted."),
                      _("Open your studies from the start page."))


async def _form(request: Request, limit: int | None = None):
    """The posted form, checked for size (Content-Length and bytes received) and CSRF token."""
    config = request.app.state.config
    limit = limit or config.max_upload_bytes + 64 * 1024
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    received = 0
    original = request._receive

    async def counting():
        nonlocal received
        message = await original()
        received += len(message.get("body", b""))
        if received > limit:
            raise TooLarge()
        return message

    request._receive = counting
    form = await request.form()
    if not request.app.state.csrf.check(request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD)):
        await form.close()
        raise PermissionError()
    return form


def _refused_form(request: Request, err: Exception) -> Response:
    if isinstance(err, TooLarge):
        mb = request.app.state.config.max_upload_mb
        return error_page(request, 413, _("The file is larger than this server accepts ({mb:g} MB).").format(mb=mb),
                          _("Upload a smaller file (zip CSV files), or ask whoever runs the server to start it with "
                            "a larger --max-upload-mb."))
    return error_page(request, 403, _("The form has expired or did not come from this page."),
                      _("Go back, reload the page and send the form again."))


async def _posted(request: Request, limit: int | None = None):
    try:
        return await _form(request, limit), None
    except (TooLarge, PermissionError) as err:
        return None, _refused_form(request, err)


# --- start page ----------------------------------------------------------------


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
                return None, None, _refused_form(request, TooLarge())
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
    settings = _settings(study)
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
        _write_settings(study, _initial_settings(result.get("form"), lang))
    request.app.state.workspace.update_meta(study, form=result.get("form"))
    return None


def _initial_settings(form: str | None, lang: str) -> dict:
    """The keys whose defaults differ on the data's entry form, and the report language of the page."""
    from ..spec_model import spec_keys

    settings: dict = {}
    for key in spec_keys():
        if key.path in forms.EXCLUDED:
            continue
        value = key.default_for(form or "study")
        if value != key.default:
            settings.setdefault(key.section, {})[key.name] = list(value) if isinstance(value, tuple) else value
    if any(k.path == "report.language" for k in spec_keys()):
        settings.setdefault("report", {})["language"] = lang
    return settings


async def create_study(request: Request) -> Response:
    form, refused = await _posted(request)
    if refused:
        return refused
    received, name, refused = await _receive_upload(request, form)
    await form.close()
    if refused:
        return refused
    workspace = request.app.state.workspace
    study = workspace.create(request.state.user)
    problem = await _store_and_validate(request, study, received, name)
    if problem is not None and problem.status_code == 400:
        workspace.delete(study)  # nothing of a refused upload stays
        return problem
    return problem or RedirectResponse(f"/s/{study.id}", status_code=303)


# --- a study -------------------------------------------------------------------


def _settings(study: Study) -> dict:
    try:
        return forms.read_settings((study.path / "settings.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_settings(study: Study, settings: dict) -> None:
    atomic_write(study.path / "settings.toml", forms.settings_text(settings))


def _settings_lines(settings: dict) -> list[str]:
    lines = []
    for section, values in settings.items():
        if isinstance(values, dict):
            lines += [f"{section}.{k} = {_toml(v)}" for k, v in values.items()]
    return lines


def _toml(value) -> str:
    from ..spec_toml import toml_value

    try:
        return toml_value(value)
    except (TypeError, ValueError):
        return str(value)


def _runs(study: Study) -> list[dict]:
    out = []
    for run_id, folder in study.runs():
        status = read_json(folder / "status.json", {})
        settings = forms.read_settings((folder / "settings.toml").read_text(encoding="utf-8")) \
            if (folder / "settings.toml").exists() else {}
        out.append({"id": run_id, "status": status, "settings": _settings_lines(settings),
                    "has_report": (folder / "output" / "report.html").exists()})
    return out


async def study_page(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    validation = read_json(study.path / "validation.json", {})
    annotated = (study.path / "annotated.xlsx").exists()
    return render(request, "study.html", study=study, validation=validation, annotated=annotated,
                  settings=_settings_lines(_settings(study)), runs=_runs(study),
                  max_mb=request.app.state.config.max_upload_mb)


async def reupload(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    form, refused = await _posted(request)
    if refused:
        return refused
    received, name, refused = await _receive_upload(request, form)
    await form.close()
    if refused:
        return refused
    return await _store_and_validate(request, study, received, name) or \
        RedirectResponse(f"/s/{study.id}", status_code=303)


async def revalidate(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    form, refused = await _posted(request, 64 * 1024)
    if refused:
        return refused
    if study.data_path() is None:
        return RedirectResponse(f"/s/{study.id}", status_code=303)
    return await _validate(request, study) or RedirectResponse(f"/s/{study.id}", status_code=303)


async def annotated(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None or not (study.path / "annotated.xlsx").exists():
        return _gone(request)
    return FileResponse(study.path / "annotated.xlsx", filename=f"annotated-{study.meta.get('name') or 'study.xlsx'}")


async def delete_study(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    form, refused = await _posted(request, 64 * 1024)
    if refused:
        return refused
    request.app.state.workspace.delete(study)
    return RedirectResponse("/", status_code=303)


# --- settings ------------------------------------------------------------------


def _check(study: Study, settings: dict):
    """The specification of ``settings`` on the study's data; raises SpecificationError."""
    data = study.data_path() or study.path / "data" / "study.xlsx"
    return spec_for(settings, data)


def _settings_page(request, study, spec, raw=None, errors=None, general=(), saved=False, status_code=200):
    from ..spec_model import StudySpec

    sections = forms.form_sections(spec or StudySpec(), raw, errors)
    invalid = [c for s in sections for c in s.controls + s.advanced if c.errors]
    return render(request, "settings.html", status_code=status_code, study=study, sections=sections,
                  general=list(general), invalid=invalid, saved=saved)


async def settings_page(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    try:
        spec = _check(study, _settings(study))
    except SpecificationError as err:
        by_key, general = forms.field_errors(str(err))
        return _settings_page(request, study, None, errors=by_key, general=general)
    return _settings_page(request, study, spec, saved=request.query_params.get("saved") == "1")


async def save_settings(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    form, refused = await _posted(request, 1024 * 1024)
    if refused:
        return refused
    settings, raw = forms.parse_form(form)
    action = form.get("action", "save")
    with language(page_language(request)):
        try:
            spec = _check(study, settings)
        except SpecificationError as err:
            by_key, general = forms.field_errors(str(err))
            return _settings_page(request, study, None, raw=raw, errors=by_key, general=general, status_code=400)
    _write_settings(study, settings)
    if action == "run":
        return _start_run(request, study, settings)
    return RedirectResponse(f"/s/{study.id}/settings?saved=1", status_code=303)


async def import_settings(request: Request) -> Response:
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    form, refused = await _posted(request, MAX_SPEC_BYTES + 64 * 1024)
    if refused:
        return refused
    upload = form.get("file")
    text = (await upload.read(MAX_SPEC_BYTES + 1)) if isinstance(upload, UploadFile) else b""
    await form.close()
    try:
        settings = forms.import_settings(text.decode("utf-8"))
    except UnicodeDecodeError:
        return _settings_page(request, study, None, general=[_("The file is not UTF-8 text; save the specification "
                                                               "as a UTF-8 .toml file.")], status_code=400)
    except ValueError as err:
        return _settings_page(request, study, None, general=[_("The file is not valid TOML ({error}); check quotes, "
                                                               "brackets and '=' signs.").format(error=err)],
                              status_code=400)
    with language(page_language(request)):
        try:
            _check(study, settings)
        except SpecificationError as err:
            by_key, general = forms.field_errors(str(err))
            return _settings_page(request, study, None, errors=by_key, general=general, status_code=400)
    _write_settings(study, settings)
    return RedirectResponse(f"/s/{study.id}/settings?saved=1", status_code=303)


async def export_settings(request: Request) -> Response:
    from dataclasses import replace

    from ..spec_toml import commented_toml

    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    try:
        spec = _check(study, _settings(study))
    except SpecificationError as err:
        return error_page(request, 400, _("The saved settings have problems: {error}").format(error=err),
                          _("Correct them on the settings page, then export again."))
    name = study.meta.get("name") or "study.xlsx"
    if study.meta.get("kind") == "csv":
        name = "csv"
    spec = replace(spec, data=replace(spec.data, path=name), report=replace(spec.report, output="blinrwe-output"))
    text = commented_toml(spec, header=_("Study specification exported from the blinrwe web page.\n"
                                         "data.path names the uploaded data; put this file beside it.\n"
                                         "Run with: blinrwe run study.toml"))
    return Response(text, media_type="application/toml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="study.toml"'})


# --- runs ----------------------------------------------------------------------


def _start_run(request: Request, study: Study, settings: dict) -> Response:
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
    study = _study_or_none(request)
    if study is None:
        return _gone(request)
    form, refused = await _posted(request, 64 * 1024)
    if refused:
        return refused
    settings = _settings(study)
    try:
        _check(study, settings)
    except SpecificationError:
        return RedirectResponse(f"/s/{study.id}/settings", status_code=303)
    return _start_run(request, study, settings)


def _run_or_none(request: Request):
    study = _study_or_none(request)
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
    return {"state": state, "stages": stages, "error": status.get("error", "")}


async def run_page(request: Request) -> Response:
    study, folder = _run_or_none(request)
    if folder is None:
        return _gone(request)
    settings = forms.read_settings((folder / "settings.toml").read_text(encoding="utf-8"))
    return render(request, "run.html", study=study, run_id=folder.name, status=_status(folder),
                  settings=_settings_lines(settings), has_report=(folder / "output" / "report.html").exists())


async def run_status(request: Request) -> Response:
    study, folder = _run_or_none(request)
    if folder is None:
        return JSONResponse({"state": "gone"}, status_code=404)
    with language(page_language(request)):
        return JSONResponse(_status(folder))


async def report(request: Request) -> Response:
    study, folder = _run_or_none(request)
    path = folder / "output" / "report.html" if folder is not None else None
    if path is None or not path.is_file():
        return _gone(request)
    return FileResponse(path, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"})


async def bundle(request: Request) -> Response:
    study, folder = _run_or_none(request)
    output = folder / "output" if folder is not None else None
    if output is None or not output.is_dir():
        return _gone(request)
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
        return _gone(request)
    form, refused = await _posted(request, 64 * 1024)
    if refused:
        return refused
    shutil.rmtree(folder, ignore_errors=True)
    return RedirectResponse(f"/s/{study.id}", status_code=303)


# --- sign in -------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    return render(request, "login.html", failed=False, users=bool(request.app.state.access.users))


async def login(request: Request) -> Response:
    form, refused = await _posted(request, 64 * 1024)
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
    form, refused = await _posted(request, 64 * 1024)
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
