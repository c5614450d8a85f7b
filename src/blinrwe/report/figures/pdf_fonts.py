"""Cheap TrueType (Type 42) font embedding for PDF figures.

A PDF figure embeds a subset of each font it uses (``pdf.fonttype = 42``: real TrueType
outlines, text selectable and editable by journals). matplotlib builds each subset with
fontTools from the font file on disk, and on DejaVu Sans most of that work is parsing
tables no embedded subset needs: the OpenType layout tables (GSUB, GPOS, GDEF, kern; the
layout was already done by FreeType when the figure was drawn), the math table and the
2,000 glyph names of the ``post`` table. A report of 30 figures paid that about 90 times,
half of the whole rendering time.

:func:`use_lean_subsetting` makes matplotlib subset from a lean copy of each font instead,
built once per process in memory: the same glyphs in the same order (glyph indices
unchanged), without those tables. The embedded subset keeps the glyph outlines, their
metrics and the cmap, and the PDF keeps its ToUnicode map, so text stays selectable and
searchable. Fonts whose outlines are not TrueType ``glyf`` (CFF-flavoured OpenType, e.g.
some CJK collections) keep matplotlib's own subsetting.
"""

from __future__ import annotations

import functools
import io
import threading

from fontTools import subset, ttLib
from matplotlib.backends import _backend_pdf_ps

#: tables no embedded subset uses: layout (applied by FreeType at drawing time), math, vendor data
_LEAN_DROP = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "kern", "MATH", "FFTM", "PfEd", "DSIG", "hdmx", "LTSH", "VDMX")
#: what matplotlib drops from its subsets (matplotlib.backends._backend_pdf_ps.get_glyphs_subset)
_MPL_DROP = ("FFTM", "PfEd", "BDF", "meta", "MERG", "TSIV", "Zapf", "bdat", "bloc", "cidg", "fdsc", "feat", "fmtx",
             "fond", "just", "kerx", "ltag", "morx", "trak", "xref")

_lock = threading.Lock()
_matplotlib_subset = None  # matplotlib's own function, kept for fonts without a lean copy


@functools.lru_cache(maxsize=16)
def lean_font(path: str, face_index: int = 0) -> tuple[bytes, tuple[str, ...]] | None:
    """The font at ``path`` without the tables a subset never needs, as bytes, with its
    glyph order (given to each copy so that fontTools does not rebuild it from glyph
    names); None for a font without TrueType outlines."""
    font = ttLib.TTFont(path, fontNumber=face_index, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    if "glyf" not in font:
        return None
    order = tuple(font.getGlyphOrder())
    for tag in _LEAN_DROP:
        if tag in font:
            del font[tag]
    font["post"].formatType = 3.0  # no glyph names: CIDFontType2 maps CIDs to glyph indices
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=False)
    return buffer.getvalue(), order


def lean_glyphs_subset(fontfile, glyphs):
    """Drop-in for matplotlib's ``get_glyphs_subset(fontfile, glyphs)``: the same subset
    options, read from :func:`lean_font` (matplotlib's own function for other fonts).
    A glyph set seen before in this process (the bold "Number at risk" of every survival
    figure) is served from :func:`_subset_bytes` without subsetting again."""
    path, face_index = str(fontfile), int(getattr(fontfile, "face_index", 0) or 0)
    if lean_font(path, face_index) is None:
        return _matplotlib_subset(fontfile, glyphs)
    data, glyph_index_map = _subset_bytes(path, face_index, frozenset(glyphs))
    font = ttLib.TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    return _backend_pdf_ps.SubsetResults(font, dict(glyph_index_map))._as_cm()


@functools.lru_cache(maxsize=256)
def _subset_bytes(path: str, face_index: int, glyphs: frozenset) -> tuple[bytes, tuple]:
    """The subset of :func:`lean_font` keeping ``glyphs`` (glyph indices), as font bytes,
    and matplotlib's map from original to subset glyph index."""
    data, order = lean_font(path, face_index)
    options = subset.Options(glyph_names=True, recommended_glyphs=True)
    options.drop_tables += list(_MPL_DROP)
    font = ttLib.TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    font.setGlyphOrder(list(order))
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=glyphs)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=False)
    return buffer.getvalue(), tuple(sorted(subsetter.glyph_index_map.items()))


def use_lean_subsetting() -> None:
    """Make matplotlib's PDF backend subset fonts with :func:`lean_glyphs_subset` (idempotent;
    the PDF backend looks the function up on its module at each embedding)."""
    global _matplotlib_subset
    with _lock:
        if _matplotlib_subset is None:
            _matplotlib_subset = _backend_pdf_ps.get_glyphs_subset
            _backend_pdf_ps.get_glyphs_subset = lean_glyphs_subset
