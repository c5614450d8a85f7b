"""What every page handler needs: the study of a request, a checked form, the study's saved settings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from blinrwe.model.i18n import _

from . import forms
from .security import CSRF_COOKIE, CSRF_FIELD
from .server import error_page
from .tasks import spec_for
from .workspace import Study, atomic_write


class TooLarge(Exception):
    pass


def study_or_none(request: Request) -> Study | None:
    return request.app.state.workspace.get(request.path_params.get("study", ""), request.state.user or "")


def gone(request: Request) -> Response:
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


def refused_form(request: Request, err: Exception) -> Response:
    if isinstance(err, TooLarge):
        mb = request.app.state.config.max_upload_mb
        return error_page(request, 413, _("The file is larger than this server accepts ({mb:g} MB).").format(mb=mb),
                          _("Upload a smaller file (zip CSV files), or ask whoever runs the server to start it with "
                            "a larger --max-upload-mb."))
    return error_page(request, 403, _("The form has expired or did not come from this page."),
                      _("Go back, reload the page and send the form again."))


async def posted(request: Request, limit: int | None = None):
    try:
        return await _form(request, limit), None
    except (TooLarge, PermissionError) as err:
        return None, refused_form(request, err)


def saved_settings(study: Study) -> dict:
    try:
        return forms.read_settings((study.path / "settings.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_settings(study: Study, settings: dict) -> None:
    atomic_write(study.path / "settings.toml", forms.settings_text(settings))


def settings_lines(settings: dict) -> list[str]:
    lines = []
    for section, values in settings.items():
        if isinstance(values, dict):
            lines += [f"{section}.{k} = {toml_text(v)}" for k, v in values.items()]
    return lines


def toml_text(value) -> str:
    from ..spec_toml import toml_value

    try:
        return toml_value(value)
    except (TypeError, ValueError):
        return str(value)


def check_settings(study: Study, settings: dict):
    """The specification of ``settings`` on the study's data; raises SpecificationError."""
    data = study.data_path() or study.path / "data" / "study.xlsx"
    return spec_for(settings, data)
