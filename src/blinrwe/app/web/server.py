"""The web application: configuration, page rendering, middleware, and ``blinrwe serve``.

The page is server-rendered (Starlette + Jinja2 with autoescaping, a little JavaScript for
the findings filter and the run progress) and calls only the pipeline, through worker
processes (:mod:`.jobs`). Every page is produced inside ``language(<the user's choice>)``
so that ``_()`` everywhere (page, template, findings, report) speaks that language.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import secrets
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from blinrwe.model.i18n import LANGUAGE_NAMES, LANGUAGES, _, language

from .jobs import Jobs
from .security import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, Access, AccessLog, Csrf, SecurityHeaders
from .workspace import Workspace

__all__ = ["WebConfig", "create_app", "serve", "render", "is_loopback"]

log = logging.getLogger("blinrwe.web")
LANG_COOKIE = "blinrwe_lang"


@dataclass
class WebConfig:
    """What ``blinrwe serve`` was started with."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    users: dict = field(default_factory=dict)
    max_upload_mb: float = 50
    workers: int = 2
    queue: int = 8

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("blinrwe.app.web", "templates"),
    autoescape=True,  # every value from a workbook or a user is HTML-escaped
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accepted = request.headers.get("accept-language", "").lower()
    return "zh" if accepted.startswith("zh") else "en"


def csrf_token(request: Request) -> str:
    app = request.app.state
    cookie = request.cookies.get(CSRF_COOKIE)
    token = cookie if app.csrf.valid(cookie) else getattr(request.state, "new_csrf", None)
    if token is None:
        token = request.state.new_csrf = app.csrf.new_token()
    return token


def finish(request: Request, response: Response) -> Response:
    """Set the CSRF cookie when this request made a new token."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")
    return response


def render(request: Request, template: str, status_code: int = 200, **context) -> Response:
    """A page in the user's language (autoescaped), with the CSRF token of its forms."""
    lang = page_language(request)
    with language(lang):
        html = _env.get_template(template).render(
            _=_, lang=lang, languages=LANGUAGE_NAMES, csrf_field=CSRF_FIELD, csrf=csrf_token(request),
            user=getattr(request.state, "user", None), login_required=request.app.state.access.required,
            path=request.url.path, **context)
    return finish(request, HTMLResponse(html, status_code=status_code))


def error_page(request: Request, status_code: int, message: str, hint: str = "") -> Response:
    return render(request, "error.html", status_code=status_code, message=message, hint=hint)


class ErrorPage:
    """ASGI middleware: an unexpected error becomes a plain page (no traceback) and one log line (its type)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = {"yes": False}

        async def sending(message):
            if message["type"] == "http.response.start":
                started["yes"] = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as err:  # a bug: type and place only, the message may quote data
            frame = err.__traceback__
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            where = f"{Path(frame.tb_frame.f_code.co_filename).name}:{frame.tb_lineno}" if frame else "?"
            log.error("internal error %s at %s", type(err).__name__, where)
            if started["yes"]:
                return
            request = Request(scope, receive)
            response = error_page(request, 500, _("Something went wrong on the server; nothing was changed."),
                                  _("Go back and try again; if it happens again, tell the person who runs this "
                                    "server (the server log names the error)."))
            await response(scope, receive, send)


class Guard:
    """ASGI middleware: who the user is (or a redirect to the login page)."""

    OPEN = ("/login", "/static/", "/lang/")

    def __init__(self, app, access: Access):
        self.app = app
        self.access = access

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope, receive)
        user = self.access.user(request.cookies.get(SESSION_COOKIE))
        scope.setdefault("state", {})["user"] = user
        if user is None and not scope["path"].startswith(self.OPEN):
            response = RedirectResponse("/login", status_code=303) if scope["method"] == "GET" else \
                Response(status_code=403)
            return await response(scope, receive, send)
        with language(page_language(request)):  # every _() of this request speaks the user's language
            await self.app(scope, receive, send)


def create_app(config: WebConfig, jobs: Jobs | None = None) -> Starlette:
    """The ASGI application for ``config`` (a test passes its own Jobs)."""
    from .routes import ROUTES, not_found, not_allowed

    secret = secrets.token_bytes(32)
    jobs = jobs or Jobs(workers=config.workers, queue=config.queue, validate_workers=config.workers)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        jobs.warm()
        yield

    access = Access(secret=secret, token=config.token, users=dict(config.users))
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(AccessLog), Middleware(SecurityHeaders), Middleware(ErrorPage),
                    Middleware(Guard, access=access)],
        exception_handlers={404: not_found, 405: not_allowed},
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.workspace = Workspace(config.data_dir)
    app.state.jobs = jobs
    app.state.csrf = Csrf(secret)
    app.state.access = access
    return app


def static_folder() -> str:
    return str(resources.files("blinrwe.app.web") / "static")


def serve(config: WebConfig) -> int:
    """Start the server (blocking); refuses a shared address without access control."""
    import uvicorn

    from blinrwe.errors import UserError

    if not is_loopback(config.host) and not (config.token or config.users):
        raise UserError(f"--host {config.host} makes the page reachable from other computers; give an access token "
                        "(--token, or the BLINRWE_TOKEN environment variable) or a users file (--users FILE). "
                        "See the README, 'Running behind a reverse proxy'.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    jobs = Jobs(workers=config.workers, queue=config.queue, validate_workers=config.workers)
    app = create_app(config, jobs)
    shown = f"[{config.host}]" if ":" in config.host else config.host
    print(f"blinrwe web page: http://{shown}:{config.port}/  (Ctrl-C to stop)", flush=True)
    if config.token:
        print("Sign in with the access token you gave.", flush=True)
    try:
        uvicorn.run(app, host=config.host, port=config.port, access_log=False, log_config=None,
                    server_header=False, proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    finally:
        jobs.shutdown()
    return 0
