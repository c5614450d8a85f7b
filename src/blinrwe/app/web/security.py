"""Access, CSRF, security headers and a log that names no study.

* Access: on loopback without ``--token``/``--users`` anyone on the computer may use the
  page (owner "local"). With a token or a users file every request but the login page and
  the static files needs a signed session cookie (HMAC-SHA256 of user and expiry under a
  secret made at start-up), given by ``/login``.
* CSRF: hand-rolled signed double-submit. Starlette ships no CSRF protection and the
  page needs only this: a random nonce and its HMAC under the server secret are set as a
  SameSite=Strict cookie and repeated as a hidden field of every form; a POST is accepted
  only when both are present, equal and correctly signed. A site that cannot read the
  cookie cannot forge the field, and a cookie planted by another origin fails the signature.
* Headers: a content security policy with no inline script, no framing of the page
  (``frame-ancestors 'none'``), nosniff, no referrer, no caching of study pages; the report
  frame gets its own policy (:data:`REPORT_CSP`, sandboxed, no script at all).
* Log: method, path with study and run ids replaced by ``<id>``, status and milliseconds;
  never a query string, a body, a cell value or an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Access", "Csrf", "SecurityHeaders", "AccessLog", "redact_path", "PAGE_CSP", "REPORT_CSP",
           "hash_password", "read_users"]

log = logging.getLogger("blinrwe.web")

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
#: The self-contained report: inline styles and data: images only, never a script, only inside our page.
REPORT_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
              "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
SESSION_COOKIE = "blinrwe_session"
CSRF_COOKIE = "blinrwe_csrf"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 12 * 3600


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


class Csrf:
    """Signed double-submit tokens (see the module docstring)."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def new_token(self) -> str:
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{_sign(self.secret, 'csrf:' + nonce)}"

    def valid(self, token: str | None) -> bool:
        if not token or "." not in token:
            return False
        nonce, _, sig = token.partition(".")
        return hmac.compare_digest(sig, _sign(self.secret, "csrf:" + nonce))

    def check(self, cookie: str | None, field_value: str | None) -> bool:
        return bool(cookie and field_value) and hmac.compare_digest(cookie, field_value) and self.valid(cookie)


def hash_password(password: str, *, salt: str | None = None, iterations: int = 200_000) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>``: the form of a password in a users file."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def _password_ok(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        mine = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex()
    except ValueError:
        return False
    return hmac.compare_digest(mine, digest)


def read_users(path: Path) -> dict[str, str]:
    """A users file: one ``name:pbkdf2_sha256$...`` line per user (``#`` comments; see the README)."""
    users = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, stored = line.partition(":")
        if not sep or not re.fullmatch(r"[\w.@-]{1,64}", name) or not stored.startswith("pbkdf2_sha256$"):
            raise ValueError(f"{path}, line {number}: write name:pbkdf2_sha256$... (make the hash with "
                             "`python -m blinrwe.app.web.security`)")
        users[name] = stored
    if not users:
        raise ValueError(f"{path} names no user; add a line name:pbkdf2_sha256$...")
    return users


@dataclass
class Access:
    """Who may use the page: nobody to check (loopback), one shared token, or named users."""

    secret: bytes
    token: str | None = None
    users: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return bool(self.token or self.users)

    def login(self, name: str, password: str) -> str | None:
        """The user's name when the credentials are right, else None."""
        if self.users:
            stored = self.users.get(name or "")
            return name if stored and _password_ok(password or "", stored) else None
        if self.token and hmac.compare_digest((password or "").encode(), self.token.encode()):
            return "token"
        return None

    def session(self, user: str) -> str:
        expiry = int(time.time()) + SESSION_SECONDS
        return f"{user}|{expiry}|{_sign(self.secret, f'session:{user}|{expiry}')}"

    def user(self, cookie: str | None) -> str | None:
        """The signed-in user of a session cookie ("local" when no access control), else None."""
        if not self.required:
            return "local"
        try:
            user, expiry, sig = (cookie or "").split("|")
        except ValueError:
            return None
        if not hmac.compare_digest(sig, _sign(self.secret, f"session:{user}|{expiry}")) or int(expiry) < time.time():
            return None
        return user


_REDACTIONS = (
    (re.compile(r"/s/[^/?#]+"), "/s/<id>"),
    (re.compile(r"/runs/[^/?#]+"), "/runs/<id>"),
)


def redact_path(path: str) -> str:
    """The path as logged: study and run ids (secrets) replaced, nothing after the path."""
    path = path.split("?", 1)[0]
    for pattern, replacement in _REDACTIONS:
        path = pattern.sub(replacement, path)
    return path


class AccessLog:
    """ASGI middleware: one log line per request (method, redacted path, status, ms)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = {"code": 500}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - start) * 1000
            log.info("%s %s %d %.0f ms", scope["method"], redact_path(scope["path"]), status["code"], ms)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (a response may set its own CSP)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                names = {k.lower() for k, _ in headers}
                defaults = {
                    b"content-security-policy": PAGE_CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"x-frame-options": b"DENY",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"cross-origin-resource-policy": b"same-origin",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                }
                if not scope["path"].startswith("/static/"):
                    defaults[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in defaults.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def main() -> None:  # python -m blinrwe.app.web.security: a users-file line for a new password
    import getpass

    name = input("user name: ").strip()
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise SystemExit("the two passwords differ")
    print(f"{name}:{hash_password(password)}")


if __name__ == "__main__":
    main()
