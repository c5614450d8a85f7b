"""Every text of the page, and every specification key's help shown in the form, exists in Chinese."""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

import pytest

from blinrwe.app.spec_document import spec_keys
from blinrwe.app.spec_model import LABEL_SECTIONS
from blinrwe.derive.presets import PRESET_DESCRIPTIONS
from blinrwe.model import i18n

from .conftest import upload

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

WEB = Path(str(resources.files("blinrwe.app.web")))


def page_texts() -> set[str]:
    """Every literal passed to _() in the web modules and templates, and the declared labels."""
    from blinrwe.app.web import forms, run_pages

    found = set(forms.SECTION_TITLES.values()) | set(run_pages.STAGE_LABELS.values())
    for path in WEB.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
    for path in (WEB / "templates").glob("*.html"):
        for m in re.finditer(r'_\(\s*"((?:[^"\\]|\\.)*)"\s*\)|_\(\s*\'((?:[^\'\\]|\\.)*)\'\s*\)', path.read_text()):
            found.add(m.group(1) if m.group(1) is not None else m.group(2))
    return found


def test_every_page_text_has_its_chinese():
    texts = page_texts()
    assert len(texts) > 100
    missing = sorted(t for t in texts if t not in i18n.catalog("zh"))
    assert not missing, f"add to src/blinrwe/locale/zh/web.toml: {missing}"


def test_every_key_help_label_section_and_preset_has_its_chinese():
    texts = {k.help for k in spec_keys()} | set(LABEL_SECTIONS.values()) | set(PRESET_DESCRIPTIONS.values())
    missing = sorted(t for t in texts if t not in i18n.catalog("zh"))
    assert not missing, f"add to src/blinrwe/locale/zh/spec.toml: {missing}"


def test_pages_in_chinese_ask_for_no_missing_page_text(client, workbooks):
    client.get("/lang/zh")
    i18n.reset_missing()
    location = upload(client, workbooks["bad"]).headers["location"]
    for path in ("/", location, location + "/settings", "/no-such-page"):
        client.get(path)
    mine = page_texts() | {k.help for k in spec_keys()}
    gaps = {text for code, text in i18n.missing_translations() if text in mine}
    assert not gaps


def test_findings_name_columns_by_the_templates_heading_in_chinese(client, workbooks):
    """As on the command line: ``性别 (sex)`` in Chinese, the column name in English."""
    client.get("/lang/zh")
    page = client.get(upload(client, workbooks["bad"]).headers["location"]).text
    assert "<td>性别 (sex)</td>" in page and "<td>体重 (weight_kg)</td>" in page
    client.get("/lang/en")
    page = client.get(upload(client, workbooks["bad"]).headers["location"]).text
    assert "<td>sex</td>" in page and "(sex)</td>" not in page
