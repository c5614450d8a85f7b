"""The report in Chinese: every user-visible string has its Chinese (issue 8).

Two ways:

1. The whole pipeline runs in Chinese (``[report] language = "zh"``) on the bundled
   synthetic example, on the seed-003 example (summary form), on the synthetic cohort
   under each seed preset's definitions and on small generated cohorts; no text it
   asked to translate may lack a translation (:func:`blinrwe.model.i18n.missing_translations`).
2. The Chinese HTML report's visible text and the text drawn in its figures hold no
   English word (a run of three or more ASCII letters) outside the abbreviations and
   proper nouns a Chinese clinical paper prints as they are (:data:`ALLOWED`).

The English report is covered by the other report and pipeline tests, unchanged.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from matplotlib.text import Text

from blinrwe.app.pipeline import Progress, bundled_spec, load_spec, run_study
from blinrwe.model import i18n
from blinrwe.report.figures import fonts

#: words a Chinese report prints in Latin letters: abbreviations, proper nouns, software, gene names
ALLOWED = frozenset("""
CR CRi CRh MRD OS EFS RFS PFS DFS DOR CIR NRM HSCT allo-HSCT Allo-HSCT CAR-T CRS ICANS AE HR CI NE NR NA SD SE
Kaplan-Meier Cox Gray Gray's Fine-Gray CTCAE ASTCT Wald Efron Breslow Greenwood Brookmeyer-Crowley Clopper-Pearson
Aalen-Johansen Mantel-Cox Mantel-Byar Simon-Makuch Pearson Pearson's Fisher Fisher's Yates Wilcoxon Kruskal-Wallis
Grambsch-Therneau Schoenfeld Newton-Raphson Log-rank log-rank log-log log cmprsk cuminc survdiff survfit coxph cox.zph zph
quantile quantile.survfit rho stat km delta landmark TKI Hyper-CVAD CVAD KMT2A ETV6 RUNX1 TCF3 PBX1 IKZF1 PAX5 CD19
CNS GVHD NGS TLS VOD DLI qPCR ANC WBC Python numpy scipy pandas matplotlib jinja2 python-docx openpyxl blinrwe
ARD T-cell SYNTHETIC B-ALL survival sHR
""".split()) | frozenset("""
SAS PROC LIFETEST PHREG FREQ BINOMIAL STRATA EVENTCODE TIMELIST CONFTYPE LOGLOG TIES BRESLOW GCONV
crr binom.test summary.survfit coxph.control conf.type extend TRUE ties efron
""".split())  # R and SAS code the R-versus-SAS appendix quotes as written (procedures, options, arguments)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'.\-]*[A-Za-z0-9]|[A-Za-z]")


def english_words(texts) -> dict[str, str]:
    """Words of three or more ASCII letters not in :data:`ALLOWED`, each with a text it is in."""
    found = {}
    for text in texts:
        for word in WORD.findall(text):
            stem = word.rstrip(".'")
            if len(re.sub(r"[^A-Za-z]", "", stem)) >= 3 and stem not in ALLOWED and stem.split("-")[0] not in ALLOWED:
                found.setdefault(stem, text.strip()[:160])
    return found


class _VisibleText(HTMLParser):
    """Text a reader sees in the HTML (not styles, scripts or figure metadata)."""

    def __init__(self):
        super().__init__()
        self.hidden, self.texts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "metadata", "title"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "metadata", "title"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data)


def _spec(name="example_study", **report):
    spec = load_spec(bundled_spec(name))
    return replace(spec, report=replace(spec.report, language="zh", **report))


def _run(spec, folder):
    return run_study(spec, folder, progress=Progress(enabled=False))


@pytest.fixture(scope="module")
def chinese_report(tmp_path_factory):
    """The bundled synthetic example in Chinese (HTML with SVG figures); the gaps it left."""
    i18n.reset_missing()
    out = _run(_spec(formats=("html", "xlsx", "csv"), figure_formats=("svg",)), tmp_path_factory.mktemp("zh") / "out")
    return out, i18n.missing_translations()


def test_the_synthetic_example_in_chinese_has_every_translation(chinese_report):
    _out, missing = chinese_report
    assert not missing, sorted(text for _code, text in missing)


@pytest.mark.parametrize("name, preset, n, seed", [
    ("seed003", None, None, None),
    ("example_study", "000", None, None),
    ("example_study", "001", None, None),
    ("example_study", "002", None, None),
    ("example_study", "003", None, None),
    ("example_study", "004", None, None),
    ("example_study", None, 12, 7),
    ("example_study", None, 25, 2024),
])
def test_every_report_string_has_its_chinese(tmp_path, name, preset, n, seed):
    """Seed presets and small generated cohorts (tables, workbook and methods; no figures)."""
    spec = _spec(name, formats=("xlsx", "csv"), figure_formats=())
    if name == "example_study" and n == 25:  # also groups defined after the start (immortal-time caveats)
        spec = replace(spec, subgroups=replace(spec.subgroups, variables=(*spec.subgroups.variables, "allo_hsct_after")),
                       survival=replace(spec.survival, within=("allo_hsct_after by responder",)))
    if preset:
        spec = replace(spec, endpoints=replace(spec.endpoints, preset=preset))
    if n:
        spec = replace(spec, data=replace(spec.data, n=n, seed=seed))
    i18n.reset_missing()
    _run(spec, tmp_path / "out")
    assert not i18n.missing_translations(), sorted(text for _code, text in i18n.missing_translations())


@pytest.mark.skipif(fonts.cjk_font() is None, reason="no CJK font installed (fonts-noto-cjk): the figures' "
                    "labels stay English, and the report says so")
def test_the_chinese_html_shows_no_english_word_outside_the_allowed_abbreviations(chinese_report):
    out, _missing = chinese_report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "Noto Sans CJK SC" in html
    parser = _VisibleText()
    parser.feed(html)
    title = load_spec(bundled_spec("example_study")).study  # the study's own title and subtitle, as written
    texts = [t for t in parser.texts if t.strip() not in (title.title, title.subtitle)]
    found = english_words(t.replace(title.subtitle, "") for t in texts)
    assert not found, found


@pytest.mark.skipif(fonts.cjk_font() is None, reason="no CJK font installed (fonts-noto-cjk)")
def test_the_chinese_figures_draw_no_english_word(tmp_path):
    """The text artists of every figure of the synthetic example, drawn in Chinese."""
    from blinrwe.app.pipeline import analyse, derive, load_study, report_context
    from blinrwe.app.spec_fit import fit_to_data
    from blinrwe.report.document import build_document

    spec = _spec()
    study, validation = load_study(spec)
    data = derive(study, spec)
    spec, validation = fit_to_data(spec, data, validation)
    with i18n.language("zh"):
        results = analyse(data, spec, validation)
        document = build_document(results, report_context(spec))
    texts = []
    for figure in document.figures:
        figure.figure.canvas.draw()
        texts += [t.get_text() for t in figure.figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        texts += [figure.title, figure.caption]
    assert texts
    found = english_words(texts)
    assert not found, found


_LETTERS = re.compile(r"[A-Za-z\u3400-\u9fff]")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _cell_shape(cell: str) -> str | tuple:
    """A cell as translation leaves it: a cell of numbers as it is; a cell with words ("1 (reference)",
    the R and SAS conventions of the appendix, "3 iterations") as the numbers in it, in order."""
    return tuple(_NUMBER.findall(cell)) if _LETTERS.search(cell) else cell


def test_the_chinese_report_has_the_tables_rows_and_figures_of_the_english_one():
    """Translation changes words only: the same tables (repeats left out alike), rows and figures."""
    from blinrwe.app.pipeline import analyse, derive, load_study, report_context
    from blinrwe.app.spec_fit import fit_to_data
    from blinrwe.report.document import plan_document

    spec = load_spec(bundled_spec("example_study"))
    study, validation = load_study(spec)
    data = derive(study, spec)
    spec, validation = fit_to_data(spec, data, validation)
    results = analyse(data, spec, validation)
    shape = {}
    for code in ("en", "zh"):
        with i18n.language(code):
            document = plan_document(results, report_context(spec))
        shape[code] = ([t.table_id for t in document.tables],
                       [[tuple(_cell_shape(c) for c in r.cells) for r in t.rows] for t in document.tables],
                       [job.kwargs.get("name", job.builder.__name__) for job in document.figure_jobs])
    assert shape["zh"] == shape["en"]


def test_a_chinese_run_writes_its_findings_in_chinese(tmp_path):
    """validation.txt and findings.csv of a run in Chinese: the messages and hints too, not only their frame
    (the study used to be read and validated before the report's language was set); the console names the
    number of warnings and where they are."""
    import openpyxl

    from blinrwe.examples.synthetic import write_synthetic_study

    workbook = write_synthetic_study(tmp_path / "study.xlsx", n_patients=30, seed=2)
    book = openpyxl.load_workbook(workbook)
    sheet = book["assessments"]
    blasts = next(c.column for c in sheet[1] if c.value == "bm_blast_pct")
    sheet.cell(row=2, column=blasts, value="3%")
    book.save(workbook)
    spec = _spec(formats=("csv",), figure_formats=())
    spec = replace(spec, data=replace(spec.data, example="", path=str(workbook)))
    console = io.StringIO()
    out = run_study(spec, tmp_path / "out", progress=Progress(stream=console))
    assert f"个警告，逐条列于 {out / 'validation.txt'}" in console.getvalue()  # the run says so, in Chinese
    text = (out / "validation.txt").read_text(encoding="utf-8")
    assert "PERCENT_SIGN" in text and "已去掉百分号" in text, text
    assert "the percent sign was removed" not in text
    assert "已去掉百分号" in (out / "findings.csv").read_text(encoding="utf-8-sig")
