"""The language mechanism: English ids, per-area catalogs, recorded gaps."""

import tomllib
from importlib import resources

import pytest

from blinrwe.model import i18n


def test_english_is_the_id_and_chinese_comes_from_the_catalogs():
    assert i18n.translate("English") == "English"
    assert i18n.translate("English", "zh") == "英语"
    with i18n.language("zh"):
        assert i18n._("Simplified Chinese") == "简体中文"
        assert i18n.current_language() == "zh"
    assert i18n.current_language() == "en"


def test_a_gap_falls_back_to_english_and_is_recorded():
    i18n.reset_missing()
    assert i18n.translate("no such text, surely", "zh") == "no such text, surely"
    assert ("zh", "no such text, surely") in i18n.missing_translations()
    i18n.reset_missing()
    assert not i18n.missing_translations()


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="en, zh"):
        with i18n.language("fr"):
            pass


def test_a_chinese_label_maps_back_to_its_english_text():
    assert i18n.untranslate(" 英语 ", ["Simplified Chinese", "English"]) == "English"
    assert i18n.untranslate("法语", ["English"]) is None


def test_every_catalog_parses_and_no_entry_is_empty_or_declared_twice():
    seen: dict[str, str] = {}
    for entry in (resources.files("blinrwe") / "locale" / "zh").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        with entry.open("rb") as handle:
            table = tomllib.load(handle)
        for english, chinese in table.items():
            assert isinstance(chinese, str) and chinese.strip(), (entry.name, english)
            assert english not in seen, f"{english!r} is in both {seen[english]} and {entry.name}"
            seen[english] = entry.name
