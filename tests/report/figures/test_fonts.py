"""CJK fonts for Chinese figures: found when installed, English labels and a warning when not."""

from __future__ import annotations

import pytest
from matplotlib import font_manager

from blinrwe.model.i18n import language
from blinrwe.report.figures import fonts, survival_curve_plot
from blinrwe.report.figures.batch import draw_and_save
from blinrwe.report.figures.base import FigureJob
from blinrwe.report.figures.forest import forest_plot

NEEDS_CJK = pytest.mark.skipif(fonts.cjk_font() is None, reason="no CJK font installed (fonts-noto-cjk)")


def _texts(figure) -> list:
    """Every text artist of a drawn matplotlib Figure (titles, labels, ticks, legends, annotations)."""
    figure.canvas.draw()
    from matplotlib.text import Text

    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _has_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


@pytest.fixture
def no_cjk_font(monkeypatch):
    """The font search forced to find nothing (as on a machine without CJK fonts)."""
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ())
    fonts.cjk_font.cache_clear()
    fonts._warn_once.cache_clear()
    yield
    fonts.cjk_font.cache_clear()
    fonts._warn_once.cache_clear()


@NEEDS_CJK
def test_a_cjk_font_installed_after_matplotlib_listed_the_fonts_is_found(monkeypatch):
    """Matplotlib's cached font list predates fonts installed since (as the missing-font note asks
    the user to): those are looked for on the system and used, not left unseen."""
    manager = font_manager.fontManager
    cjk_files = {entry.fname for entry in manager.ttflist if entry.name in fonts.CJK_FAMILIES}
    stale = [entry for entry in manager.ttflist if entry.fname not in cjk_files]
    monkeypatch.setattr(manager, "ttflist", stale)  # the list as built before the font was installed
    fonts.cjk_font.cache_clear()
    try:
        assert fonts.cjk_font() in fonts.CJK_FAMILIES
        assert any(entry.name == fonts.cjk_font() for entry in manager.ttflist)
        assert fonts.figure_language("zh") == "zh"
    finally:
        fonts.cjk_font.cache_clear()


def _km_job(results, context):
    curves = results.curves
    analysis = curves.loc[curves["group_var"] != "", "analysis"].iloc[0]
    return FigureJob(survival_curve_plot, (curves, results.risk_tables, results.ard, analysis, context))


@NEEDS_CJK
def test_a_chinese_figure_draws_every_glyph_with_a_font_that_has_it(results, context):
    with language("zh"):
        assert fonts.figure_language() == "zh"
        plotted, _paths = draw_and_save(_km_job(results, context), None, (), 100, language_code="zh")
    texts = _texts(plotted.figure)
    chinese = [t for t in texts if _has_cjk(t.get_text())]
    assert chinese, "the figure in Chinese has no Chinese text"
    for text in chinese:
        # each character is drawn by the first font of the family list that has its glyph (matplotlib fallback)
        paths = [font_manager.findfont(font_manager.FontProperties(family=f)) for f in text.get_fontfamily()]
        for ch in set(text.get_text()) - {" "}:
            assert any(fonts.has_glyphs(path, ch) for path in paths), (ch, text.get_text(), paths)
    assert "风险人数" in {t.get_text() for t in texts}  # number at risk


@NEEDS_CJK
def test_the_figure_style_names_the_cjk_font_after_the_latin_one_for_chinese_only():
    assert fonts.font_family("en") == ["DejaVu Sans"]
    assert fonts.font_family("zh") == ["DejaVu Sans", fonts.cjk_font()]
    assert fonts.has_glyphs(font_manager.findfont(fonts.cjk_font()))


def test_without_a_cjk_font_chinese_figures_are_drawn_in_english_and_a_warning_is_given(
        results, context, no_cjk_font):
    assert fonts.cjk_font() is None
    with language("zh"):
        assert fonts.figure_language() == "en"
        with pytest.warns(fonts.FontWarning, match="fonts-noto-cjk"):
            note = fonts.missing_font_note()
        assert "中文" in note  # the report says so in its own language
        job = _km_job(results, context)
        plotted, _paths = draw_and_save(job, None, (), 100, language_code=fonts.figure_language())
    texts = [t.get_text() for t in _texts(plotted.figure)]
    assert not any(_has_cjk(t) for t in texts), texts  # English labels, never boxes
    assert "Number at risk" in texts


def test_without_a_cjk_font_the_report_warns_once_in_its_data_quality_appendix(results, context, no_cjk_font):
    from blinrwe.report.document import plan_document

    with language("zh"), pytest.warns(fonts.FontWarning):
        document = plan_document(results, context)
    appendix = next(s for s in document.sections if s.anchor == "appendix")
    assert any("fonts-noto-cjk" in p for p in appendix.paragraphs)


def test_english_figures_never_need_a_cjk_font(no_cjk_font):
    assert fonts.figure_language("en") == "en"
    assert fonts.missing_font_note("en") == ""
    assert fonts.figure_style("en")["font.family"] == ["DejaVu Sans"]


def test_forest_plot_in_chinese_labels_its_axis_in_chinese(ard, context):
    if fonts.cjk_font() is None:
        pytest.skip("no CJK font installed")
    with language("zh"):
        plotted = forest_plot(ard, "cox_subgroups", context)
    assert plotted.figure.axes[0].get_xlabel().startswith("风险比")
