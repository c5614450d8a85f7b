"""Reading and checking a study specification against its declared keys.

:func:`spec_from_dict` checks every key by its declaration (:mod:`blinrwe.app.spec_model`):
kind, allowed values, range, non-empty lists, duplicates; then the rules that involve
several keys. It collects *every* problem and raises one
:class:`~blinrwe.errors.SpecificationError` naming each key, the bad value and the
allowed values.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

from blinrwe.derive import settings as _derive_settings
from blinrwe.errors import SpecificationError
from blinrwe.model.i18n import _

from .spec_keys import SpecKey
from .spec_document import StudySpec, definition_keys, section_keys
from .spec_model import LABEL_SECTIONS, SECTION_ORDER, SECTIONS

__all__ = ["spec_from_dict", "load_spec"]


def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _coerce(key: str, kind: str, value: Any, findings: list[str]):
    """Return ``value`` converted to ``kind`` or append a finding and return None."""
    bad = f"{key} = {_describe(value)}"
    if kind == "str":
        if isinstance(value, str):
            return value
        findings.append(_("{bad}: expected a text value in quotes, e.g. {name} = \"...\".").format(bad=bad, name=key.split(".")[-1]))
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        findings.append(_("{bad}: expected a whole number.").format(bad=bad))
    elif kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        findings.append(_("{bad}: expected a number.").format(bad=bad))
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        findings.append(_("{bad}: expected true or false.").format(bad=bad))
    elif kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        findings.append(_("{bad}: expected a date as YYYY-MM-DD, e.g. {name} = 2024-04-30.").format(bad=bad, name=key.split(".")[-1]))
    elif kind in ("str_list", "float_list"):
        if not isinstance(value, list):
            value = [value] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value
        if not isinstance(value, list):
            findings.append(_("{bad}: expected a list, e.g. [\"a\", \"b\"].").format(bad=bad))
            return None
        item_kind = "str" if kind == "str_list" else "float"
        out, ok = [], True
        for item in value:
            before = len(findings)
            got = _coerce(key, item_kind, item, findings)
            if len(findings) > before:
                ok = False
            out.append(got)
        return tuple(out) if ok else None
    return None


def _check_value(key: SpecKey, value: Any, findings: list[str]) -> None:
    """Allowed values, ranges, non-empty lists and repeated values, as the key declares them."""
    path = key.path
    items = value if isinstance(value, tuple) else (value,)
    if key.allowed:
        for item in items:
            if item not in key.allowed:
                shown = ", ".join(f'"{a}"' for a in key.allowed if a != "")
                findings.append(_("{path} = {value} is not allowed; allowed values: {shown}.").format(
                    path=path, value=_describe(item), shown=shown))
    if key.range is not None:
        lo, hi = key.range
        for item in items:
            if item is not None and not lo <= item <= hi:
                findings.append(_("{path} = {value} is out of range; allowed: {lo} to {hi}.").format(
                    path=path, value=_describe(item), lo=lo, hi=hi))
    if key.non_empty and isinstance(value, tuple) and not value:
        findings.append(_("{path} is empty; give at least one of: {allowed}.").format(
            path=path, allowed=", ".join(map(str, key.allowed))))
    if isinstance(value, tuple) and len(set(value)) != len(value):
        findings.append(_("{path} lists a value twice: {value}; give each value once.").format(path=path, value=list(value)))


def _check_cross(spec: StudySpec, findings: list[str]) -> None:
    """Rules that involve several keys."""
    d = spec.data
    if d.path and d.example:
        findings.append(_('data.path = "{path}" and data.example = "{example}" are both set; give one of them.').format(
            path=d.path, example=d.example))
    if not d.path and not d.example:
        findings.append(
            _('data: give either path = "<workbook.xlsx or CSV folder>" or example = "synthetic" / "seed003".'))
    if any(t <= 0 for t in spec.survival.landmarks):
        findings.append(_("survival.landmarks = {value}: landmark times must be > 0.").format(
            value=list(spec.survival.landmarks)))
    if list(spec.survival.landmarks) != sorted(spec.survival.landmarks):
        findings.append(_("survival.landmarks = {value}: list landmark times in increasing order.").format(
            value=list(spec.survival.landmarks)))
    pb = list(spec.postbaseline.landmarks)
    if any(t <= 0 for t in pb) or pb != sorted(set(pb)):
        findings.append(_("postbaseline.landmarks = {value}: landmark times must be > 0, in increasing order.").format(
            value=pb))
    for item in spec.survival.within or ():
        subset, by, variable = str(item).partition(" by ")
        column, eq, level = subset.partition("=")
        if not subset.strip() or (by and not variable.strip()) or " " in subset.strip() or (eq and not (
                column.strip() and level.strip())):
            findings.append(_('survival.within = "{item}": write "<subset> by <variable>", e.g. '
                              '"responder by allo_hsct_after", or "<subset>" alone (e.g. "best_response=CR": '
                              'every endpoint among those patients).').format(item=item))
    missing = [e for e in spec.cox.endpoints if e not in spec.endpoints.names]
    if missing:
        findings.append(
            _("cox.endpoints = {value} names {missing} which endpoints.names does not include; "
              "add them to endpoints.names = {names} or remove them.").format(
                value=list(spec.cox.endpoints), missing=missing, names=list(spec.endpoints.names))
        )


def _section(name: str, keys: tuple[SpecKey, ...], given: dict, findings: list[str]) -> dict:
    """The checked values of one section's given keys (unknown and bad keys are findings)."""
    by_name = {k.name: k for k in keys}
    values = {}
    for key, value in given.items():
        spec_key = by_name.get(key)
        if spec_key is None:
            findings.append(_("unknown key {name}.{key}; allowed keys in [{name}]: {allowed}.").format(
                name=name, key=key, allowed=", ".join(by_name)))
            continue
        before = len(findings)
        got = _coerce(spec_key.path, spec_key.kind, value, findings)
        if len(findings) == before:
            _check_value(spec_key, got, findings)
            values[key] = got  # kept even when not allowed: the cross-key rules then see what was given
    return values


