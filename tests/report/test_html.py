"""The HTML report: self-contained, escaped, and looked at in a real browser."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from blinrwe.report.html import render_html
from blinrwe.report.document import build_document


def test_self_contained(rendered):
    html = Path(rendered.files["html"]).read_text()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert html.count("<svg") == len(rendered.document.figures)
    assert "<style>" in html


def test_every_table_cell_is_in_the_page(rendered):
    html = Path(rendered.files["html"]).read_text()
    for i, table in enumerate(rendered.document.tables, 1):
        assert f"Table {i}.</span> {table.title.replace('&', '&amp;').replace(chr(39), '&#39;')}" in html
        for row in table.rows:
            for cell in row.cells:
                escaped = cell.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                assert f">{escaped}</td>" in html


def test_labels_are_escaped(results, context):
    from dataclasses import replace

    only_tables = replace(results, curves=results.curves.iloc[0:0], flows=results.flows.iloc[0:0], analysis_data=None)
    html = render_html(build_document(only_tables, replace(context, title="<script>x</script>")))
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); CI installs it")
def test_renders_in_headless_chromium(rendered, tmp_path):
    from PIL import Image  # matplotlib depends on Pillow

    url = Path(rendered.files["html"]).resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        shot = tmp_path / "shot.png"
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1280,2400", url],
                       check=True, capture_output=True, timeout=120)
        dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                             check=True, capture_output=True, timeout=120, text=True).stdout
    image = Image.open(shot).convert("L")
    lo, hi = image.getextrema()
    assert hi - lo > 100, "screenshot is blank"
    dark = sum(image.histogram()[:128])
    assert dark > 0.002 * image.width * image.height, "almost nothing drawn"
    for heading in ("Baseline characteristics", "Response", "Time-to-event outcomes", "Safety", "Methods"):
        assert f">{heading}</h2>" in dom
    assert dom.count("<svg") == len(rendered.document.figures)
