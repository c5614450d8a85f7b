"""The settings form, generated from the specification's declaration (one control per key).

Every key of :func:`blinrwe.app.spec_document.spec_keys` gets one control chosen by its kind
and allowed values (a list of choices: boxes; one choice: a menu; a number: a number field
with the declared range; a date: a date field; other text and lists: a text field), its
help (translated) beside it, advanced keys folded away. The keys the page sets itself
(the data's location, the output folder, the bundled examples) have no control.

What the form posts becomes the same TOML-ready dict a specification file holds (only
the keys changed from their defaults), and is checked by the one checker of files,
:func:`blinrwe.app.spec_check.spec_from_dict`: a form and a file can never disagree.
Its findings are put next to the key they name.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field

from blinrwe.derive import presets as _presets
from blinrwe.model.i18n import _

from ..spec_keys import SpecKey
from ..spec_document import StudySpec, spec_keys
from ..spec_model import LABEL_SECTIONS, SECTION_ORDER
from ..spec_toml import dumps_toml

__all__ = ["Control", "Section", "form_sections", "parse_form", "field_errors", "settings_text", "read_settings",
           "EXCLUDED", "SECTION_TITLES", "import_settings"]

#: Keys the page sets itself: the upload is the data, the run folder is the output. Paths and
#: addresses on the server (a mapping file, a schema, DuckDB's spill folder, a Spark cluster) are
#: never taken from a visitor.
EXCLUDED = frozenset({"data.path", "data.example", "data.n", "data.seed", "report.output", "data.omop_mapping",
                      "data.omop_schema", "data.temp_directory", "data.spark_master"})
SECTION_TITLES = {
    "study": "Titles of the report", "data": "Data options", "endpoints": "Endpoints and censoring",
    "definitions": "Definitions (changes to the preset)", "subgroups": "Subgroups and Table 1",
    "survival": "Survival settings", "response": "Response settings", "cox": "Cox regression settings",
    "safety": "Safety settings", "report": "Report output", "group_labels": "Labels of codes",
    "variable_labels": "Labels of variables",
}


@dataclass
class Control:
    """One key's control: ``widget`` is checkboxes, select, number, date, text or textarea."""

    key: SpecKey | None
    name: str  # form field name, "section.key"
    widget: str
    help: str
    text: str = ""  # the value shown in a text/number/date field
    selected: tuple = ()  # chosen values of a select or of checkboxes
    choices: tuple = ()  # (value, label) pairs
    placeholder: str = ""
    errors: list = field(default_factory=list)
    min: str = ""
    max: str = ""
    step: str = "any"
    notes: tuple = ()  # (term, meaning) pairs listed under the control (the presets' one line each)


@dataclass
class Section:
    name: str
    title: str
    controls: list
    advanced: list


