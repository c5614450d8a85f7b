"""Refusals, each asserting that nothing was stored or shown: CSRF, other studies, uploads, escaping, errors, log."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import Path

import pytest

from blinrwe.app.web import security
from blinrwe.app.web.security import Access, Csrf, hash_password, read_users, redact_path

from .conftest import csrf, upload


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _studies(client) -> list[Path]:
    root = client.app.state.workspace.studies
    return [p for p in root.iterdir()]


# --- the pieces -----------------------------------------------------------------


def test_csrf_tokens_are_signed_and_must_match_the_cookie():
    one, other = Csrf(b"k" * 32), Csrf(b"z" * 32)
    token = one.new_token()
    assert one.check(token, token)
    assert not one.check(token, None) and not one.check(None, token) and not one.check("", "")
    assert not one.check(token, one.new_token())  # another form's token
    assert not other.check(token, token)  # planted by someone without the secret
    nonce = token.split(".")[0]
    assert not one.check(nonce + ".00", nonce + ".00")


def test_sessions_are_signed_and_expire(monkeypatch):
    access = Access(secret=b"s" * 32, token="a-long-access-token")
    assert access.login("", "wrong") is None and access.login("", "a-long-access-token") == "token"
    cookie = access.session("token")
    assert access.user(cookie) == "token"
    user, expiry, sig = cookie.split("|")
    assert access.user(f"admin|{expiry}|{sig}") is None
    assert access.user("garbage") is None and access.user(None) is None
    monkeypatch.setattr(security.time, "time", lambda: int(expiry) + 1)
    assert access.user(cookie) is None
    assert Access(secret=b"s" * 32).user(None) == "local"  # loopback without access control


def test_users_file_holds_hashes_and_bad_lines_say_how_to_fix(tmp_path):
    path = tmp_path / "users"
    path.write_text(f"# team\nalice:{hash_password('correct horse', iterations=1000)}\n", encoding="utf-8")
    access = Access(secret=b"s" * 32, users=read_users(path))
    assert access.login("alice", "correct horse") == "alice"
    assert access.login("alice", "wrong") is None and access.login("bob", "correct horse") is None
    path.write_text("alice:plaintext\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1.*pbkdf2_sha256"):
        read_users(path)


@pytest.mark.parametrize("path, logged", [
    ("/s/SCggXJomULgz0-zUcn9DpZAhtD2SvevM/runs/AbCdEfGhIjKl/report", "/s/<id>/runs/<id>/report"),
    ("/s/SCggXJomULgz0-zUcn9DpZAhtD2SvevM?x=secret", "/s/<id>"),
    ("/template/study.xlsx", "/template/study.xlsx"),
])
def test_ids_and_queries_never_reach_the_log(path, logged):
    assert redact_path(path) == logged


# --- against the application -----------------------------------------------------


def test_every_response_carries_the_security_headers(client):
    page = client.get("/")
    headers = page.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert "<script>" not in page.text.replace('<script src="/static/app.js" defer></script>', "")  # no inline script


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_stored(client, workbooks):
    before = _files(client.app.state.workspace.root)
    for token in ("", "forged.token", csrf(client) + "x"):
        response = upload(client, workbooks["good"], token=token)
        assert response.status_code == 403
        assert "expired" in response.text
    assert _files(client.app.state.workspace.root) == before
    client.cookies.clear()  # no cookie: the field alone is not enough
    page = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.cookies.clear()
    assert upload(client, workbooks["good"], token=token).status_code == 403
    assert _studies(client) == []


def test_another_studys_id_reads_nothing(app_factory, workbooks):
    from starlette.testclient import TestClient

    app = app_factory(token="a-long-access-token-1")
    with TestClient(app, follow_redirects=False) as alice, TestClient(app, follow_redirects=False) as bob:
        for c in (alice, bob):
            c.post("/login", data={"password": "a-long-access-token-1", "csrf_token": csrf(c, "/login")})
        # sessions of the same token share one owner; make bob another user by hand
        bob.cookies.set("blinrwe_session", app.state.access.session("bob"))
        made = upload(alice, workbooks["bad"])
        assert made.status_code == 303
        location = made.headers["location"]
        assert alice.get(location).status_code == 200
        page = bob.get(location)
        assert page.status_code == 404 and "weight_kg" not in page.text and "heavy" not in page.text
        for suffix in ("/settings", "/settings/export", "/annotated.xlsx", "/runs/AAAAAAAAAAAA",
                       "/runs/AAAAAAAAAAAA/report", "/runs/AAAAAAAAAAAA/bundle.zip"):
            assert bob.get(location + suffix).status_code == 404
        token = csrf(bob)
        assert bob.post(location + "/delete", data={"csrf_token": token}).status_code == 404
        assert alice.get(location).status_code == 200  # still there
        for guess in ("/s/../../etc/passwd", "/s/%2e%2e%2f%2e%2e", "/s/" + "A" * 32, "/s/" + location[3:-1] + "B"):
            response = bob.get(guess)
            assert response.status_code == 404 and "patients" not in response.text


@pytest.mark.parametrize("name", ["../../../escape.xlsx", "/tmp/escape.xlsx", "..\\..\\escape.xlsx"])
def test_a_traversing_file_name_is_stored_under_a_harmless_name_inside_the_study(client, workbooks, name, tmp_path):
    response = upload(client, workbooks["good"], name=name)
    assert response.status_code == 303
    [study] = _studies(client)
    assert (study / "data" / "escape.xlsx").is_file()
    root = client.app.state.workspace.root
    assert not (root.parent / "escape.xlsx").exists() and not Path("/tmp/escape.xlsx").exists()


def test_a_zip_with_traversing_members_is_refused_and_nothing_is_stored(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("patients.csv", "patient_id\nP1\n")
        archive.writestr("../../escape.csv", "stolen\n")
    response = upload(client, buffer.getvalue(), name="study.zip")
    assert response.status_code == 400 and "leaves the archive" in response.text
    assert _studies(client) == []
    root = client.app.state.workspace.root
    assert not any(p.name == "escape.csv" for p in root.parent.rglob("escape.csv"))
    assert not list(client.app.state.workspace.incoming.iterdir())


def test_an_oversize_upload_is_refused_and_nothing_is_stored(app_factory, workbooks):
    from starlette.testclient import TestClient

    with TestClient(app_factory(max_upload_mb=0.01), follow_redirects=False) as c:  # about 10 kB
        response = upload(c, b"PK\x03\x04" + b"0" * 200_000, name="big.xlsx")
        assert response.status_code == 413 and "larger than this server accepts" in response.text
        assert _studies(c) == [] and not list(c.app.state.workspace.incoming.iterdir())


@pytest.mark.parametrize("body, what", [
    (b"patient_id,sex\nP1,M\n", "CSV"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "OLE"),
    (b"%PDF-1.7 not a workbook", "text file"),
])
def test_a_mislabelled_upload_is_refused_by_its_content(client, body, what):
    response = upload(client, body, name="study.xlsx")
    assert response.status_code == 400 and what in response.text
    assert "Traceback" not in response.text
    assert _studies(client) == []


def test_html_and_script_in_cell_values_are_shown_as_text(client, workbooks):
    response = upload(client, workbooks["bad"])
    page = client.get(response.headers["location"])
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text


def test_no_traceback_reaches_the_page_and_the_log_names_only_the_error_type(client, workbooks, monkeypatch, caplog):
    from blinrwe.app.web import routes

    location = upload(client, workbooks["good"]).headers["location"]

    def broken(*args, **kwargs):
        raise ValueError("cell value SECRET-P042 leaked?")

    monkeypatch.setattr(routes, "_runs", broken)
    with caplog.at_level(logging.INFO, logger="blinrwe.web"):
        page = client.get(location)
    assert page.status_code == 500
    assert "Traceback" not in page.text and "SECRET-P042" not in page.text and "ValueError" not in page.text
    assert "Something went wrong" in page.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged and "SECRET-P042" not in logged
    assert location[3:] not in logged and "/s/<id>" in logged


def test_the_log_holds_request_lines_and_timings_only(client, workbooks, caplog):
    with caplog.at_level(logging.INFO, logger="blinrwe.web"):
        location = upload(client, workbooks["bad"]).headers["location"]
        client.get(location)
    study_id = location.rsplit("/", 1)[-1]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert study_id not in logged and "heavy" not in logged and "weight_kg" not in logged
    assert re.search(r"^POST /studies 303 \d+ ms$", logged, re.M)
    assert re.search(r"^GET /s/<id> 200 \d+ ms$", logged, re.M)


def test_signing_in_is_required_when_a_token_is_given(app_factory):
    from starlette.testclient import TestClient

    with TestClient(app_factory(token="another-long-token"), follow_redirects=False) as c:
        assert c.get("/").headers["location"] == "/login"
        assert c.post("/studies").status_code == 403
        assert c.get("/static/app.js").status_code == 200
        bad = c.post("/login", data={"password": "wrong", "csrf_token": csrf(c, "/login")})
        assert bad.status_code == 403 and "blinrwe_session" not in bad.headers.get("set-cookie", "")
        good = c.post("/login", data={"password": "another-long-token", "csrf_token": csrf(c, "/login")})
        assert good.status_code == 303 and "HttpOnly" in good.headers["set-cookie"]
        assert c.get("/").status_code == 200
