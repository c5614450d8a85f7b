"""docs/spec.md is the generated reference of the specification keys."""

from pathlib import Path

from blinrwe.app.spec_doc import spec_reference
from blinrwe.app.spec_document import spec_keys

DOC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"


def test_docs_spec_md_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == spec_reference(), (
        "docs/spec.md is out of date: run `python -m blinrwe.app.spec_doc > docs/spec.md`")


def test_reference_names_every_key():
    text = spec_reference()
    assert all(f"| `{k.name}` |" in text for k in spec_keys())
