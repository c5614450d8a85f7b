"""The settings pages: the generated form, saving it, importing and exporting the specification file."""

from __future__ import annotations


from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from blinrwe.errors import SpecificationError
from blinrwe.model.i18n import _

from . import forms
from .pages import check_settings, gone, posted, saved_settings, study_or_none, write_settings
from .run_pages import start_run_for
from .server import error_page, render

MAX_SPEC_BYTES = 1024 * 1024


def _settings_page(request, study, spec, raw=None, errors=None, general=(), saved=False, status_code=200):
    from ..spec_document import StudySpec

    sections = forms.form_sections(spec or StudySpec(), raw, errors)
    invalid = [c for s in sections for c in s.controls + s.advanced if c.errors]
    return render(request, "settings.html", status_code=status_code, study=study, sections=sections,
                  general=list(general), invalid=invalid, saved=saved)


async def settings_page(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    try:
        spec = check_settings(study, saved_settings(study))
    except SpecificationError as err:
        by_key, general = forms.field_errors(str(err))
        return _settings_page(request, study, None, errors=by_key, general=general)
    return _settings_page(request, study, spec, saved=request.query_params.get("saved") == "1")


async def save_settings(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    form, refused = await posted(request, 1024 * 1024)
    if refused:
        return refused
    settings, raw = forms.parse_form(form)
    action = form.get("action", "save")
    try:
        check_settings(study, settings)
    except SpecificationError as err:
        by_key, general = forms.field_errors(str(err))
        return _settings_page(request, study, None, raw=raw, errors=by_key, general=general, status_code=400)
    write_settings(study, settings)
    if action == "run":
        return start_run_for(request, study, settings)
    return RedirectResponse(f"/s/{study.id}/settings?saved=1", status_code=303)


async def import_settings(request: Request) -> Response:
    study = study_or_none(request)
    if study is None:
        return gone(request)
    form, refused = await posted(request, MAX_SPEC_BYTES + 64 * 1024)
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
    try:
        check_settings(study, settings)
    except SpecificationError as err:
        by_key, general = forms.field_errors(str(err))
        return _settings_page(request, study, None, errors=by_key, general=general, status_code=400)
    write_settings(study, settings)
    return RedirectResponse(f"/s/{study.id}/settings?saved=1", status_code=303)


async def export_settings(request: Request) -> Response:
    from dataclasses import replace

    from ..spec_toml import commented_toml

    study = study_or_none(request)
    if study is None:
        return gone(request)
    try:
        spec = check_settings(study, saved_settings(study))
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
