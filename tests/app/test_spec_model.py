"""The key declaration: every key has help, every default is valid, form defaults exist on their form."""

from dataclasses import fields

import pytest

from blinrwe.app.catalog import variables
from blinrwe.app.spec_model import SECTIONS, definition_keys, spec_keys
from blinrwe.app.spec_model import with_form_defaults
from blinrwe.app.spec_toml import spec_to_dict
from blinrwe.app.spec import StudySpec, spec_from_dict
from blinrwe.derive import presets


def test_every_key_has_help_text():
    missing = [k.path for k in spec_keys() if not k.help.strip()]
    assert not missing, f"keys without help text (add option(default, 'help') in spec_model.py): {missing}"


def test_every_section_field_is_declared_with_option():
    bare = [f"{name}.{f.name}" for name, cls in SECTIONS.items() for f in fields(cls) if "key" not in f.metadata]
    assert not bare, f"declare these keys with option(...): {bare}"


def test_keys_are_introspectable_for_a_form():
    keys = {k.path: k for k in spec_keys()}
    k = keys["survival.time_unit"]
    assert (k.section, k.name, k.kind, k.default, k.allowed) == ("survival", "time_unit", "str", "months",
                                                                 ("days", "months"))
    assert keys["report.percent_decimals"].range == (0, 6)
    assert keys["data.n"].advanced and not keys["data.path"].advanced
    assert keys["endpoints.preset"].allowed == ("", *presets.PRESETS)
    assert {k.name for k in definition_keys()} >= {"bsa_formula", "mrd_threshold", "cr_blast_inclusive"}


def test_every_preset_says_whose_definitions_it_reproduces():
    assert set(presets.PRESET_DESCRIPTIONS) == set(presets.PRESETS)
    assert all(text.strip() and "seed" in text for text in presets.PRESET_DESCRIPTIONS.values())


@pytest.mark.parametrize("form", ["study", "summary"])
def test_defaults_are_valid_and_name_variables_of_their_form(form):
    spec = with_form_defaults(StudySpec(), form)
    raw = spec_to_dict(spec)
    raw["data"]["example"] = "synthetic"
    spec_from_dict(raw)  # every default passes the declared checks
    names = {v.name for v in variables(form)}
    used = {*spec.subgroups.variables, spec.subgroups.table1_by, *spec.cox.covariates}
    assert used <= names, used - names
    if form == "summary":
        assert spec.endpoints.names == () and spec.cox.endpoints == ()


def test_engine_keys_are_declared_once_in_data(tmp_path):
    """[data] engine and the DuckDB / Spark settings: declared with help, checked, written by `blinrwe spec`."""
    from blinrwe.app.spec_check import load_spec
    from blinrwe.app.spec_start import write_new_spec
    from blinrwe.errors import SpecificationError

    keys = {k.path: k for k in spec_keys()}
    engine = keys["data.engine"]
    assert (engine.kind, engine.default, engine.allowed) == ("str", "auto", ("auto", "pandas", "duckdb", "spark"))
    assert not engine.advanced
    assert [(keys[f"data.{n}"].kind, keys[f"data.{n}"].default, keys[f"data.{n}"].advanced)
            for n in ("memory_limit", "threads", "temp_directory", "spark_master")] == [
        ("str", "", True), ("int", 0, True), ("str", "", True), ("str", "", True)]
    with pytest.raises(SpecificationError) as err:
        spec_from_dict({"data": {"example": "synthetic", "engine": "polars", "threads": -1}})
    assert 'data.engine = "polars" is not allowed; allowed values: "auto", "pandas", "duckdb", "spark"' in str(err.value)
    assert "data.threads = -1 is out of range" in str(err.value)
    spec = spec_from_dict({"data": {"example": "synthetic", "engine": "spark", "spark_master": "yarn"}})
    assert (spec.data.engine, spec.data.spark_master) == ("spark", "yarn")
    path, _ = write_new_spec(tmp_path / "study.toml", tmp_path / "study.xlsx")
    text = path.read_text(encoding="utf-8")
    assert 'engine = "auto"' in text and "memory_limit = " in text and "spark_master = " in text
    assert load_spec(path).data.engine == "auto"
