"""Display text of the declared tables: headings and code labels in both languages, read back to the names."""

import pytest

from blinrwe.model import ALL_TABLES, DType
from blinrwe.model import display
from blinrwe.model.i18n import catalog, language, missing_translations, reset_missing
from blinrwe.model.tables import PATIENTS, THERAPIES

TABLES = tuple(ALL_TABLES.values())


def test_english_shows_the_names_and_chinese_the_labels_with_the_name():
    sex = PATIENTS.column("sex")
    assert display.heading(PATIENTS, sex) == "sex"
    assert display.level_label(sex, "M") == "M"
    with language("zh"):
        assert display.heading(PATIENTS, sex) == "性别 (sex)"
        assert display.level_label(sex, "M") == "男"
        assert display.level_with_code(sex, "F") == "女 (F)"
        assert display.bool_label("yes") == "是"
        # a label that already names its code is not repeated
        assert display.level_with_code(PATIENTS.column("disease_status_at_t0"), "CR") == "完全缓解 (CR)"


def test_every_declared_column_code_and_yes_no_has_a_chinese_label():
    table = catalog("zh")
    missing = [key for key in display.display_ids(TABLES) if not table.get(key, "").strip()]
    assert missing == []


def test_every_declared_description_has_a_chinese_text():
    table = catalog("zh")
    texts = {t.description for t in TABLES} | {c.description for t in TABLES for c in t.columns}
    assert sorted(t for t in texts if t not in table) == []


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_labels_are_unique_so_that_they_read_back(table):
    with language("zh"):
        headings = [display.column_label(table, c) for c in table.columns]
        assert len(set(headings)) == len(headings)
        for col in table.columns:
            labels = [display.normalise(display.level_label(col, v)) for v in col.allowed]
            assert len(set(labels)) == len(labels), col.name


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_headings_read_back_to_the_declared_names(table):
    for col in table.columns:
        with language("zh"):
            shown, label = display.heading(table, col), display.column_label(table, col)
        for text in (col.name, col.name.upper(), shown, label, f" {label}（{col.name}） ", f"{label}({col.name})"):
            assert display.column_of_header(table, text) == col.name, text
    assert display.column_of_header(table, "no such column") == "no such column"


def test_a_name_in_parentheses_after_words_of_ones_own_reads_as_that_column():
    assert display.column_of_header(PATIENTS, "Gender of patient (sex)") == "sex"
    assert display.column_of_header(THERAPIES, "目的 (intent)") == "intent"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_code_labels_read_back_to_their_codes(table):
    for col in table.columns:
        if col.dtype not in (DType.ENUM, DType.ENUM_LIST):
            continue
        for value in col.allowed:
            with language("zh"):
                label, both = display.level_label(col, value), display.level_with_code(col, value)
            for text in (label, both, f" {label} ", f"{label} ({value})"):
                assert display.code_of_label(col, text) == value, (col.name, text)


def test_full_width_characters_and_units_read_as_typed_on_a_chinese_keyboard():
    unit = ALL_TABLES["infusions"].column("dose_unit")
    assert display.code_of_label(unit, "µg/m2/天") == "ug/m2/day"  # micro sign and plain 2
    assert display.code_of_label(PATIENTS.column("sex"), "女（F）") == "F"
    assert display.code_of_label(PATIENTS.column("sex"), "女性") is None


def test_a_label_that_ends_in_its_code_reads_without_the_bracket_too():
    response = ALL_TABLES["assessments"].column("response_recorded")
    assert display.code_of_label(response, "完全缓解") == "CR"
    assert display.code_of_label(response, "完全缓解伴血细胞计数不完全恢复") == "CRi"
    assert display.code_of_label(ALL_TABLES["patients"].column("stop_reason"), "不良事件") == "AE"
    for table in TABLES:  # never a word that two codes' labels share
        for col in table.columns:
            if col.dtype in (DType.ENUM, DType.ENUM_LIST):
                with language("zh"):
                    labels = [display.level_label(col, v) for v in col.allowed]
                for value, label in zip(col.allowed, labels):
                    words = label.rsplit(" (", 1)[0]
                    if label.endswith(")") and sum(other.startswith(words + " (") for other in labels) > 1:
                        assert display.code_of_label(col, words) is None


def test_yes_no_words():
    assert display.bool_words() == {"是": "yes", "否": "no", "不详": "unknown"}


def test_showing_everything_in_chinese_leaves_no_gap():
    reset_missing()
    with language("zh"):
        for table in TABLES:
            for col in table.columns:
                display.heading(table, col)
                for value in col.allowed:
                    display.level_with_code(col, value)
    assert missing_translations() == set()


def test_units_in_words_are_translated_and_symbols_stay():
    with language("zh"):
        assert display.unit_label("years") == "岁" and display.unit_label("fraction") == "小数"
        assert display.unit_label("10^9/L") == "10^9/L" and display.unit_label(None) == ""
    assert display.unit_label("years") == "years"


def test_white_space_inside_labels_and_headings_does_not_matter():
    assert display.column_of_header(PATIENTS, "性 别") == "sex"
    assert display.code_of_label(PATIENTS.column("genetic_abnormalities"), "KMT2A重排") == "KMT2A_r"
    assert display.column_of_header(PATIENTS, "首次输注时MRD") == "mrd_at_t0"


def test_heading_words_are_what_comes_before_the_name():
    assert display.heading_words("患者编号 (patient_id)") == "患者编号"
    assert display.heading_words(" 患者编号 ") == "患者编号"
    assert display.heading_words("patient_id") == "patient_id"
