"""Fonts of the figures: a CJK font for Chinese labels, found among the installed ones.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: Chinese text drawn with
it comes out as empty boxes ("tofu"). For a report in Chinese (``[report] language =
"zh"``) the figures name an installed CJK font after DejaVu Sans, so Latin letters and
digits keep the English figures' look and each Chinese character falls back to the CJK
font (matplotlib >= 3.6 font fallback). The font is looked up with
:mod:`matplotlib.font_manager` among the families of :data:`CJK_FAMILIES` (Noto Sans CJK
from Debian's ``fonts-noto-cjk``, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei,
PingFang), and must hold the glyphs of a Chinese test string.

When Chinese is asked and no such font is installed, the figures are drawn with English
labels (never boxes): :func:`figure_language` says which language the figures use, and
:func:`missing_font_note` gives the sentence the report prints and warns once.
"""

from __future__ import annotations

import warnings
from functools import cache

from blinrwe.model.i18n import _, current_language

from .base import STYLE

#: CJK font families in order of preference (Simplified Chinese faces first).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans CJK TC",
    "Noto Sans CJK JP", "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
    "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback",
)
#: characters a usable font must have (words of the Chinese figures: 总生存期, 风险人数, 月)
GLYPH_CHECK = "总生存期风险人数月中文"


class FontWarning(UserWarning):
    """The report is in Chinese but no CJK font is installed: figures keep English labels."""


def has_glyphs(path: str, text: str = GLYPH_CHECK) -> bool:
    """Whether the font file at ``path`` has a glyph for every character of ``text``."""
    from matplotlib import ft2font

    try:
        face = ft2font.FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(ch)) for ch in text)


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font with the Chinese glyphs, or None.

    Matplotlib lists the fonts it found when it built its cache (``fontlist-*.json`` in its
    cache folder) and does not look again: a font installed since, as the missing-font note
    asks, would stay unseen. So when the list has no CJK font, the system's font files it
    lacks are added to it (``FontManager.addfont``) for this process, and the search is made
    again. The cache file is left as it is (matplotlib's, not ours to rewrite).
    """
    from matplotlib import font_manager

    return _cjk_family(font_manager.fontManager.ttflist) or _cjk_family(_add_unlisted_fonts())


def _cjk_family(entries) -> str | None:
    by_family: dict[str, list[str]] = {}
    for entry in entries:
        by_family.setdefault(entry.name, []).append(entry.fname)
    for family in CJK_FAMILIES:
        if any(has_glyphs(path) for path in by_family.get(family, ())):
            return family
    return None


def _add_unlisted_fonts() -> list:
    """The entries of the system's font files missing from matplotlib's list, now added to it."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    listed = {entry.fname for entry in manager.ttflist}
    before = len(manager.ttflist)
    for path in sorted(set(font_manager.findSystemFonts()) - listed):
        try:
            manager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or not a font: matplotlib skips these too
            continue
    return manager.ttflist[before:]


def figure_language(code: str | None = None) -> str:
    """The language the figures are drawn in: ``code`` (default: the current language) when
    its glyphs can be drawn, else English."""
    code = code or current_language()
    if code == "en" or cjk_font() is not None:
        return code
    return "en"


def font_family(code: str | None = None) -> list[str]:
    """``font.family`` of the figures in ``code``: DejaVu Sans, then the CJK font for Chinese."""
    base = STYLE["font.family"]
    family = cjk_font() if figure_language(code) == "zh" else None
    return [base, family] if family else [base]


def figure_style(code: str | None = None) -> dict:
    """The journal style (:data:`~blinrwe.report.figures.base.STYLE`) with the fonts of ``code``."""
    return {**STYLE, "font.family": font_family(code)}


MISSING_FONT = ("The figures are labelled in English: no font with Chinese characters is installed (install "
                "fonts-noto-cjk, or another CJK font such as Source Han Sans or WenQuanYi).")


def missing_font_note(code: str | None = None) -> str:
    """The sentence the report prints when its figures cannot be drawn in ``code`` ("" when they
    can), warned once per process (:class:`FontWarning`) so the run's output says so too."""
    code = code or current_language()
    if figure_language(code) == code:
        return ""
    note = _(MISSING_FONT)
    _warn_once(note)
    return note


@cache
def _warn_once(message: str) -> None:
    warnings.warn(message, FontWarning, stacklevel=3)


def text_width(text: str) -> float:
    """Width of ``text`` in Latin characters, for sizing margins: a CJK character is about 1.6 wide."""
    return sum(1.6 if ord(ch) >= 0x2E80 else 1.0 for ch in str(text))
