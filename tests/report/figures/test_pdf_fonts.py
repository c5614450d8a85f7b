"""Lean TrueType subsetting for PDF figures: the same glyphs as matplotlib's own subsets."""

import io
import re
import zlib
from pathlib import Path

import pytest
from fontTools import ttLib
from matplotlib import font_manager
from matplotlib.backends import _backend_pdf_ps

from blinrwe.report.figures import pdf_fonts
from blinrwe.report.figures.base import PlottedFigure, new_figure, save_figure

DEJAVU = font_manager.findfont("DejaVu Sans")


def _glyph_ids(text: str) -> set[int]:
    cmap = ttLib.TTFont(DEJAVU)["cmap"].getBestCmap()
    order = ttLib.TTFont(DEJAVU).getGlyphOrder()
    return {order.index(cmap[ord(c)]) for c in text}


def _subset(function, glyphs):
    with function(font_manager.FontPath(DEJAVU, 0), glyphs) as result:
        return ttLib.TTFont(_backend_pdf_ps.font_as_file(result.font)), dict(result.glyph_index_map)


def test_the_lean_subset_has_matplotlibs_glyphs_outlines_and_metrics():
    glyphs = _glyph_ids("Overall survival (%) 0123456789 n = 54 ≥ ± –")
    pdf_fonts.use_lean_subsetting()
    theirs, their_map = _subset(pdf_fonts._matplotlib_subset, glyphs)
    ours, our_map = _subset(pdf_fonts.lean_glyphs_subset, glyphs)
    # every requested glyph (the PDF's CIDToGIDMap refers to no other) with the same outline and
    # advance; matplotlib's subset also carries the GSUB closure (ligatures nobody drew)
    assert glyphs <= set(our_map) and set(our_map) <= set(their_map)
    our_names, their_names = ours.getGlyphOrder(), theirs.getGlyphOrder()
    for gid in glyphs:
        a, b = our_names[our_map[gid]], their_names[their_map[gid]]
        assert ours["glyf"][a].getCoordinates(ours["glyf"])[0] == theirs["glyf"][b].getCoordinates(theirs["glyf"])[0]
        assert ours["hmtx"][a] == theirs["hmtx"][b]
    assert "GPOS" not in ours and "GSUB" not in ours  # what made matplotlib's subsetting slow


def test_a_glyph_set_seen_before_gives_the_same_bytes():
    glyphs = _glyph_ids("Number at risk")
    first = _backend_pdf_ps.font_as_file(pdf_fonts.lean_glyphs_subset(font_manager.FontPath(DEJAVU, 0), glyphs)
                                         .__enter__().font).getvalue()
    again = _backend_pdf_ps.font_as_file(pdf_fonts.lean_glyphs_subset(font_manager.FontPath(DEJAVU, 0), set(glyphs))
                                         .__enter__().font).getvalue()
    assert first == again


def test_pdf_figures_embed_truetype_subsets_with_selectable_text(tmp_path):
    figure = new_figure(3, 2)
    figure.text(0.1, 0.5, "Overall survival", fontweight="bold")
    figure.text(0.1, 0.2, "Months since first infusion", fontstyle="italic")
    first = save_figure(PlottedFigure("f", "t", figure), tmp_path / "a", ("pdf",))["pdf"].read_bytes()
    again = save_figure(PlottedFigure("f", "t", figure), tmp_path / "b", ("pdf",))["pdf"].read_bytes()
    assert first == again  # deterministic bytes
    assert first.count(b"/FontFile2") >= 2 and b"/CIDFontType2" in first  # TrueType (Type 42), not Type 3
    assert first.count(b"/ToUnicode") >= 2  # text extracts and searches
    streams = [zlib.decompress(s) for s in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", first, re.S)]
    assert any(b"beginbfrange" in s for s in streams)


def test_fonts_without_truetype_outlines_keep_matplotlibs_subsetting():
    cff = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not cff.exists():
        pytest.skip("no CFF-flavoured system font to try")
    assert pdf_fonts.lean_font(str(cff), 0) is None


def test_lean_font_keeps_the_glyph_order():
    data, order = pdf_fonts.lean_font(DEJAVU, 0)
    lean = ttLib.TTFont(io.BytesIO(data))
    assert len(order) == len(ttLib.TTFont(DEJAVU).getGlyphOrder()) == lean["maxp"].numGlyphs