def _text(value) -> str:
    """A value as typed in a field (lists comma separated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "g") if len(format(value, "g")) < 12 else repr(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _widget(key: SpecKey) -> str:
    if key.kind == "str_list" and key.allowed and key.section != "definitions":
        return "checkboxes"
    if key.kind == "bool" or (key.kind == "str" and key.allowed):
        return "select"
    if key.kind in ("int", "float"):
        return "number"
    if key.kind == "date":
        return "date"
    return "text"


def _choices(key: SpecKey) -> tuple:
    if key.kind == "bool":
        options = (("true", _("yes (true)")), ("false", _("no (false)")))
    elif key.path == "endpoints.preset":
        options = tuple((a, f"{a} – {_(_presets.PRESET_DESCRIPTIONS[a])}" if a else _("none: blinrwe's defaults"))
                        for a in key.allowed)
    else:
        options = tuple((a, a if a else _("(none)")) for a in key.allowed)
    if key.section == "definitions":
        options = (("", _("(the preset's value)")),) + options
    return options


def _control(key: SpecKey, value, raw: dict | None, preset) -> Control:
    widget = _widget(key)
    control = Control(key=key, name=key.path, widget=widget, help=_(key.help))
    if key.range is not None:
        control.min, control.max = (_text(float(b)) for b in key.range)
    if key.kind == "int":
        control.step = "1"
    shown = raw[key.path] if raw is not None and key.path in raw else None  # what was posted, as posted
    if widget in ("select", "checkboxes"):
        control.choices = _choices(key)
        if shown is not None:
            control.selected = tuple(shown) if isinstance(shown, list) else (shown,)
        else:
            control.selected = tuple(_text(v) for v in value) if isinstance(value, tuple) else (_text(value),)
    else:
        control.text = (shown if isinstance(shown, str) else _text(value)) if shown is not None else _text(value)
    if key.path == "endpoints.preset":
        control.notes = tuple((name, _(text)) for name, text in _presets.PRESET_DESCRIPTIONS.items())
    if key.section == "definitions":
        control.placeholder = _text(getattr(preset, key.name, key.default))
        if widget == "select" and shown is None and value is None:
            control.selected = ("",)
    elif key.optional:
        control.placeholder = key.example
    return control


def _labels_text(pairs) -> str:
    return "\n".join(f"{code} = {label}" for code, label in pairs)


def form_sections(spec: StudySpec, raw: dict | None = None, errors: dict | None = None) -> list[Section]:
    """The form's sections with every key's control, the values of ``spec`` (or as posted in ``raw``)."""
    errors = errors or {}
    preset = _presets.preset(spec.endpoints.preset) if spec.endpoints.preset else None
    definitions = dict(spec.definitions)
    by_section: dict[str, Section] = {}
    for key in spec_keys():
        if key.path in EXCLUDED:
            continue
        section = by_section.setdefault(key.section, Section(key.section, _(SECTION_TITLES.get(key.section,
                                                                                             key.section)), [], []))
        value = definitions.get(key.name) if key.section == "definitions" else getattr(getattr(spec, key.section),
                                                                                         key.name)
        control = _control(key, value, raw, preset)
        control.errors = errors.get(key.path, [])
        (section.advanced if key.advanced else section.controls).append(control)
    for name, help_text in LABEL_SECTIONS.items():
        text = raw.get(name, "") if raw is not None else _labels_text(getattr(spec, name))
        control = Control(key=None, name=name, widget="textarea", help=_(help_text), text=text,
                          errors=errors.get(name, []))
        by_section[name] = Section(name, _(SECTION_TITLES[name]), [control], [])
    return [by_section[name] for name in SECTION_ORDER if name in by_section]


def _typed(key: SpecKey, text: str):
    """The posted text as the kind the key declares; text that does not convert is kept for the checker."""
    text = text.strip()
    try:
        if key.kind == "int":
            return int(text)
        if key.kind == "float":
            return float(text)
        if key.kind == "bool":
            return {"true": True, "false": False}.get(text, text)
        if key.kind == "date":
            return dt.date.fromisoformat(text)
    except ValueError:
        return text
    if key.kind in ("str_list", "float_list"):
        if text in ("[]", ""):
            return []
        items = [item.strip().strip('"') for item in text.split(",") if item.strip()]
        if key.kind == "float_list":
            return [_float_or_text(item) for item in items]
        return items
    return text


def _float_or_text(item: str):
    try:
        return float(item)
    except ValueError:
        return item


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def parse_form(form) -> tuple[dict, dict]:
    """(settings, raw): the TOML-ready dict of keys changed from their defaults, and what was posted per field."""
    settings: dict[str, dict] = {}
    raw: dict = {}
    for key in spec_keys():
        if key.path in EXCLUDED:
            continue
        widget = _widget(key)
        if widget == "checkboxes":
            chosen = [v for v in form.getlist(key.path)]
            raw[key.path] = chosen
            value = chosen
        else:
            text = form.get(key.path, "")
            text = text if isinstance(text, str) else ""
            raw[key.path] = text
            if text.strip() == "" and (key.optional or key.section == "definitions"):
                continue  # left out: the preset's value, or derived from other keys
            value = _typed(key, text)
        if key.section != "definitions" and value == _plain(key.default):
            continue
        settings.setdefault(key.section, {})[key.name] = value
    for name in LABEL_SECTIONS:
        text = form.get(name, "")
        raw[name] = text if isinstance(text, str) else ""
        pairs = {}
        for line in raw[name].splitlines():
            code, sep, label = line.partition("=")
            if line.strip() and sep:
                pairs[code.strip().strip('"')] = label.strip().strip('"')
            elif line.strip():
                pairs[line.strip()] = ""  # the checker says how to write it
        if pairs:
            settings[name] = pairs
    return settings, raw


_FINDING_KEY = re.compile(r"^(?:unknown key )?([a-z_]+)\.([A-Za-z0-9_]+)")


def field_errors(message: str) -> tuple[dict[str, list[str]], list[str]]:
    """The checker's findings by the key they name (``section.key``), and those naming none."""
    findings = [part.strip() for part in message.split("\n  - ")[1:]] or [message]
    by_key: dict[str, list[str]] = {}
    general = []
    for finding in findings:
        match = _FINDING_KEY.match(finding)
        path = f"{match.group(1)}.{match.group(2)}" if match else None
        if path and path not in EXCLUDED:
            by_key.setdefault(path, []).append(finding)
        elif match and match.group(1) in LABEL_SECTIONS:
            by_key.setdefault(match.group(1), []).append(finding)
        else:
            general.append(finding)
    return by_key, general


def settings_text(settings: dict) -> str:
    """The settings as the TOML the study folder keeps (sections in file order)."""
    ordered = {name: settings[name] for name in SECTION_ORDER if settings.get(name)}
    return dumps_toml(ordered)


def read_settings(text: str) -> dict:
    return tomllib.loads(text) if text.strip() else {}


def import_settings(text: str) -> dict:
    """The settings of an imported specification file (its data, examples and output left out).

    Raises ValueError for text that is not TOML (with where it is wrong).
    """
    raw = tomllib.loads(text)
    settings = {}
    for name, section in raw.items():
        if isinstance(section, dict):
            kept = {k: v for k, v in section.items() if f"{name}.{k}" not in EXCLUDED}
            if kept:
                settings[name] = kept
        else:
            settings[name] = section  # the checker names it
    return settings
