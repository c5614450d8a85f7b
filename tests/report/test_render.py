import csv
import io
import re
import zipfile
import zlib
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from blinrwe.errors import SpecificationError
from blinrwe.report import render_report


def test_every_format_written(rendered):
    files = rendered.files
    for key in ("html", "docx", "xlsx"):
        assert Path(files[key]).stat().st_size > 0
    n = len(rendered.document.figures)
    assert n >= 5
    for fmt, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<?xml")):
        assert len(files[fmt]) == n
        assert all(Path(p).read_bytes()[:4] == magic[:4] for p in files[fmt])


def test_figure_files_named_consistently(rendered):
    folder = Path(rendered.files["png"][0]).parent
    names = sorted(p.name for p in folder.iterdir())
    assert all(name.startswith("figure_") for name in names), names  # no stray "ph_status.png"
    stems = {Path(n).stem for n in names}
    assert stems == {f.name for f in rendered.document.figures}
    assert "figure_forest_subgroups_os" in stems


def test_subset_of_formats(results, context, tmp_path):
    out = render_report(results, context, tmp_path, formats=("xlsx",))
    assert set(out.files) == {"xlsx"}
    assert not (tmp_path / "figures").exists()
    assert out.document.figure_jobs  # no output shows figures: none drawn


def test_unknown_format(results, context, tmp_path):
    with pytest.raises(SpecificationError, match="'pptx'"):
        render_report(results, context, tmp_path, formats=("pptx",))


def test_docx_and_html_without_png_files_embed_the_png_drawn_by_the_workers(results, context, tmp_path):
    out = render_report(results, context, tmp_path, formats=("html", "docx", "svg"))
    assert "png" not in out.files and len(out.files["svg"]) == len(out.document.figures)
    # no matplotlib Figure sent back from the workers, only the PNG the DOCX embeds
    assert all(f.figure is None and f.png[:4] == b"\x89PNG" for f in out.document.figures)
    import docx

    assert len(docx.Document(str(out.files["docx"])).inline_shapes) == len(out.document.figures)
    page = Path(out.files["html"]).read_text(encoding="utf-8")
    assert page.count("<svg") >= len(out.document.figures) and "data:image/png" not in page  # the SVG files


def test_html_alone_embeds_png_and_writes_no_figure_file(results, context, tmp_path):
    out = render_report(results, context, tmp_path, formats=("html",))
    assert not (tmp_path / "figures").exists() or not any((tmp_path / "figures").iterdir())
    page = Path(out.files["html"]).read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(out.document.figures)
    assert "<svg" not in page  # no SVG drawn that nobody asked for


# --- outputs safe to open and to share: a hostile generated cohort through the whole pipeline ----------

#: text a spreadsheet would run as a formula (OWASP's first characters), as sites, therapy details and labels
HOSTILE = ('=HYPERLINK("http://evil.example","click")', "+1+2", "-3+4", "@SUM(A1)", "=1+1", "-cmd|' /C calc'!A0")
HOSTILE_LABELS = {"newly_diagnosed": '=HYPERLINK("http://evil.example","nd")', "relapsed_refractory": "\rCR label",
                  "curative": "\tTAB label", "palliative": "@palliative"}
MIN_CELL = 5


def _hostile_study(folder: Path, n: int = 60, seed: int = 5) -> tuple[Path, list[str]]:
    """A generated study whose patient ids cannot appear by chance ("PT-ZX001K") and whose
    sites and therapy details start like formulas, written as the xlsx a user would fill."""
    from blinrwe.examples.synthetic import synthetic_cohort
    from blinrwe.intake import write_study_xlsx

    study = synthetic_cohort(n, seed=seed)
    tables = {name: t.copy() for name, t in study.tables.items()}
    new_id = {old: f"PT-ZX{i:03d}K" for i, old in enumerate(tables["patients"]["patient_id"], 1)}
    for t in tables.values():
        if "patient_id" in t:
            t["patient_id"] = t["patient_id"].map(new_id)
    tables["patients"]["site"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(tables["patients"]))]
    tables["therapies"]["detail"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(tables["therapies"]))]
    return write_study_xlsx(tables, folder / "study.xlsx", "study"), list(new_id.values())


def _toml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\t", "\\t") + '"'


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Every output of one hostile study (sites subgroup, hostile labels, min_cell = 5), from the
    specification through read, validate, derive, analyse and write_report."""
    from blinrwe.app.pipeline import analyse, derive, load_spec, load_study, write_report

    folder = tmp_path_factory.mktemp("hostile")
    data, ids = _hostile_study(folder)
    labels = "\n".join(f"{code} = {_toml_text(text)}" for code, text in HOSTILE_LABELS.items())
    (folder / "study.toml").write_text(f"""
