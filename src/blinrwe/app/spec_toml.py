"""Writing a study specification as TOML, every key with a comment from its declaration.

The pinned environment has no TOML writer (tomllib only reads); the
specification is a two-level dict of str/int/float/bool/date/lists, which a
few lines write exactly (round trip tested). :func:`commented_toml` writes
each key with what it does, its allowed values and its default (from
:mod:`blinrwe.app.spec_model`), the presets with whose definitions they
reproduce, every ``[definitions]`` key (commented out unless set) and the
format of the label sections.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import textwrap
from dataclasses import asdict
from pathlib import Path
from typing import Any

from blinrwe.derive import presets as _presets
from blinrwe.model.i18n import _

from .spec_keys import KINDS, SpecKey
from .spec_document import StudySpec, definition_keys, section_keys
from .spec_model import DEFINITIONS_HELP, LABEL_SECTIONS, SECTION_ORDER

__all__ = ["spec_to_dict", "dumps_toml", "commented_toml", "write_spec", "toml_value"]

WIDTH = 100


def _toml_str(s: str) -> str:
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
    body = "".join(escapes.get(c, c if ord(c) >= 0x20 and ord(c) != 0x7F else f"\\u{ord(c):04x}") for c in s)
    return f'"{body}"'


def toml_value(v: Any) -> str:
    """One value as TOML."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write non-finite float {v!r} to TOML")
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _plain(v):
    return list(v) if isinstance(v, tuple) else v


def spec_to_dict(spec: StudySpec) -> dict:
    """The specification as a TOML-ready nested dict (every key present; no ``source``)."""
    out = {}
    for name in SECTION_ORDER:
        if name == "definitions":
            out[name] = {k: _plain(v) for k, v in spec.definitions}
        elif name in LABEL_SECTIONS:
            out[name] = dict(getattr(spec, name))
        else:
            section = asdict(getattr(spec, name))
            out[name] = {k: _plain(v) for k, v in section.items() if v is not None}
    return out


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")  # other keys ("cr_cri.yes", "<=14 d") are written quoted


def toml_key(key: str) -> str:
    """A key as TOML writes it: bare when it can be, else quoted."""
    return key if _BARE_KEY.match(key) else _toml_str(key)


def dumps_toml(doc: dict, header: str = "") -> str:
    """Write a dict of sections (dicts of scalars/lists) as TOML."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for key, value in doc.items():
        if not isinstance(value, dict):
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for name, section in doc.items():
        if not isinstance(section, dict):
            continue
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        for key, value in section.items():
            if isinstance(value, dict):
                raise TypeError(f"nested table {name}.{key} is not supported by the specification writer")
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text, WIDTH - 2, initial_indent=indent,
                                                   subsequent_indent=indent * 2)] or ["#"]


def allowed_text(key: SpecKey) -> str:
    """What a key accepts, in words (comments and the reference)."""
    parts = [_(KINDS[key.kind]) if key.kind in KINDS else key.kind]
    if key.allowed:
        shown = ", ".join(toml_value(a) for a in key.allowed if a != "")
        parts.append((_("one of {values}") if not key.kind.endswith("_list") else _("each one of {values}"))
                     .format(values=shown))
        if "" in key.allowed:
            parts.append(_('or "" for none'))
    if key.range is not None:
        lo, hi = (str(int(x)) if float(x).is_integer() else repr(x) for x in key.range)
        parts.append(_("from {low} to {high}").format(low=lo, high=hi))
    if key.non_empty:
        parts.append(_("at least one"))
    return "; ".join(parts)


def default_text(key: SpecKey) -> str:
    """The default of a key as written in the file (with the summary-form default when it differs)."""
    text = _("not set") if key.default is None else toml_value(key.default)
    summary = key.default_for("summary")
    if summary is not key.default and summary != key.default:
        text += _(" (patient summary form: {value})").format(value=toml_value(summary))
    return text


def _key_lines(key: SpecKey, value: Any, *, active: bool, note: str = "") -> list[str]:
    lines = _comment(_(key.help))
    lines += _comment(_("Allowed: {allowed}. Default: {default}{note}.").format(
        allowed=allowed_text(key), default=default_text(key), note=note))
    if key.path == "endpoints.preset":
        lines += ["# " + _("Presets (`blinrwe list presets` prints each one's definitions):")]
        for name, text in _presets.PRESET_DESCRIPTIONS.items():
            lines += _comment(f'"{name}": {_(text)}', indent="  ")
    line = f"{key.name} = {key.example if value is None else toml_value(value)}"
    lines.append(line if active and value is not None else f"# {line}")
    return lines


def commented_toml(spec: StudySpec, header: str = "") -> str:
    """The specification with every key, each under a comment from its declaration; parses back to ``spec``."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    definitions = dict(spec.definitions)
    for name in SECTION_ORDER:
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        if name == "definitions":
            lines += _comment(_(DEFINITIONS_HELP))
            preset = _presets.preset(spec.endpoints.preset) if spec.endpoints.preset else None
            for key in definition_keys():
                lines.append("")
                given = key.name in definitions
                in_preset = getattr(preset, key.name, key.default)
                note = "" if in_preset == key.default else _(" (preset {preset}: {value})").format(
                    preset=spec.endpoints.preset, value=toml_value(in_preset))
                lines += _key_lines(key, definitions[key.name] if given else in_preset, active=given, note=note)
        elif name in LABEL_SECTIONS:
            lines += _comment(_(LABEL_SECTIONS[name]))
            labels = getattr(spec, name)
            lines += [f"{toml_key(code)} = {toml_value(label)}" for code, label in labels]
            if not labels:
                example = LABEL_SECTIONS[name].split("e.g. ")[-1].rstrip(".")
                lines.append(f"# {example}")
        else:
            section = getattr(spec, name)
            for key in section_keys(name):
                lines.append("")
                value = getattr(section, key.name)
                lines += _key_lines(key, value, active=value is not None)
    return "\n".join(lines) + "\n"


def write_spec(spec: StudySpec, path: str | Path, header: str | None = None) -> Path:
    """Write the specification with every key and its comment (the ``study.resolved.toml`` of a run by default)."""
    from blinrwe import __version__

    path = Path(path)
    if header is None:
        header = (
            f"Study specification resolved by blinrwe {__version__}: every key with its value, defaults included.\n"
            f"Run again with: blinrwe run {path.name}"
        )
    text = commented_toml(spec, header=header)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader never sees half a specification
    return path
