"""The pages against the ASGI app: template, upload and findings, settings, import/export, a real run, delete."""

from __future__ import annotations

import io
import re
import time
import tomllib
import zipfile

import openpyxl
import pytest

from .conftest import csrf, upload

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

QUICK = {  # a small, quick study: one endpoint, HTML only, no figures files
    "endpoints.names": ["OS"], "cox.endpoints": [], "report.formats": ["html"], "report.figure_formats": [],
}


def _settings_form(client, location: str, changes: dict) -> dict:
    """The settings form as a browser would post it (every field with its shown value), with ``changes``."""
    page = client.get(location + "/settings").text
    data: dict = {}
    for m in re.finditer(r'<input type="text"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        data[m.group(1)] = m.group(2)
    for m in re.finditer(r'<input type="date" name="([^"]+)" id="[^"]+" value="([^"]*)"', page):
        data[m.group(1)] = m.group(2)
    for m in re.finditer(r'<input type="checkbox" name="([^"]+)" value="([^"]*)" checked', page):
        data.setdefault(m.group(1), []).append(m.group(2))
    for m in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
        data[m.group(1)] = chosen.group(1) if chosen else ""
    for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[m.group(1)] = m.group(2)
    data.update(changes)
    data["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return data


def test_the_template_downloads_in_the_page_language(client):
    for lang in ("en", "zh"):
        client.get(f"/lang/{lang}")
        response = client.get("/template/summary.xlsx")
        assert response.status_code == 200
        assert f"summary-template-{lang}.xlsx" in response.headers["content-disposition"]
        assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    assert client.get("/template/other.xlsx").status_code == 404


def test_the_language_switch_goes_back_only_to_this_site(client):
    assert client.get("/lang/zh?next=/").headers["location"] == "/"
    for target in ("//evil.example/", "https://evil.example/", "\\\\evil"):
        assert client.get("/lang/zh", params={"next": target}).headers["location"] == "/"
    page = client.get("/")
    assert '<html lang="zh-CN">' in page.text and "上传研究" in page.text
    client.get("/lang/en")
    assert "Upload a study" in client.get("/").text


def test_findings_name_sheet_row_column_value_and_fix(client, workbooks):
    location = upload(client, workbooks["bad"]).headers["location"]
    page = client.get(location).text
    rows = re.findall(r'<tr class="(error|warning)" data-severity="\1">(.*?)</tr>', page, re.S)
    assert len(rows) == 3 and [r[0] for r in rows] == ["error", "error", "warning"]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r[1], re.S) for r in rows]
    assert ["patients", "3", "weight_kg", "heavy"] == [c.strip() for c in cells[1][1:5]]
    assert all(c[5].strip() and c[6].strip() for c in cells)  # what is wrong, how to fix it
    assert 'id="run" disabled' in page
    fixed = upload(client, workbooks["good"], url=location + "/upload")
    assert fixed.headers["location"] == location
    page = client.get(location).text
    assert 'class="verdict ok"' in page and 'id="run" disabled' not in page


def test_settings_errors_are_shown_next_to_their_field_and_nothing_is_saved(client, workbooks):
    location = upload(client, workbooks["good"]).headers["location"]
    before = client.get(location + "/settings/export").text
    data = _settings_form(client, location, {"survival.landmarks": "6, twelve", "report.p_decimals": "9",
                                             "cox.endpoints": ["DOR"]})
    response = client.post(location + "/settings", data=data)
    assert response.status_code == 400
    for field, text in (("survival-landmarks", "twelve"), ("report-p_decimals", "out of range"),
                        ("cox-endpoints", "endpoints.names")):
        block = re.search(rf'<div class="field invalid" id="field-{field}">(.*?)</div>\s*</div>', response.text, re.S)
        assert block and text in block.group(1), field
    assert client.get(location + "/settings/export").text == before


def test_the_form_and_the_file_say_the_same(client, workbooks):
    location = upload(client, workbooks["good"]).headers["location"]
    data = _settings_form(client, location, {"survival.landmarks": "3, 9", "study.title": "Centre <A> & B",
                                             "endpoints.preset": "001", "definitions.cr_blast_max_pct": "4.5",
                                             "group_labels": 'newly_diagnosed = "Newly diagnosed"'})
    assert client.post(location + "/settings", data=data).status_code == 303
    exported = client.get(location + "/settings/export")
    spec = tomllib.loads(exported.text)
    assert spec["survival"]["landmarks"] == [3.0, 9.0] and spec["study"]["title"] == "Centre <A> & B"
    assert spec["endpoints"]["preset"] == "001" and spec["definitions"]["cr_blast_max_pct"] == 4.5
    assert spec["group_labels"] == {"newly_diagnosed": "Newly diagnosed"}
    assert spec["data"]["path"] == "study.xlsx"
    page = client.get(location + "/settings").text
    assert 'value="Centre &lt;A&gt; &amp; B"' in page and 'value="3, 9"' in page
    # the exported file imported into a second study gives the same settings
    other = upload(client, workbooks["good"]).headers["location"]
    token = csrf(client, other + "/settings")
    imported = client.post(other + "/settings/import", data={"csrf_token": token},
                           files={"file": ("study.toml", exported.content, "application/toml")})
    assert imported.status_code == 303
    assert tomllib.loads(client.get(other + "/settings/export").text) == spec