[study]
title = "=1+1 study"
[data]
path = "study.xlsx"
[endpoints]
names = ["OS", "EFS"]
[subgroups]
variables = ["site", "disease_setting"]
table1_by = "site"
[cox]
covariates = ["age_at_t0"]
subgroups = []
[report]
min_cell = {MIN_CELL}
formats = ["html", "docx", "xlsx", "csv"]
figure_formats = ["png", "svg", "pdf"]
[group_labels]
{labels}
""", encoding="utf-8")
    spec = load_spec(folder / "study.toml")
    study, validation = load_study(spec)
    results = analyse(derive(study, spec), spec, validation)
    out = write_report(results, spec, folder / "out", validation)
    return SimpleNamespace(out=out, xlsx=out / "tables.xlsx", ids=ids)


def _pdf_text(path: Path) -> str:
    """The text drawn in a matplotlib PDF: the strings of every Tj/TJ operator of its
    inflated content streams (TrueType text is written as 2-byte glyph codes)."""
    raw = path.read_bytes()
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        for block in re.findall(rb"\[(.*?)\]\s*TJ|(\((?:\\.|[^\\)])*\))\s*Tj", content, re.S):
            parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)", b"".join(block))
            text = b"".join(re.sub(rb"\\(.)", rb"\1", p) for p in parts)
            out.append(text.replace(b"\x00", b"").decode("latin-1"))
    return "\n".join(out)


def _output_texts(shared) -> dict[str, str]:
    """The searchable text of every output file: HTML, CSV, the XML parts of DOCX and XLSX,
    SVG text, PDF text."""
    texts = {}
    for path in sorted(p for p in shared.out.rglob("*") if p.is_file()):
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                texts[path.name] = "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels")))
        elif path.suffix == ".pdf":
            texts[path.name] = _pdf_text(path)
        elif path.suffix in (".html", ".csv", ".svg"):
            texts[path.name] = path.read_text(encoding="utf-8")
    return texts


def test_pdf_text_reader_finds_drawn_text(tmp_path):
    """The PDF search below is real: a label drawn into a PDF is found."""
    from blinrwe.report.figures.base import new_figure

    fig = new_figure(3, 2)
    fig.text(0.1, 0.5, "PT-ZX999K (lane)")
    fig.savefig(tmp_path / "t.pdf", format="pdf")
    assert "PT-ZX999K (lane)" in _pdf_text(tmp_path / "t.pdf")


def test_no_patient_id_in_any_output_by_default(shared):
    texts = _output_texts(shared)
    assert {"report.html", "report.docx", "tables.xlsx", "results.csv", "figure_swimmer.svg", "figure_swimmer.pdf"} <= set(texts)
    assert "1" in _pdf_text(shared.out / "figures" / "figure_swimmer.pdf")
    leaks = {name: pid for name, text in texts.items() for pid in shared.ids if pid in text}
    assert not leaks
    assert "patient identifiers are not shown" in texts["report.html"]  # the swimmer plot's caption


def test_no_formula_in_tables_xlsx(shared):
    path = shared.xlsx
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells if isinstance(c.value, str)}
    for hostile in (*HOSTILE, HOSTILE_LABELS["newly_diagnosed"], HOSTILE_LABELS["relapsed_refractory"]):
        assert any(v.startswith(hostile) for v in values), hostile  # the hostile text is there, as text
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not [n for n in sheets if re.search(rb"<f[ >]", z.read(n))]


def test_results_csv_escapes_formula_text_and_keeps_numbers(shared):
    text = (shared.out / "results.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    numeric = {header.index(c) for c in ("value", "lower", "upper", "n", "denominator", "time")}
    fields = [(j, f) for r in body for j, f in enumerate(r)]
    unescaped = [f for j, f in fields if j not in numeric and f.startswith(("=", "+", "-", "@", "\t", "\r"))
                 and not re.fullmatch(r"-?\d+(\.\d+)?", f)]
    assert not unescaped
    assert any(f == "'" + HOSTILE[0] for _, f in fields)  # escaped, not dropped
    assert f'"\'{HOSTILE[0].replace(chr(34), chr(34) * 2)}"' in text  # and quoted
    assert all(f == "" or f.startswith("<") or re.fullmatch(r"-?[\d.e+-]+|inf|-inf", f) for j, f in fields if j in numeric)


def test_shared_outputs_suppress_small_counts(shared):
    rows = list(csv.DictReader(io.StringIO((shared.out / "results.csv").read_text(encoding="utf-8"))))
    from blinrwe.report.disclosure import _is_count_statistic

    small = []
    for r in rows:
        for column in ("n", "denominator") + (("value",) if _is_count_statistic(r["statistic"]) else ()):
            v = r[column]
            if v and not v.startswith("<") and 1 <= float(v) < MIN_CELL:
                small.append((r["table"], r["variable"], r["level"], r["group"], r["statistic"], column, v))
    assert not small
    assert any(r["value"] == f"<{MIN_CELL}" for r in rows)
    ws = openpyxl.load_workbook(shared.xlsx)["ARD"]
    header = [c.value for c in ws[1]]
    n_col = header.index("n")
    ard_n = [row[n_col] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert not [v for v in ard_n if isinstance(v, (int, float)) and 1 <= v < MIN_CELL]
    assert f"<{MIN_CELL}" in ard_n
    html = (shared.out / "report.html").read_text(encoding="utf-8")
    assert f"Counts below {MIN_CELL} are suppressed (shown as &#39;&lt;{MIN_CELL}&#39;)" in html or \
        f"Counts below {MIN_CELL} are suppressed (shown as '&lt;{MIN_CELL}')" in html
