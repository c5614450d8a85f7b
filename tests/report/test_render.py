from pathlib import Path

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


def test_docx_and_html_without_png_files_draw_from_the_figures(results, context, tmp_path):
    out = render_report(results, context, tmp_path, formats=("html", "docx", "svg"))
    assert "png" not in out.files and len(out.files["svg"]) == len(out.document.figures)
    assert all(f.figure is not None for f in out.document.figures)
    import docx

    assert len(docx.Document(str(out.files["docx"])).inline_shapes) == len(out.document.figures)
