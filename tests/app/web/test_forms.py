"""The settings form is generated from the specification's declaration and checked by the file's checker."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from blinrwe.app.spec_document import StudySpec, spec_keys, with_form_defaults
from blinrwe.app.web import forms


def _posted(sections) -> FormData:
    """What a browser posts for the form as shown (checked boxes, selected options, field texts)."""
    items = []
    for section in sections:
        for c in section.controls + section.advanced:
            if c.widget == "checkboxes":
                items += [(c.name, v) for v in c.selected]
            elif c.widget == "select":
                items.append((c.name, c.selected[0] if c.selected else ""))
            else:
                items.append((c.name, c.text))
    return FormData(items)


def test_every_key_but_those_the_page_sets_has_exactly_one_control():
    controls = [c.name for s in forms.form_sections(StudySpec()) for c in s.controls + s.advanced]
    expected = [k.path for k in spec_keys() if k.path not in forms.EXCLUDED] + ["group_labels", "variable_labels"]
    assert sorted(controls) == sorted(expected) and len(controls) == len(set(controls))


def test_controls_follow_kind_allowed_values_range_and_the_advanced_flag():
    by_name = {c.name: (c, s) for s in forms.form_sections(StudySpec()) for c in s.controls + s.advanced}
    assert by_name["endpoints.names"][0].widget == "checkboxes"
    assert by_name["survival.time_unit"][0].widget == "select"
    assert by_name["report.show_se"][0].widget == "select"
    assert (by_name["report.p_decimals"][0].min, by_name["report.p_decimals"][0].max) == ("1", "6")
    assert by_name["data.cutoff"][0].widget == "date"
    assert by_name["survival.ci_transform"][0] in by_name["survival.ci_transform"][1].advanced
    assert by_name["survival.landmarks"][0] in by_name["survival.landmarks"][1].controls
    preset = by_name["endpoints.preset"][0]
    assert any("seed 001" in label for _, label in preset.choices)  # each preset with its one line


@pytest.mark.parametrize("form", ["study", "summary"])
def test_the_form_as_shown_posts_back_the_same_specification(form):
    spec = with_form_defaults(StudySpec(), form)
    settings, _raw = forms.parse_form(_posted(forms.form_sections(spec)))
    from blinrwe.app.web.tasks import spec_for

    rebuilt = spec_for(settings, "/data/study.xlsx")
    for key in spec_keys():
        if key.path in forms.EXCLUDED or key.section == "definitions":
            continue
        assert getattr(getattr(rebuilt, key.section), key.name) == getattr(getattr(spec, key.section), key.name), \
            key.path
    if form == "study":
        assert settings == {}  # nothing changed: nothing written


def test_checker_findings_go_to_the_key_they_name():
    message = ("the study specification has 3 problems:\n  - survival.landmarks = \"x\": expected a number.\n"
               "  - unknown key report.colour; allowed keys in [report]: ...\n"
               "  - data: give either path = ... or example = ...")
    by_key, general = forms.field_errors(message)
    assert list(by_key) == ["survival.landmarks", "report.colour"]
    assert general == ["data: give either path = ... or example = ..."]


def test_an_imported_file_keeps_its_settings_but_not_its_data_or_output():
    settings = forms.import_settings('[data]\npath = "/etc/passwd"\ncutoff = 2024-04-30\n'
                                     '[report]\noutput = "/"\np_decimals = 2\n')
    assert settings == {"data": {"cutoff": __import__("datetime").date(2024, 4, 30)}, "report": {"p_decimals": 2}}


def test_an_imported_file_never_sets_a_path_or_address_on_the_server():
    """A visitor's settings name no file, folder or cluster of the server (mapping, schema, spill folder, Spark)."""
    settings = forms.import_settings('[data]\nomop_mapping = "/etc/passwd"\nomop_schema = "secret"\n'
                                     'temp_directory = "/"\nspark_master = "spark://elsewhere:7077"\nengine = "duckdb"\n')
    assert settings == {"data": {"engine": "duckdb"}}