def test_an_imported_file_with_mistakes_is_refused_with_where_and_how(client, workbooks):
    location = upload(client, workbooks["good"]).headers["location"]
    token = csrf(client, location + "/settings")
    for body, text in ((b"[survival]\nlandmarks = [6, -1]\n", "landmark times must be &gt; 0"),
                       (b"[survival\n", "not valid TOML"), (b"[nonsense]\nx = 1\n", "unknown section")):
        response = client.post(location + "/settings/import", data={"csrf_token": token},
                               files={"file": ("study.toml", body, "application/toml")})
        assert response.status_code == 400 and text in response.text


def test_a_run_shows_progress_then_its_report_in_a_sandbox_and_its_zip(client, workbooks):
    location = upload(client, workbooks["good"]).headers["location"]
    data = _settings_form(client, location, {**QUICK, "cox.covariates": "", "subgroups.variables": "ph_status",
                                             "action": "run"})
    started = client.post(location + "/settings", data=data)
    assert started.status_code == 303
    run = started.headers["location"]
    states = []
    deadline = time.time() + 120
    while time.time() < deadline:
        status = client.get(run + "/status").json()
        states.append(status["state"])
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert status["state"] == "done", status
    assert [s["state"] for s in status["stages"]] == ["done"] * 4
    assert status["notes"] == ["engine pandas (automatic: a study that fits in memory)"]  # the engine chosen, why
    page = client.get(run).text
    assert '<p id="run-notes" class="muted">engine pandas (automatic: a study that fits in memory)</p>' in page
    assert re.search(r'<iframe class="report" id="report"[^>]*sandbox', page)
    report = client.get(run + "/report")
    assert "sandbox" in report.headers["content-security-policy"]
    assert "script-src" not in report.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in report.headers["content-security-policy"]
    bundle = zipfile.ZipFile(io.BytesIO(client.get(run + "/bundle.zip").content))
    assert {"blinrwe-output/report.html", "blinrwe-output/results.csv"} <= set(bundle.namelist())
    listed = client.get(location).text
    assert "endpoints.names = [&#34;OS&#34;]" in listed or 'endpoints.names = ["OS"]' in listed
    token = csrf(client, location)
    assert client.post(run + "/delete", data={"csrf_token": token}).status_code == 303
    assert client.get(run).status_code == 404


def test_a_run_that_fails_shows_its_error_without_a_traceback(client, workbooks, tmp_path):
    location = upload(client, workbooks["good"]).headers["location"]
    data = _settings_form(client, location, {**QUICK, "cox.covariates": "", "subgroups.variables": "no_such_var",
                                             "subgroups.table1_by": "no_such_var", "action": "run"})
    run = client.post(location + "/settings", data=data).headers["location"]
    deadline = time.time() + 120
    while time.time() < deadline and client.get(run + "/status").json()["state"] not in ("done", "failed"):
        time.sleep(0.3)
    status = client.get(run + "/status").json()
    page = client.get(run).text
    if status["state"] == "failed":
        assert "Traceback" not in page and "no_such_var" in page
    else:  # the pipeline reports an unusable variable as a warning and goes on
        assert status["state"] == "done"


def test_delete_means_delete(client, workbooks):
    location = upload(client, workbooks["bad"]).headers["location"]
    folder = client.app.state.workspace.studies / location.rsplit("/", 1)[-1]
    assert folder.is_dir()
    token = csrf(client, location)
    assert client.post(location + "/delete", data={"csrf_token": token}).headers["location"] == "/"
    assert not folder.exists() and client.get(location).status_code == 404
    assert location not in client.get("/").text


def test_the_annotated_workbook_is_offered_when_the_validator_writes_one(client, workbooks):
    from blinrwe import validate

    location = upload(client, workbooks["bad"]).headers["location"]
    page = client.get(location).text
    if not hasattr(validate, "annotate_workbook"):
        assert 'id="annotated"' not in page
        pytest.skip("blinrwe.validate.annotate_workbook is not in this version (the intake-zh work adds it)")
    assert 'id="annotated"' in page
    response = client.get(location + "/annotated.xlsx")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.content))["patients"]


def test_a_zip_of_csv_files_is_checked_like_a_workbook(client, tmp_path):
    from blinrwe.examples.synthetic import synthetic_cohort
    from blinrwe.intake import write_study_csv

    study = synthetic_cohort(12, 3)
    folder = write_study_csv(study.tables, tmp_path / "csv", study.form)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.glob("*.csv")):
            archive.write(path, f"my study/{path.name}")
    location = upload(client, buffer.getvalue(), name="my study.zip").headers["location"]
    page = client.get(location).text
    assert 'class="verdict ok"' in page, page[:2000]
    exported = tomllib.loads(client.get(location + "/settings/export").text)
    assert exported["data"]["path"] == "csv"


def test_a_registrys_repeated_mistake_shows_20_examples_and_how_many_more(client, workbooks, tmp_path):
    from .conftest import break_cells

    bad_dates = [("patients", row, "birth_date", "1990-02-30") for row in range(2, 32)]  # every one of 30 patients
    book = break_cells(workbooks["good"], tmp_path / "registry.xlsx", bad_dates)
    page = client.get(upload(client, book).headers["location"]).text
    rows = re.findall(r'<tr class="error" data-severity="error">.*?</tr>', page, re.S)
    assert len([r for r in rows if "birth_date" in r]) == 20
    assert "… and 10 more finding(s) of code DATE_UNREADABLE (30 in all)" in page
    assert re.search(r"3\d error\(s\)", page)  # the verdict counts every finding, not the rows shown
