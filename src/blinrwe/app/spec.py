"""The study specification: one TOML file that says what to analyse and how.

A specification names the data (an xlsx workbook, a folder of CSV files, or a
bundled example), the data cut-off, the analysis sets, the endpoints and their
censoring variants, the grouping variables, landmark times, the time unit, the
adverse-event window, rounding and the outputs. Every key has a default; the
resolved specification (defaults filled in, paths made absolute) is written
into the output folder as ``study.resolved.toml`` so a run can be repeated
exactly (design practice 14).

Reading (:func:`load_spec`) collects *every* problem and raises one
:class:`~blinrwe.errors.SpecificationError` naming each key, the bad value and
the allowed values.

Example::

    [data]
    path = "my_study.xlsx"        # or a CSV folder; or example = "synthetic"
    cutoff = 2024-04-30
    partial_dates = "mid"         # 2021-03 -> 2021-03-15 ("first": 03-01, "last": 03-31), flagged

    [endpoints]
    preset = "seed001"
    names = ["OS", "EFS", "RFS"]
    variants = ["primary", "censor_at_transplant"]

    [subgroups]
    variables = ["disease_setting", "ph_status"]
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from blinrwe.derive import settings as _derive_settings
from blinrwe.errors import SpecificationError
from blinrwe.validate.dates import IMPUTATION_RULES

__all__ = [
    "StudySpec",
    "DataSpec",
    "StudyInfo",
    "EndpointSpec",
    "SubgroupSpec",
    "SurvivalSpec",
    "ResponseSpec",
    "CoxSpec",
    "SafetySpec",
    "ReportSpec",
    "load_spec",
    "spec_from_dict",
    "spec_to_dict",
    "dumps_toml",
    "resolved",
    "write_spec",
    "EXAMPLES",
]

def _kind(annotation: str) -> str:
    """Map a field annotation (a string, under ``from __future__ import annotations``) to a TOML kind."""
    a = str(annotation)
    if a.startswith("tuple[float"):
        return "float_list"
    if a.startswith("tuple[str"):
        return "str_list"
    if "date" in a:
        return "date"
    return {"str": "str", "int": "int", "float": "float", "bool": "bool", "str | None": "str"}.get(a, "other")


EXAMPLES = ("synthetic", "seed003")
# Endpoint and censoring vocabularies are the derivation layer's (one source of truth).
ENDPOINTS = _derive_settings.ENDPOINTS
VARIANTS = _derive_settings.CENSORING_VARIANTS
TIME_UNITS = ("days", "months")
AE_WINDOWS = ("during_blinatumomab", "days_after_last_infusion")
GRADINGS = ("CTCAE_v5", "CTCAE_v6")
ROUNDING = ("half_up", "half_even", "truncate")
FORMATS = ("html", "docx", "xlsx", "csv")
FIGURE_FORMATS = ("png", "svg", "pdf")
CI_TRANSFORMS = ("log-log", "log", "plain")
FOLLOWUP_METHODS = ("reverse_km", "simple_median")
# DeriveSettings fields a [definitions] section may set (plain values only).
_DEFINITION_KINDS = {
    f.name: _kind(f.type)
    for f in fields(_derive_settings.DeriveSettings)
    if f.name not in ("endpoints", "censoring_variants", "data_cutoff", "ae_days_after_last_infusion", "preset",
                      "response_window_cycles")
    and _kind(f.type) != "other"
}


@dataclass(frozen=True)
class StudyInfo:
    """Title lines of the report."""

    title: str = "Blinatumomab real-world study"
    subtitle: str = ""


@dataclass(frozen=True)
class DataSpec:
    """Where the patient data are: ``path`` (xlsx file or CSV folder) or a bundled ``example``."""

    path: str = ""
    example: str = ""  # "synthetic" | "seed003"; empty for the user's own data
    n: int = 200  # synthetic cohort size
    seed: int = 1  # synthetic cohort random seed
    cutoff: dt.date | None = None  # data cut-off: later events are ignored, follow-up censored
    partial_dates: str = "mid"  # YYYY-MM / YYYY dates imputed to the "first", "mid" or "last" day (flagged)


@dataclass(frozen=True)
class EndpointSpec:
    """Time-to-event endpoints (domain-spec section 4): a seed preset of definitions, which ones, which variants.

    ``preset`` names a set of definitions of the derivation layer (e.g. "seed001"; "" = defaults);
    single definitions are changed in the ``[definitions]`` section.
    """

    preset: str = ""
    names: tuple[str, ...] = ("OS", "EFS", "RFS", "PFS", "CIR")
    variants: tuple[str, ...] = ("none",)
    analysis_set: str = "treated"


@dataclass(frozen=True)
class SubgroupSpec:
    """Grouping variables (ADSL columns) for Table 1, response and survival (log-rank between levels)."""

    variables: tuple[str, ...] = ("disease_setting", "ph_status", "intent")
    table1_by: str = "disease_setting"
    table1_variables: tuple[str, ...] = ()  # empty = the standard Table 1 variables present in the data


@dataclass(frozen=True)
class SurvivalSpec:
    """Kaplan-Meier settings (domain-spec section 5)."""

    time_unit: str = "months"
    landmarks: tuple[float, ...] = (6.0, 12.0, 24.0)
    confidence_level: float = 0.95
    ci_transform: str = "log-log"
    followup: str = "reverse_km"


@dataclass(frozen=True)
class ResponseSpec:
    """Response windows (domain-spec section 3.4): best response within ``window_cycles`` and overall."""

    window_cycles: int = 2
    confidence_level: float = 0.95


@dataclass(frozen=True)
class CoxSpec:
    """Cox regression: which endpoints, which covariates (univariable each, then all together).

    ``subgroups``: grouping variables whose levels get a hazard ratio against the
    reference (first) level, one univariable model per variable (the forest plot);
    not given = the ``[subgroups] variables``; ``[]`` = none. The resolved
    specification writes the list out.
    """

    endpoints: tuple[str, ...] = ("OS",)
    covariates: tuple[str, ...] = ("age_at_t0", "disease_setting", "ph_status")
    ties: str = "efron"
    subgroups: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SafetySpec:
    """Adverse-event window and grading (domain-spec section 6)."""

    ae_window: str = "during_blinatumomab"
    ae_window_days: int = 30  # used when ae_window = "days_after_last_infusion"
    grading: str = "CTCAE_v5"


@dataclass(frozen=True)
class ReportSpec:
    """Rounding and outputs. A relative ``output`` is resolved against the specification's folder."""

    percent_decimals: int = 1
    continuous_decimals: int = 1
    hr_decimals: int = 2
    p_decimals: int = 3
    rounding: str = "half_up"
    ci_separator: str = "-"
    show_se: bool = False
    ci_bands: bool = True
    formats: tuple[str, ...] = ("html", "docx", "xlsx", "csv")
    figure_formats: tuple[str, ...] = ("png",)
    figure_dpi: int = 200  # resolution of PNG figures
    swimmer_max_patients: int = 60  # lanes of the swimmer plot (first N by patient id; the report says so)
    output: str = "blinrwe-output"


