"""The key declaration: every key has help and is declared with option(...), presets are described."""

from dataclasses import fields

import pytest

from blinrwe.app.spec_document import spec_keys
from blinrwe.app.spec_model import SECTIONS
from blinrwe.app.spec import spec_from_dict
from blinrwe.derive import presets


def test_every_key_has_help_text():
    missing = [k.path for k in spec_keys() if not k.help.strip()]
    assert not missing, f"keys without help text (add option(default, 'help') in spec_model.py): {missing}"


def test_every_section_field_is_declared_with_option():
    bare = [f"{name}.{f.name}" for name, cls in SECTIONS.items() for f in fields(cls) if "key" not in f.metadata]
    assert not bare, f"declare these keys with option(...): {bare}"


def test_every_preset_says_whose_definitions_it_reproduces():
    assert set(presets.PRESET_DESCRIPTIONS) == set(presets.PRESETS)
    assert all(text.strip() and "seed" in text for text in presets.PRESET_DESCRIPTIONS.values())


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
