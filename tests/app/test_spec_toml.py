"""The commented specification: every key under a comment, and it parses back to the same spec."""

import tomllib
from dataclasses import replace

import pytest

from blinrwe.app.spec import StudySpec, load_spec, spec_from_dict, spec_to_dict, write_spec
from blinrwe.app.spec_document import spec_keys, with_form_defaults
from blinrwe.app.spec_model import LABEL_SECTIONS
from blinrwe.app.spec_toml import commented_toml
from blinrwe.derive import presets


def _spec(**changes):
    spec = StudySpec()
    return replace(spec, data=replace(spec.data, path="study.xlsx"), **changes)


SPECS = {
    "defaults": _spec(),
    "summary": with_form_defaults(_spec(), "summary"),
    "preset, definitions and labels": _spec(
        endpoints=replace(StudySpec().endpoints, preset="003", names=("OS", "PFS")),
        definitions=(("mrd_threshold", 0.001), ("os_followup", ("last_contact",))),
        group_labels=(("newly_diagnosed", "Newly diagnosed"),), variable_labels=(("age_at_t0", "Age, years"),)),
}


@pytest.mark.parametrize("name", SPECS)
def test_commented_spec_parses_back_to_the_same_spec(name, tmp_path):
    spec = SPECS[name]
    again = load_spec(write_spec(spec, tmp_path / "study.toml"))
    assert spec_to_dict(again) == spec_to_dict(spec)
    assert spec_from_dict(tomllib.loads(commented_toml(spec))) == replace(spec, source="")


def test_every_key_is_named_with_its_meaning_allowed_values_and_default():
    text = commented_toml(SPECS["defaults"])
    lines = text.splitlines()
    for key in spec_keys():
        section = lines.index(f"[{key.section}]")  # a name may be in two sections ([survival], [postbaseline])
        at = next(i for i, line in enumerate(lines) if i > section and line.lstrip("# ").startswith(f"{key.name} = "))
        comment = " ".join(lines[max(0, at - 12):at])
        assert key.help.split()[0] in comment and "Allowed:" in comment and "Default:" in comment, key.path
    for name, text_ in presets.PRESET_DESCRIPTIONS.items():
        assert f'"{name}": {text_[:40]}' in text.replace("\n#     ", " ")
    for section in LABEL_SECTIONS:
        assert f"[{section}]" in text
    assert '# newly_diagnosed = "Newly diagnosed"' in text and '# age_at_t0 = "Age, years"' in text


def test_definitions_are_commented_out_with_the_preset_value():
    spec = _spec(endpoints=replace(StudySpec().endpoints, preset="003"))
    text = commented_toml(spec)
    assert "# cr_blast_inclusive = false" in text and "(preset 003: false)" in text
    assert dict(spec_from_dict(tomllib.loads(text)).definitions) == {}