@dataclass(frozen=True)
class StudySpec:
    """The whole study specification (immutable; change with :func:`dataclasses.replace`).

    ``definitions`` holds changed derivation settings (names of
    :class:`blinrwe.derive.settings.DeriveSettings` fields) as ``(name, value)`` pairs.
    ``group_labels`` / ``variable_labels`` (sections ``[group_labels]``,
    ``[variable_labels]``) are display labels as ``(code, label)`` pairs, e.g.
    ``newly_diagnosed = "Newly diagnosed"``, ``age_at_t0 = "Age, years"``; the levels of
    one variable as ``[group_labels.cr_cri] yes = "CR"`` (stored as ``("cr_cri.yes", "CR")``).
    """

    study: StudyInfo = field(default_factory=StudyInfo)
    data: DataSpec = field(default_factory=DataSpec)
    endpoints: EndpointSpec = field(default_factory=EndpointSpec)
    definitions: tuple[tuple[str, Any], ...] = ()
    subgroups: SubgroupSpec = field(default_factory=SubgroupSpec)
    survival: SurvivalSpec = field(default_factory=SurvivalSpec)
    response: ResponseSpec = field(default_factory=ResponseSpec)
    cox: CoxSpec = field(default_factory=CoxSpec)
    safety: SafetySpec = field(default_factory=SafetySpec)
    report: ReportSpec = field(default_factory=ReportSpec)
    group_labels: tuple[tuple[str, str], ...] = ()
    variable_labels: tuple[tuple[str, str], ...] = ()
    source: str = ""  # the file the specification was read from ("" when built in code)

    @property
    def is_synthetic(self) -> bool:
        """True when the data are the generated synthetic cohort (reports must say so)."""
        return self.data.example == "synthetic"

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the specification are resolved against."""
        return Path(self.source).resolve().parent if self.source else Path.cwd()

    def data_path(self) -> Path | None:
        """Absolute path of the data (None for a bundled example)."""
        if not self.data.path:
            return None
        path = Path(self.data.path).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def output_path(self) -> Path:
        """Absolute path of the output folder."""
        path = Path(self.report.output).expanduser()
        return path if path.is_absolute() else self.base_dir / path


_SECTION_CLASSES = {
    "study": StudyInfo,
    "data": DataSpec,
    "endpoints": EndpointSpec,
    "subgroups": SubgroupSpec,
    "survival": SurvivalSpec,
    "response": ResponseSpec,
    "cox": CoxSpec,
    "safety": SafetySpec,
    "report": ReportSpec,
}
_SECTION_ORDER = ("study", "data", "endpoints", "definitions", "subgroups", "survival", "response", "cox",
                  "safety", "report", "group_labels", "variable_labels")
_LABEL_SECTIONS = ("group_labels", "variable_labels")

# Allowed values per key ("section.key"); list keys check each element.
_ALLOWED: dict[str, tuple] = {
    "data.example": ("",) + EXAMPLES,
    "data.partial_dates": IMPUTATION_RULES,
    "endpoints.names": ENDPOINTS,
    "endpoints.variants": VARIANTS,
    "survival.time_unit": TIME_UNITS,
    "survival.ci_transform": CI_TRANSFORMS,
    "survival.followup": FOLLOWUP_METHODS,
    "cox.endpoints": ENDPOINTS,
    "cox.ties": ("efron", "breslow"),
    "safety.ae_window": AE_WINDOWS,
    "safety.grading": GRADINGS,
    "report.rounding": ROUNDING,
    "report.formats": FORMATS,
    "report.figure_formats": FIGURE_FORMATS,
}
# Inclusive numeric bounds.
_RANGES: dict[str, tuple[float, float]] = {
    "data.n": (1, 10_000_000),
    "data.seed": (0, 2**32 - 1),
    "survival.confidence_level": (0.5, 0.999),
    "response.window_cycles": (1, 12),
    "response.confidence_level": (0.5, 0.999),
    "safety.ae_window_days": (0, 365),
    "report.percent_decimals": (0, 6),
    "report.continuous_decimals": (0, 6),
    "report.hr_decimals": (0, 6),
    "report.p_decimals": (1, 6),
    "report.figure_dpi": (50, 1200),
    "report.swimmer_max_patients": (1, 10_000),
}
# Lists that must not be empty.
_NON_EMPTY = {"endpoints.variants", "report.formats"}


def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _coerce(key: str, kind: str, value: Any, findings: list[str]):
    """Return ``value`` converted to ``kind`` or append a finding and return None."""
    bad = f"{key} = {_describe(value)}"
    if kind == "str":
        if isinstance(value, str):
            return value
        findings.append(f"{bad}: expected a text value in quotes, e.g. {key.split('.')[-1]} = \"...\".")
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        findings.append(f"{bad}: expected a whole number.")
    elif kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        findings.append(f"{bad}: expected a number.")
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        findings.append(f"{bad}: expected true or false.")
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
        findings.append(f"{bad}: expected a date as YYYY-MM-DD, e.g. {key.split('.')[-1]} = 2024-04-30.")
    elif kind in ("str_list", "float_list"):
        if not isinstance(value, list):
            value = [value] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value
        if not isinstance(value, list):
            findings.append(f"{bad}: expected a list, e.g. [\"a\", \"b\"].")
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


def _check_value(key: str, value: Any, findings: list[str]) -> None:
    """Allowed values, ranges and non-empty lists."""
    items = value if isinstance(value, tuple) else (value,)
    allowed = _ALLOWED.get(key)
    if allowed is not None:
        for item in items:
            if item not in allowed:
                shown = ", ".join(f'"{a}"' for a in allowed if a != "")
                findings.append(f"{key} = {_describe(item)} is not allowed; allowed values: {shown}.")
    bounds = _RANGES.get(key)
    if bounds is not None:
        lo, hi = bounds
        for item in items:
            if item is not None and not lo <= item <= hi:
                findings.append(f"{key} = {_describe(item)} is out of range; allowed: {lo} to {hi}.")
    if key in _NON_EMPTY and isinstance(value, tuple) and not value:
        findings.append(f"{key} is empty; give at least one of: {', '.join(map(str, _ALLOWED[key]))}.")
    if isinstance(value, tuple) and len(set(value)) != len(value):
        findings.append(f"{key} lists a value twice: {list(value)}; give each value once.")


def _check_cross(spec: StudySpec, findings: list[str]) -> None:
    """Rules that involve several keys."""
    d = spec.data
    if d.path and d.example:
        findings.append(
            f'data.path = "{d.path}" and data.example = "{d.example}" are both set; give one of them.'
        )
    if not d.path and not d.example:
        findings.append(
            'data: give either path = "<workbook.xlsx or CSV folder>" or example = "synthetic" / "seed003".'
        )
    if any(t <= 0 for t in spec.survival.landmarks):
        findings.append(f"survival.landmarks = {list(spec.survival.landmarks)}: landmark times must be > 0.")
    if list(spec.survival.landmarks) != sorted(spec.survival.landmarks):
        findings.append(f"survival.landmarks = {list(spec.survival.landmarks)}: list landmark times in increasing order.")
    missing = [e for e in spec.cox.endpoints if e not in spec.endpoints.names]
    if missing:
        findings.append(
            f"cox.endpoints = {list(spec.cox.endpoints)} names {missing} which endpoints.names does not include; "
            f"add them to endpoints.names = {list(spec.endpoints.names)} or remove them."
        )
    if spec.endpoints.preset and spec.endpoints.preset not in _preset_names():
        findings.append(
            f'endpoints.preset = "{spec.endpoints.preset}" is not allowed; allowed values: '
            + ", ".join(f'"{p}"' for p in _preset_names()) + ' (or "" for the defaults).'
        )


def _preset_names() -> tuple[str, ...]:
    """Names of the derivation presets (seed definitions), when the derive layer provides them."""
    try:
        from blinrwe.derive import presets
    except ImportError:
        return ()
    names = getattr(presets, "PRESETS", {})
    return tuple(sorted(names))


def _definitions(given: Any, findings: list[str]) -> tuple[tuple[str, Any], ...]:
    """The [definitions] section: changed DeriveSettings fields, checked by kind."""
    if not isinstance(given, dict):
        findings.append(f"definitions must be a section [definitions] with keys, got {_describe(given)}.")
        return ()
    out = []
    for key, value in given.items():
        full = f"definitions.{key}"
        if key not in _DEFINITION_KINDS:
            findings.append(
                f"unknown key {full}; allowed keys in [definitions]: {', '.join(sorted(_DEFINITION_KINDS))}."
            )
            continue
        before = len(findings)
        got = _coerce(full, _DEFINITION_KINDS[key], value, findings)
        if len(findings) == before:
            out.append((key, got))
    try:  # the derivation layer checks allowed values of its own settings
        _derive_settings.DeriveSettings(**dict(out))
    except SpecificationError as err:
        findings.append(f"[definitions]: {err}")
    return tuple(out)


def _labels(name: str, given: Any, findings: list[str]) -> tuple[tuple[str, str], ...]:
    """A [group_labels] / [variable_labels] section: code = "display label" pairs."""
    if not isinstance(given, dict):
        findings.append(f"{name} must be a section [{name}] with code = \"label\" lines, got {_describe(given)}.")
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
    where = f" in {source}" if source else ""
    if not isinstance(raw, dict):
        raise SpecificationError(f"the study specification{where} must be a TOML document of [sections].")
    sections = {}
    for name in raw:
        if name not in _SECTION_ORDER:
            findings.append(
                f"unknown section [{name}]; allowed sections: {', '.join(f'[{s}]' for s in _SECTION_ORDER)}."
            )
    for name, cls in _SECTION_CLASSES.items():
        given = raw.get(name, {})
        if not isinstance(given, dict):
            findings.append(f"{name} must be a section [{name}] with keys, got {_describe(given)}.")
            sections[name] = cls()
            continue
        kinds = {f.name: _kind(f.type) for f in fields(cls)}
        values = {}
        for key, value in given.items():
            full = f"{name}.{key}"
            if key not in kinds:
                findings.append(f"unknown key {full}; allowed keys in [{name}]: {', '.join(kinds)}.")
                continue
            before = len(findings)
            got = _coerce(full, kinds[key], value, findings)
            if len(findings) == before:
                _check_value(full, got, findings)
                values[key] = got
        sections[name] = cls(**values)
    definitions = _definitions(raw.get("definitions", {}), findings)
    labels = {name: _labels(name, raw.get(name, {}), findings) for name in _LABEL_SECTIONS}
    spec = StudySpec(**sections, definitions=definitions, **labels, source=str(source))
    _check_cross(spec, findings)
    if findings:
        head = f"the study specification{where} has {len(findings)} problem{'s' if len(findings) > 1 else ''}:"
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


def spec_to_dict(spec: StudySpec) -> dict:
    """The specification as a TOML-ready nested dict (every key present; no ``source``)."""
    out = {}
    for name in _SECTION_ORDER:
        if name == "definitions":
            out[name] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in spec.definitions}
            continue
        if name in _LABEL_SECTIONS:
            out[name] = dict(getattr(spec, name))
            continue
        section = asdict(getattr(spec, name))
        out[name] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in section.items() if v is not None}
    return out


def resolved(spec: StudySpec) -> StudySpec:
    """A copy with data and output paths made absolute and implicit defaults written out, to run from anywhere."""
    data_path = spec.data_path()
    data = replace(spec.data, path=str(data_path)) if data_path is not None else spec.data
    report = replace(spec.report, output=str(spec.output_path()))
    cox = spec.cox if spec.cox.subgroups is not None else replace(spec.cox, subgroups=spec.subgroups.variables)
    return replace(spec, data=data, report=report, cox=cox)


# --- TOML writer ------------------------------------------------------------
# The pinned environment has no TOML writer (tomllib only reads); the
# specification is a two-level dict of str/int/float/bool/date/lists, which a
# few lines write exactly (round trip tested).


def _toml_str(s: str) -> str:
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
    body = "".join(escapes.get(c, c if ord(c) >= 0x20 and ord(c) != 0x7F else f"\\u{ord(c):04x}") for c in s)
    return f'"{body}"'


def _toml_value(v: Any) -> str:
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
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps_toml(doc: dict, header: str = "") -> str:
    """Write a dict of sections (dicts of scalars/lists) as TOML."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    top = {k: v for k, v in doc.items() if not isinstance(v, dict)}
    for key, value in top.items():
        lines.append(f"{key} = {_toml_value(value)}")
    for name, section in doc.items():
        if not isinstance(section, dict):
            continue
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        for key, value in section.items():
            if isinstance(value, dict):
                raise TypeError(f"nested table {name}.{key} is not supported by the specification writer")
            lines.append(f"{key if _BARE_KEY.match(key) else _toml_str(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")  # other keys ("cr_cri.yes", "<=14 d") are written quoted


def write_spec(spec: StudySpec, path: str | Path) -> Path:
    """Write the specification with every default filled in (the ``study.resolved.toml`` of a run)."""
    from blinrwe import __version__

    path = Path(path)
    header = (
        f"Study specification resolved by blinrwe {__version__}: every key with its value, defaults included.\n"
        f"Run again with: blinrwe run {path.name}"
    )
    path.write_text(dumps_toml(spec_to_dict(spec), header=header), encoding="utf-8")
    return path
