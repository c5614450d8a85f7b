"""Study specification: defaults, round trip, pinned error messages."""

import datetime as dt
import tomllib

import pytest

from blinrwe.app.spec import (StudySpec, dumps_toml, load_spec, resolved, spec_from_dict, spec_to_dict,
                              write_spec)
from blinrwe.errors import SpecificationError

FULL = """
[study]
title = "My study \\"quoted\\" é"

[data]
path = "data/study.xlsx"
cutoff = 2024-04-30

[endpoints]
preset = "001"
names = ["OS", "EFS"]
variants = ["none", "allo_hsct_or_car_t"]

[definitions]
mrd_threshold = 0.001
cr_blast_inclusive = false

[survival]
time_unit = "days"
landmarks = [180, 365]

[report]
percent_decimals = 2
rounding = "half_even"
figure_formats = ["png", "svg"]
output = "out"
"""


def test_round_trip(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(FULL, encoding="utf-8")
    spec = load_spec(path)
    assert spec.data.cutoff == dt.date(2024, 4, 30)
    assert spec.survival.landmarks == (180.0, 365.0)
    assert dict(spec.definitions) == {"mrd_threshold": 0.001, "cr_blast_inclusive": False}
    out = write_spec(spec, tmp_path / "study.resolved.toml")
    again = load_spec(out)
    assert spec_to_dict(again) == spec_to_dict(spec)
    assert again.source != spec.source  # only the origin differs
    assert tomllib.loads(dumps_toml(spec_to_dict(again))) == spec_to_dict(spec)


def test_defaults_are_written_and_paths_resolved(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text('[data]\nexample = "synthetic"\n', encoding="utf-8")
    spec = resolved(load_spec(path))
    assert spec.report.output == str(tmp_path / "blinrwe-output" / "study")  # {study}: the file's name
    text = dumps_toml(spec_to_dict(spec))
    for key in ("time_unit", "landmarks", "percent_decimals", "ae_window", "covariates"):
        assert f"\n{key} = " in text
    assert spec_from_dict(tomllib.loads(text)) == spec_from_dict(spec_to_dict(spec))


def test_every_problem_reported_at_once():
    raw = {
        "data": {"example": "synth", "n": "many"},
        "survival": {"time_unit": "weeks", "landmarks": [12, 6]},
        "report": {"formats": [], "percent_decimals": 9},
        "definitions": {"nope": 1},
        "extra": {},
    }
    with pytest.raises(SpecificationError) as err:
        spec_from_dict(raw, source="study.toml")
    msg = str(err.value)
    assert msg.startswith("the study specification in study.toml has 8 problems:")
    assert 'data.example = "synth" is not allowed; allowed values: "synthetic", "seed003".' in msg
    assert 'data.n = "many": expected a whole number.' in msg
    assert 'survival.time_unit = "weeks" is not allowed; allowed values: "days", "months".' in msg
    assert "survival.landmarks = [12.0, 6.0]: list landmark times in increasing order." in msg
    assert "report.formats is empty" in msg
    assert "report.percent_decimals = 9 is out of range; allowed: 0 to 6." in msg
    assert "unknown key definitions.nope" in msg
    assert "unknown section [extra]" in msg


def test_data_source_required_and_exclusive():
    with pytest.raises(SpecificationError, match="give either path"):
        spec_from_dict({})
    with pytest.raises(SpecificationError, match="are both set; give one of them"):
        spec_from_dict({"data": {"path": "x.xlsx", "example": "synthetic"}})


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(SpecificationError, match="not found"):
        load_spec(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[data\nexample = 1", encoding="utf-8")
    with pytest.raises(SpecificationError, match="is not valid TOML"):
        load_spec(bad)


def test_preset_and_definitions_checked_by_derive():
    with pytest.raises(SpecificationError, match='endpoints.preset = "999"'):
        spec_from_dict({"data": {"example": "synthetic"}, "endpoints": {"preset": "999"}})
    with pytest.raises(SpecificationError, match="bsa_formula"):
        spec_from_dict({"data": {"example": "synthetic"}, "definitions": {"bsa_formula": "guess"}})


def test_built_in_code_equals_defaults():
    assert spec_from_dict({"data": {"example": "synthetic"}}).survival == StudySpec().survival


def test_cox_subgroups_default_to_the_subgroup_variables(tmp_path):
    from blinrwe.app.pipeline import analysis_settings

    spec = spec_from_dict({"data": {"example": "synthetic"}, "subgroups": {"variables": ["ph_status"]}})
    assert spec.cox.subgroups is None
    assert analysis_settings(spec).forest_subgroups == ("ph_status",)
    assert resolved(spec).cox.subgroups == ("ph_status",)  # written out in study.resolved.toml
    again = load_spec(write_spec(resolved(spec), tmp_path / "s.toml"))
    assert again.cox.subgroups == ("ph_status",)
    none = spec_from_dict({"data": {"example": "synthetic"}, "cox": {"subgroups": []}})
    assert none.cox.subgroups == () and analysis_settings(none).forest_subgroups == ()
    with pytest.raises(SpecificationError, match=r"cox.subgroups = 1: expected a text value"):
        spec_from_dict({"data": {"example": "synthetic"}, "cox": {"subgroups": [1]}})


def test_partial_dates_rule_checked_and_round_tripped(tmp_path):
    assert spec_from_dict({"data": {"example": "synthetic"}}).data.partial_dates == "mid"
    spec = spec_from_dict({"data": {"example": "synthetic", "partial_dates": "last"}})
    assert load_spec(write_spec(spec, tmp_path / "s.toml")).data.partial_dates == "last"
    with pytest.raises(SpecificationError) as err:
        spec_from_dict({"data": {"example": "synthetic", "partial_dates": "middle"}})
    assert 'data.partial_dates = "middle" is not allowed; allowed values: "first", "mid", "last".' in str(err.value)


def test_display_settings_reach_the_report_context(tmp_path):
    from blinrwe.app.pipeline import report_context

    raw = {"data": {"example": "synthetic"}, "report": {"figure_dpi": 120, "swimmer_max_patients": 25},
           "group_labels": {"newly_diagnosed": "Newly diagnosed"}, "variable_labels": {"age_at_t0": "Age, years"}}
    spec = spec_from_dict(raw)
    again = load_spec(write_spec(spec, tmp_path / "s.toml"))
    assert spec_to_dict(again) == spec_to_dict(spec)
    context = report_context(again)
    assert (context.figure_dpi, context.swimmer_max_patients) == (120, 25)
    assert dict(context.group_labels) == {"newly_diagnosed": "Newly diagnosed"}
    assert dict(context.variable_labels) == {"age_at_t0": "Age, years"}
    with pytest.raises(SpecificationError) as err:
        spec_from_dict({**raw, "report": {"figure_dpi": 5}, "group_labels": {"x": 3}, "variable_labels": []})
    msg = str(err.value)
    assert "report.figure_dpi = 5 is out of range; allowed: 50 to 1200." in msg
    assert 'group_labels.x = 3: expected a non-empty label in quotes, e.g. x = "My label".' in msg
    assert "variable_labels must be a section [variable_labels]" in msg


def test_within_subset_comparisons_key():
    """[survival] within = ["<subset> by <variable>"]: comparisons within a subset (seed 004: HSCT vs no HSCT
    among responders); not given = offered automatically; a malformed item is a finding."""
    from blinrwe.app.pipeline import analysis_settings

    spec = spec_from_dict({"data": {"example": "synthetic"},
                           "survival": {"within": ["responder by allo_hsct_after"]}})
    assert spec.survival.within == ("responder by allo_hsct_after",)
    assert analysis_settings(spec).within == (("responder", "allo_hsct_after"),)
    assert analysis_settings(spec_from_dict({"data": {"example": "synthetic"}})).within is None
    assert analysis_settings(spec_from_dict({"data": {"example": "synthetic"}, "survival": {"within": []}})).within == ()
    # a subset alone (a yes/no variable or "<variable>=<level>"): every endpoint among those patients
    alone = spec_from_dict({"data": {"example": "synthetic"},
                            "survival": {"within": ["best_response=CR", "best_response=CR by mrd_negative_overall"]}})
    assert analysis_settings(alone).within_pairs() == (("best_response=CR", "best_response"),
                                                       ("best_response=CR", "mrd_negative_overall"))
    for bad in ("responder by ", "best_response= by allo_hsct_after", "two words"):
        with pytest.raises(SpecificationError, match=f'survival.within = "{bad}": write "<subset> by <variable>"'):
            spec_from_dict({"data": {"example": "synthetic"}, "survival": {"within": [bad]}})


def test_response_population_is_a_definition():
    spec = spec_from_dict({"data": {"example": "synthetic"}, "definitions": {"response_population": "overt_disease",
                                                                           "overt_disease_blast_pct": 5}})
    assert dict(spec.definitions) == {"response_population": "overt_disease", "overt_disease_blast_pct": 5.0}
    with pytest.raises(SpecificationError, match="response_population='everyone'"):
        spec_from_dict({"data": {"example": "synthetic"}, "definitions": {"response_population": "everyone"}})


def test_level_labels_of_one_variable_in_the_specification(tmp_path):
    from blinrwe.app.pipeline import report_context
    from blinrwe.report.labels import level_label

    path = tmp_path / "study.toml"
    path.write_text('[data]\nexample = "synthetic"\n\n[group_labels]\nnewly_diagnosed = "ND"\n"<=14 d" = "Short"\n'
                    '"allo_hsct_after.no" = "No transplant"\n\n[group_labels.cr_cri]\nyes = "CR"\nno = "non-CR"\n', encoding="utf-8")
    spec = load_spec(path)
    assert dict(spec.group_labels) == {"newly_diagnosed": "ND", "<=14 d": "Short", "allo_hsct_after.no": "No transplant",
                                       "cr_cri.yes": "CR", "cr_cri.no": "non-CR"}
    again = load_spec(write_spec(spec, tmp_path / "resolved.toml"))  # keys that are not bare are written quoted
    assert again.group_labels == spec.group_labels
    labels = report_context(again).group_labels
    assert [level_label(lv, labels, variable="cr_cri") for lv in ("yes", "no")] == ["CR", "non-CR"]
    assert level_label("no", labels, variable="allo_hsct_after") == "No transplant"
    with pytest.raises(SpecificationError, match=r"group_labels.cr_cri.yes = 1: expected a non-empty label"):
        spec_from_dict({"group_labels": {"cr_cri": {"yes": 1}}})


def test_cost_section_and_conventions_switch_reach_the_analysis():
    """[cost] only with a price; [report] conventions_appendix on by default; [cox] convergence passed on."""
    from blinrwe.app.pipeline import analysis_settings

    base = {"data": {"example": "synthetic"}}
    assert analysis_settings(spec_from_dict(base)).cost is None
    assert analysis_settings(spec_from_dict(base)).conventions_appendix is True
    spec = spec_from_dict({**base, "cost": {"price_per_vial": 12000, "currency": "CNY", "wastage": "shared"},
                           "cox": {"convergence": "phreg_gconv"}, "report": {"conventions_appendix": False}})
    s = analysis_settings(spec)
    assert (s.cost.price_per_vial, s.cost.currency, s.cost.wastage, s.cost.by) == (12000, "CNY", "shared",
                                                                                   "regimen_class")
    assert s.cox_convergence == "phreg_gconv" and s.conventions_appendix is False
    with pytest.raises(SpecificationError, match="wastage"):
        spec_from_dict({**base, "cost": {"wastage": "per_vial"}})


def test_every_specification_problem_is_told_in_chinese_too():
    """The checker's messages (shown by `blinrwe run` and beside each field of the web form) have their
    Chinese: a specification with one mistake of each kind leaves no translation missing."""
    from blinrwe.app.spec_check import spec_from_dict
    from blinrwe.errors import SpecificationError
    from blinrwe.model.i18n import language, missing_translations, reset_missing

    raw = {"study": {"title": 3, "nonsense": 1}, "nosuch": {}, "survival": {"landmarks": [12, 6], "within": ["a b"],
           "confidence_level": 2.0, "time_unit": "weeks"}, "postbaseline": {"landmarks": [-1]},
           "data": {"cutoff": "soon", "n": "many"}, "report": {"ci_bands": "yes", "formats": []},
           "endpoints": {"names": ["OS", "OS"], "variants": "none"}, "cox": {"endpoints": ["EFS"]},
           "definitions": 5, "group_labels": 7, "response": {"confidence_level": "high"}}
    reset_missing()
    with language("zh"), pytest.raises(SpecificationError) as err:
        spec_from_dict(raw, source="study.toml")
    assert "研究设置（study.toml）有" in str(err.value) and "未知的设置项 study.nonsense" in str(err.value)
    assert "data：请填写 path" in str(err.value)
    assert not missing_translations()
