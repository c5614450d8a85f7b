"""The reference of the study specification (``docs/spec.md``), generated from the key declaration.

``python -m blinrwe.app.spec_doc > docs/spec.md`` rewrites it; a test fails when the
committed file differs from :func:`spec_reference`.
"""

from __future__ import annotations

from blinrwe.derive import presets as _presets

from .spec_document import spec_keys
from .spec_model import DEFINITIONS_HELP, LABEL_SECTIONS, SECTION_ORDER
from .spec_toml import allowed_text, default_text

__all__ = ["spec_reference"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def spec_reference() -> str:
    """Markdown: every section and key with what it does, what it accepts and its default."""
    keys = spec_keys()
    lines = [
        "# Study specification reference",
        "",
        "Generated from the key declaration (`blinrwe/app/spec_model.py`) by "
        "`python -m blinrwe.app.spec_doc > docs/spec.md`; do not edit by hand.",
        "`blinrwe spec study.toml --data study.xlsx` writes a specification with every key below, each under a "
        "comment; `blinrwe list presets|endpoints|variables|analysis-sets|keys` lists what the keys can name.",
        "Relative paths (`data.path`, `report.output`) are read from the specification file's folder.",
        "Where the patient summary form (no dates) has another default, it is given in brackets.",
    ]
    for section in SECTION_ORDER:
        lines += ["", f"## [{section}]", ""]
        if section in LABEL_SECTIONS:
            lines.append(LABEL_SECTIONS[section])
            continue
        if section == "definitions":
            lines += [DEFINITIONS_HELP, ""]
        lines += ["| key | accepts | default | what it does |", "|---|---|---|---|"]
        for key in (k for k in keys if k.section == section):
            lines.append(f"| `{key.name}` | {_cell(allowed_text(key))} | {_cell(default_text(key))} | "
                         f"{_cell(key.help)}{' (advanced)' if key.advanced and section != 'definitions' else ''} |")
        if section == "endpoints":
            lines += ["", "Presets (`endpoints.preset`):", ""]
            lines += [f"- `\"{name}\"`: {text}" for name, text in _presets.PRESET_DESCRIPTIONS.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(spec_reference())
