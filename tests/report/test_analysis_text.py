"""Texts of the analysis layer printed in Chinese: exact entries, patterns, clauses, gaps recorded."""

from blinrwe.model import i18n
from blinrwe.report.analysis_text import analysis_text, split_outside_parentheses


def _zh(text):
    with i18n.language("zh"):
        return analysis_text(text)


def test_english_is_printed_as_the_analysis_wrote_it():
    assert analysis_text("Clopper-Pearson exact binomial interval, 95% CI") == "Clopper-Pearson exact binomial interval, 95% CI"


def test_a_pattern_keeps_its_numbers_and_names_its_codes():
    assert _zh("Clopper-Pearson exact binomial interval, 90% CI") == "Clopper-Pearson精确二项区间，90% CI"
    assert _zh("no events in level positive of ph_status (hazard ratio not estimable)") == \
        "费城染色体的阳性水平无事件（风险比无法估计）"


def test_a_field_named_variable_takes_variable_codes_only():
    i18n.reset_missing()
    text = "Not counted as missing where not applicable by definition: rr_type (newly diagnosed patients have had no relapse)."
    assert _zh(text) == "按定义不适用者不计为缺失：复发/难治类型（初诊患者尚无复发）。"
    assert not i18n.missing_translations()


def test_a_record_is_translated_clause_by_clause_with_chinese_punctuation():
    text = ("Response rates are given with exact (Clopper-Pearson) 95% confidence intervals; the denominator of each "
            "rate is stated.")
    assert _zh(text) == "缓解率给出精确（Clopper-Pearson）95%置信区间；并注明每个比率的分母。"


def test_parentheses_bound_fields_and_clauses():
    assert split_outside_parentheses("a (b; c); d", "; ") == ["a (b; c)", "d"]
    rule = ("CIR from the first response (CR/CRi) to the first of relapse or death without relapse (non-relapse "
            "mortality, the competing event) (responders only)")
    i18n.reset_missing()
    assert _zh(rule) == "CIR自首次缓解（CR/CRi）至复发或无复发死亡（非复发死亡，竞争事件）中最先发生者（仅限缓解者）"
    assert not i18n.missing_translations()


def test_an_unknown_text_stays_english_and_is_recorded_as_missing():
    i18n.reset_missing()
    assert _zh("a reason nobody has translated") == "a reason nobody has translated"
    assert ("zh", "a reason nobody has translated") in i18n.missing_translations()
    i18n.reset_missing()


def test_the_issue_9_methods_and_reasons_have_their_chinese():
    """Texts the safety, post-baseline, competing-regression, RMST and cost analyses write."""
    texts = [
        "Cox model with the state as a time-dependent covariate (counting process, intervals start < t ≤ stop); "
        "Wald CI and p (Efron ties)",
        "Mantel-Byar test (state entered after the start; exact-ties score test, as R coxph with tmerge)",
        "Fine-Gray subdistribution hazard model (weighted partial likelihood, Breslow ties, robust variance with the "
        "censoring-distribution term, as R cmprsk::crr)",
        "difference in Kaplan-Meier survival (newly_diagnosed minus relapsed_refractory), Greenwood SEs, normal 95% CI "
        "and Wald test",
        "restricted mean survival time to 12 (area under the Kaplan-Meier curve), R survival variance; normal 95% CI",
        "vital status on or before the data cut-off 2024-04-30; deaths from any cause",
        "adverse events in the AE window recorded fatal or of grade 5, patients counted once per term; "
        "window: during blinatumomab",
        "vials opened per bag (each bag's dose rounded up to whole vials), priced at 1000 CNY per vial of 35 ug",
        "the restricted mean of a group is not estimable: tau = 12 is beyond the follow-up (last observed time 7.03); "
        "the restricted mean would extrapolate the curve flat as R survfit(rmean = ) does",
        "no relapses in level yes of ph_status (subdistribution hazard ratio not estimable)",
        "no robust variance while another coefficient diverges (coefficient of disease_setting[relapsed_refractory], "
        "ph_status[positive] may be infinite (monotone likelihood)) (subdistribution hazard ratio not estimable)",
    ]
    i18n.reset_missing()
    shown = [_zh(t) for t in texts]
    assert not i18n.missing_translations()
    assert shown[3] == "Kaplan-Meier生存率差值（初诊减复发/难治），Greenwood标准误，正态近似95% CI及Wald检验"
    assert "1000 CNY" in shown[7] and "35 ug" in shown[7]
    assert "疾病状态：复发/难治、费城染色体：阳性的系数可能为无穷大" in shown[10]
