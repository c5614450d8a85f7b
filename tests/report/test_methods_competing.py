"""The methods paragraph names the test actually used, the strata, the models and the RMST rule."""

from blinrwe.model import i18n
from blinrwe.report import ReportContext
from blinrwe.report.methods_competing import competing_methods_paragraph

from .competing_ard import competing_ard

CONTEXT = ReportContext()


def test_sentences_for_what_was_done():
    text = competing_methods_paragraph(competing_ard(), CONTEXT)
    assert "Peto-Peto test" in text and "stratified by site" in text
    assert "log-rank test for trend" in text
    assert "Fine-Gray subdistribution hazard ratios" in text and "cmprsk::crr" in text
    assert "restricted mean survival time (RMST) to 12 months" in text
    assert "Survival differences" in text


def test_fleming_harrington_names_rho():
    assert "G(0.5)" in competing_methods_paragraph(competing_ard(rho=0.5), CONTEXT)


def test_nothing_to_say_without_these_analyses():
    ard = competing_ard()
    assert competing_methods_paragraph(ard.iloc[0:0], CONTEXT) == ""
    assert competing_methods_paragraph(None, CONTEXT) == ""


def test_chinese():
    i18n.reset_missing()
    with i18n.language("zh"):
        text = competing_methods_paragraph(competing_ard(), ReportContext(time_unit="days"))
    assert "限制性平均生存时间" in text and "Peto-Peto" in text
    gaps = {t for _, t in i18n.missing_translations()}
    assert not {g for g in gaps if "RMST" in g or "Peto" in g or "stratified" in g or "trend" in g}, gaps
