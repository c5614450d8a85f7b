"""blinrwe.validate.choices: codes, code lists and yes/no, in either language, through the workbook and the
CSV path (their pinned findings are in test_coerce's table); the guesses a hint offers."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.intake.raw import RawSheet
from blinrwe.model.i18n import language
from blinrwe.model.tables import PATIENTS
from blinrwe.validate.cell_text import DistinctTexts
from blinrwe.validate.choices import coerce_booleans, guess_code, suggest, unknown_flags
from blinrwe.validate.findings import CellFindings

from .scenarios import edit, run_both


def test_suggest_close_codes():
    assert suggest("cr", ("CR", "CRi")) == "CR"
    assert suggest("primary refractory", ("primary_refractory", "relapsed")) == "primary_refractory"
    assert suggest("zzz", ("CR", "CRi")) is None


def test_case_insensitive_yes_no_and_missing_tokens(tmp_path):
    tables = edit("assessments", circulating_blasts="YES", platelets="NA")
    for study, report in run_both(tables, tmp_path):
        assert report.findings == ()
        a = study.tables["assessments"]
        assert bool(a.loc[0, "circulating_blasts"]) is True
        assert a["platelets"].isna().all()


def test_unknown_yes_no_is_missing_not_an_error(tmp_path):
    for study, report in run_both(edit("patients", prior_allo_hsct="unknown"), tmp_path):
        assert report.findings == ()
        assert study.tables["patients"]["prior_allo_hsct"].isna().all()


def test_a_wrong_label_is_reported_in_chinese_naming_labels_and_codes(tmp_path):
    with language("zh"):
        results = run_both(edit("patients", sex="女性", prior_allo_hsct="可能"), tmp_path)
    for study, report in results:
        by_code = {f.code: f for f in report.findings}
        sex = by_code["CODE_INVALID"]
        assert sex.message == "“女性”不是“性别 (sex)”允许的取值"
        assert sex.hint == "请从以下选项中选择：男 (M)、女 (F)（是否想填“女 (F)”？）"
        assert by_code["YES_NO_INVALID"].hint == "请填“是”或“否”（不知道时留空或填“不详”）"
        with language("zh"):  # the line around the message is in the language it is printed in
            line = sex.to_text()
        assert line.startswith(("错误 CODE_INVALID study.xlsx，工作表“patients”，第 2 行，列“性别 (sex)”：“女性”",
                                "错误 CODE_INVALID patients.csv，第 2 行，列“性别 (sex)”：“女性”"))
        assert line.endswith("（值：'女性'）。修改方法：" + sex.hint)


def test_guesses_the_label_a_lost_character_stands_in():
    """A '?' is what Excel writes for a character the CSV's encoding cannot hold (² in GBK)."""
    from blinrwe.model.tables import INFUSIONS

    with language("zh"):
        assert guess_code(INFUSIONS.column("dose_unit"), "μg/m?/天") == "ug/m2/day"
    assert guess_code(INFUSIONS.column("dose_unit"), "??") is None  # as many labels fit: no guess


def test_guesses_from_a_label_inside_the_text():
    assert guess_code(PATIENTS.column("sex"), "男性") == "M"
    assert guess_code(PATIENTS.column("disease_setting"), "难治") == "relapsed_refractory"
    assert guess_code(PATIENTS.column("sex"), "未知性别") is None
    assert guess_code(PATIENTS.column("disease_setting"), "复发难治") == "relapsed_refractory"  # 复发/难治
    assert guess_code(PATIENTS.column("disease_setting"), "复发-难治") == "relapsed_refractory"
    assert guess_code(PATIENTS.column("sex"), "——") is None  # nothing left to compare


@pytest.mark.parametrize("column, typed, code", [("sex", "female", "F"), ("sex", " Male ", "M"),
                                                  ("ph_status", "Ph-", "negative"), ("ph_status", "PH+", "positive")])
def test_words_a_clinic_types_for_a_code_are_offered_never_accepted(tmp_path, column, typed, code):
    """'female' for F is the finding CODE_INVALID with "did you mean 'F'?", not a silent F."""
    assert guess_code(PATIENTS.column(column), typed) == code
    for _study, report in run_both(edit("patients", **{column: typed}), tmp_path):
        (found,) = [f for f in report.findings if f.column == column]
        assert found.code == "CODE_INVALID" and f"(did you mean '{code}'?)" in found.hint


def test_yes_no_cells_read_as_nullable_booleans():
    """Yes, no, their labels in both languages and TRUE/FALSE; 'unknown' and empty are missing (and flagged as
    not known); anything else is YES_NO_INVALID and missing. Built as pandas builds a boolean array of them."""
    raw = pd.Series(["yes", "NO", "是", "否", "unknown", "不详", None, "maybe", "TRUE", " y ", "0", "NA"],
                    index=range(2, 14), dtype=object)
    out = CellFindings(RawSheet("patients", "patients.csv", None, (), pd.DataFrame()), PATIENTS, None)
    values = coerce_booleans(PATIENTS.column("prior_allo_hsct"), raw, DistinctTexts.of(raw), out)
    expected = [True, False, True, False, None, None, None, None, True, True, False, None]
    pd.testing.assert_series_equal(values, pd.Series(pd.array(expected, dtype="boolean"), index=raw.index))
    assert values.array._data[values.isna().to_numpy()].tolist() == [False] * 5  # as pd.array leaves them
    assert [(f.code, f.row, f.value) for f in out.findings] == [("YES_NO_INVALID", 9, "maybe")]
    assert np.flatnonzero(unknown_flags(DistinctTexts.of(raw))).tolist() == [4, 5]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from blinrwe.validate.cell_text import cell_text  # noqa: E402
from blinrwe.validate.choices import booleans_of  # noqa: E402


@given(st.lists(st.sampled_from([True, False, np.True_, np.False_, None, float("nan")])))
def test_typed_booleans_read_as_their_texts_do(values):
    """A column of booleans is read on its values: what its cells' texts (TRUE, FALSE) read as, never a finding."""
    cells = np.array(values + [None], dtype=object)[:-1]
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    typed = booleans_of(cells, kind, pd.RangeIndex(len(values)))
    if kind != "boolean":  # empty cells alone
        assert typed is None
        return
    text = pd.Series([cell_text(v) for v in values], dtype=object)
    out = CellFindings(RawSheet("patients", "patients.csv", None, (), pd.DataFrame()), PATIENTS, None)
    pd.testing.assert_series_equal(typed, coerce_booleans(PATIENTS.column("prior_allo_hsct"), text,
                                                          DistinctTexts.of(text), out))
    assert out.findings == []


def test_only_columns_of_booleans_are_read_as_booleans():
    for values in ([True, pd.NA], [True, 1], [True, "yes"]):
        cells = np.array(values, dtype=object)
        assert booleans_of(cells, pd.api.types.infer_dtype(cells, skipna=True), pd.RangeIndex(2)) is None