def _definitions(given: Any, findings: list[str]) -> tuple[tuple[str, Any], ...]:
    """The [definitions] section: changed DeriveSettings fields, checked by their declared keys."""
    if not isinstance(given, dict):
        findings.append(_("definitions must be a section [definitions] with keys, got {value}.").format(
            value=_describe(given)))
        return ()
    before = len(findings)
    values = _section("definitions", definition_keys(), given, findings)
    if len(findings) == before:  # values not allowed stop here: the derivation layer would repeat them
        try:  # the derivation layer checks the rest of its own settings (e.g. days_per_month > 0)
            _derive_settings.DeriveSettings(**values)
        except SpecificationError as err:
            findings.append(f"[definitions]: {err}")
    return tuple(values.items())


def _labels(name: str, given: Any, findings: list[str]) -> tuple[tuple[str, str], ...]:
    """A [group_labels] / [variable_labels] section: code = "display label" pairs."""
    if not isinstance(given, dict):
        findings.append(_("{name} must be a section [{name}] with code = \"label\" lines, got {value}.").format(
            name=name, value=_describe(given)))
        return ()
    out = []
    if name == "group_labels":  # [group_labels.cr_cri] yes = "CR": one variable's levels, kept as "cr_cri.yes"
        flat = {}
        for code, value in given.items():
            if isinstance(value, dict):
                flat.update({f"{code}.{level}": label for level, label in value.items()})
            else:
                flat[code] = value
        given = flat
    for code, label in given.items():
        if not isinstance(label, str) or not label.strip():
            findings.append(f'{name}.{code} = {_describe(label)}: expected a non-empty label in quotes, e.g. '
                            f'{code} = "My label".')
            continue
        out.append((str(code), label))
    return tuple(out)


def spec_from_dict(raw: dict, *, source: str = "") -> StudySpec:
    """Build a :class:`StudySpec` from a parsed TOML dict, checking every key; raises with all findings."""
    findings: list[str] = []
    where = _(" in {source}").format(source=source) if source else ""
    if not isinstance(raw, dict):
        raise SpecificationError(f"the study specification{where} must be a TOML document of [sections].")
    for name in raw:
        if name not in SECTION_ORDER:
            findings.append(
                _("unknown section [{name}]; allowed sections: {allowed}.").format(
                    name=name, allowed=", ".join(f"[{s}]" for s in SECTION_ORDER))
            )
    sections, given_keys = {}, set()
    for name, cls in SECTIONS.items():
        given = raw.get(name, {})
        if not isinstance(given, dict):
            findings.append(_("{name} must be a section [{name}] with keys, got {value}.").format(
                name=name, value=_describe(given)))
            sections[name] = cls()
            continue
        values = _section(name, section_keys(name), given, findings)
        given_keys.update(f"{name}.{k}" for k in values)
        sections[name] = cls(**values)
    definitions = _definitions(raw.get("definitions", {}), findings)
    labels = {name: _labels(name, raw.get(name, {}), findings) for name in LABEL_SECTIONS}
    spec = StudySpec(**sections, definitions=definitions, **labels, source=str(source),
                     given=frozenset(given_keys))
    _check_cross(spec, findings)
    if findings:
        head = (_("the study specification{where} has {n} problems:") if len(findings) > 1 else
                _("the study specification{where} has 1 problem:")).format(where=where, n=len(findings))
        raise SpecificationError("\n  - ".join([head, *findings]))
    return spec


def load_spec(path: str | Path) -> StudySpec:
    """Read and check a study specification TOML file."""
    path = Path(path)
    if not path.is_file():
        raise SpecificationError(f"study specification {path} not found; give the path of a .toml file.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SpecificationError(f"{path} is not valid TOML: {err}. Check quotes, brackets and '=' signs.") from None
    except UnicodeDecodeError:
        raise SpecificationError(f"{path} is not a UTF-8 text file; save it as UTF-8 TOML.") from None
    return spec_from_dict(raw, source=str(path))
